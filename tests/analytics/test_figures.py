"""The dashboard's figures for a fortnight worked out by hand (tests/analytics/conftest.py)."""

from datetime import date

import pytest

from analytics.figures import Period, PeriodError, compute, parse_period
from appeals.models import Appeal

from .conftest import NOW

PERIOD = Period("custom", date(2026, 11, 9), date(2026, 11, 15))


def rows_by_first(table):
    return {row[0]: row for row in table.rows}


@pytest.mark.django_db
def test_totals_and_topic_shares(fortnight, topics):
    figures = compute(Appeal.objects.all(), PERIOD, now=NOW)
    assert (figures.received, figures.resolved, figures.rejected) == (5, 2, 0)
    # Open now: a3, b1, the unrouted one and the old one; overdue: b1, unrouted (24 h) and old.
    assert (figures.open_now, figures.overdue_now) == (4, 3)
    shares = rows_by_first(figures.table("topics"))
    assert shares[topics["housing_utilities_landscaping"].name][1:] == [2, 40.0]
    assert shares[topics["roads_transport"].name][1:] == [2, 40.0]
    assert shares["не задана"][1:] == [1, 20.0]


@pytest.mark.django_db
def test_per_ministry_on_time_medians_overdue_and_extensions(fortnight, ministry_a, ministry_b):
    ministries = rows_by_first(compute(Appeal.objects.all(), PERIOD, now=NOW).table("ministries"))
    # Received, resolved, on time %, median to first answer (h), median to resolution (h),
    # open now, overdue now, extensions, rejected.
    assert ministries[ministry_a.name][1:] == [3, 2, 50.0, 20.0, 20.0, 2, 1, 1, 0]
    assert ministries[ministry_b.name][1:] == [1, 0, None, None, None, 1, 1, 0, 0]
    assert ministries["пресс-служба (не распределены)"][1:] == [1, 0, None, None, None, 1, 1, 0, 0]


@pytest.mark.django_db
def test_municipalities_platforms_and_the_slowest(fortnight, ministry_a):
    figures = compute(Appeal.objects.all(), PERIOD, now=NOW)
    assert rows_by_first(figures.table("municipalities"))["Черногорск"][1:] == [2, 40.0]
    assert rows_by_first(figures.table("municipalities"))["не определено"][1] == 3
    assert sum(row[2] for row in figures.table("platforms").rows) == 5
    assert figures.table("slowest").rows == [[ministry_a.name, 20.0, 50.0, 1]]


@pytest.mark.django_db
def test_volume_over_time_is_counted_per_day_and_topic(fortnight, topics):
    timeline = compute(Appeal.objects.all(), PERIOD, now=NOW).table("timeline")
    housing = timeline.headers.index(topics["housing_utilities_landscaping"].name)
    by_day = rows_by_first(timeline)
    assert [by_day["10.11.2026"][housing], by_day["11.11.2026"][housing]] == [1, 1]
    assert by_day["11.11.2026"][-1] == 2  # a housing appeal and B's road
    assert timeline.chart["labels"] == ["10.11.2026", "11.11.2026", "12.11.2026"]


@pytest.mark.django_db
def test_a_period_without_appeals_is_an_empty_report(fortnight):
    figures = compute(Appeal.objects.all(), Period("custom", date(2020, 1, 1), date(2020, 1, 31)), now=NOW)
    assert figures.received == 0
    assert figures.table("topics").rows == [] and figures.table("timeline").rows == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("custom", "", ""), "Укажите"),
        (("custom", "01.11.2026", "2026-11-30"), "ГГГГ-ММ-ДД"),
        (("custom", "2026-11-30", "2026-11-01"), "позже"),
        (("custom", "2000-01-01", "2026-11-30"), "короче"),
        (("decade",), "Неизвестный период"),
    ],
)
def test_bad_periods_are_refused_with_a_message(args, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(*args, today=date(2026, 11, 29))


def test_rolling_periods_end_today_and_choose_their_step():
    today = date(2026, 11, 29)
    assert parse_period("today", today=today) == Period("today", today, today)
    week = parse_period("week", today=today)
    assert (week.first_day, week.bucket) == (date(2026, 11, 23), "day")
    assert parse_period("year", today=today).bucket == "week"
    assert parse_period("custom", "2017-01-01", "2026-11-29", today=today).bucket == "month"
