"""The benchmark's input checks and its results table (bench/common.py): pure, no database."""

import math

import pytest

from bench import common
from bench.common import Refused


class TestInput:
    def test_it_refuses_sqlite_with_a_one_line_reason(self):
        with pytest.raises(Refused, match="PostgreSQL, not sqlite") as refused:
            common.bench_database_url("sqlite:///db.sqlite3")
        assert "\n" not in str(refused.value)

    def test_it_refuses_a_missing_database_url(self):
        with pytest.raises(Refused, match="needs PostgreSQL"):
            common.bench_database_url(None)

    def test_it_works_in_its_own_database_never_the_one_named(self):
        server, bench = common.bench_database_url("postgres://postgres:pw@db.local:5433/govfeedback?sslmode=disable")
        assert server == "postgres://postgres:pw@db.local:5433/postgres?sslmode=disable"
        assert bench == "postgres://postgres:pw@db.local:5433/govfeedback_bench?sslmode=disable"

    def test_its_database_name_must_be_a_bench_name(self):
        with pytest.raises(Refused, match="must start with govfeedback_bench"):
            common.bench_database_url("postgres://127.0.0.1/x", "govfeedback")

    @pytest.mark.parametrize("value", ["0", "-5"])
    def test_it_refuses_a_size_of_zero_or_less(self, value):
        with pytest.raises(Refused, match="at least 1"):
            common.appeals_from(value)

    def test_it_refuses_a_size_that_is_not_a_number(self):
        with pytest.raises(Refused, match="whole number"):
            common.appeals_from("a lot")

    @pytest.mark.parametrize(("value", "size"), [(None, 100_000), ("", 100_000), ("1_000_000", 10**6), ("5,000", 5000)])
    def test_it_reads_the_size(self, value, size):
        assert common.appeals_from(value) == size


class TestFigures:
    def test_median_and_percentiles(self):
        assert common.median([3.0, 1.0, 2.0]) == 2.0
        values = [float(n) for n in range(1, 101)]
        assert common.percentile(values, 0.5) == 50.0
        assert common.percentile(values, 0.99) == 99.0
        assert math.isnan(common.percentile([], 0.5))

    def test_a_ratio_needs_a_positive_floor(self):
        assert common.ratio(3.0, 2.0) == 1.5
        assert common.ratio(3.0, 0.0) is None
        assert common.ratio(None, 2.0) is None

    def test_the_table_marks_a_missed_target_and_a_missing_measurement(self):
        table = common.markdown_table(
            [
                {"what": "flag", "value": 2.0, "unit": "s", "queries": 7, "floor": 1.0, "ratio": 2.0, "met": False},
                {"what": "dashboard", "note": "not measured: dashboard missing"},
            ]
        )
        lines = table.splitlines()
        assert len(lines) == 4
        assert "| flag | 2.0 s | 7 |" in lines[2] and "2.00×" in lines[2] and "**no**" in lines[2]
        assert "not measured: dashboard missing" in lines[3]


def test_it_refuses_a_broker_that_is_not_redis_in_one_line():
    with pytest.raises(common.Refused, match="CELERY_BROKER_URL=redis://") as refused:
        common.bench_broker_url("filesystem://")
    assert "\n" not in str(refused.value)
    assert common.bench_broker_url(None) == common.DEFAULT_BROKER
    assert common.bench_broker_url("redis://10.0.0.5:6379/3") == "redis://10.0.0.5:6379/3"


class TestFlagOverdueFigures:
    @pytest.mark.parametrize(
        ("seconds", "count", "text"),
        [(63.1, 9000, "7.0 ms"), (0.61, 9065, "67.3 µs"), (12.0, 4, "3.0 s"), (1e-6, 1000, "1 ns")],
    )
    def test_the_time_per_item_in_a_readable_unit(self, seconds, count, text):
        assert common.per_item(seconds, count) == text

    def test_no_items_have_no_time_each(self):
        assert common.per_item(1.0, 0) == "—"
        assert common.per_item(math.nan, 10) == "—"

    def test_the_floor_must_have_written_the_same_rows(self):
        ours = {"appeals": (9, "a1"), "events": (9, "e1"), "notifications": (16, "n1")}
        assert common.differences(ours, dict(ours)) == []
        other_names = {**ours, "notifications": (16, "n2")}
        assert common.differences(ours, other_names) == ["notifications"]
        assert common.differences(ours, {"appeals": (9, "a1")}) == ["events", "notifications"]
