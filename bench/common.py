"""Pure helpers of the benchmark: its input checks, statistics and the results table.

Nothing here touches a database or Django, so that ``tests/bench/`` can test it in the normal suite.
"""

import math
import statistics
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

DEFAULT_APPEALS = 100_000
DEFAULT_DATABASE = "govfeedback_bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# The benchmark's own queue on that Redis, emptied at the start of a run.
BENCH_QUEUE = "govfeedback-bench"


class Refused(Exception):
    """Bad input: the benchmark explains it in one line and exits non-zero."""


def appeals_from(value: str | None) -> int:
    """BENCH_APPEALS as a positive number of appeals (default 100,000); "1_000_000" and "1,000,000" read too."""
    if value is None or not value.strip():
        return DEFAULT_APPEALS
    text = value.strip().replace("_", "").replace(",", "")
    try:
        size = int(text)
    except ValueError:
        raise Refused(f"BENCH_APPEALS must be a whole number of appeals, not {value!r}.") from None
    if size < 1:
        raise Refused(f"BENCH_APPEALS must be at least 1 (got {size}): there is nothing to measure on an empty table.")
    return size


def bench_database_url(database_url: str | None, name: str = DEFAULT_DATABASE) -> tuple[str, str]:
    """(the server's maintenance URL, the benchmark database's URL) from DATABASE_URL.

    The benchmark needs PostgreSQL and works in a database of its own (``name``), which it drops
    and creates again at the start: never the database DATABASE_URL names.
    """
    if not database_url:
        raise Refused(
            "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/DB "
            "(it works in its own database, " + name + ")."
        )
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise Refused(
            f"The benchmark measures PostgreSQL, not {parts.scheme or 'this database'}: "
            "set DATABASE_URL=postgres://USER@HOST:PORT/DB."
        )
    if not name.startswith(DEFAULT_DATABASE) or not name.replace("_", "").isalnum():
        raise Refused(f"The benchmark's database name must start with {DEFAULT_DATABASE} (got {name!r}).")
    server = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    bench = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    return server, bench


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0..1) percentile by the nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or floor is None or floor <= 0 or math.isnan(value) or math.isnan(floor):
        return None
    return value / floor


def per_item(seconds: float, count: int) -> str:
    """The time per item of work done in ``seconds``: "7.0 ms", "67 µs"; "—" for no items."""
    if not count or seconds is None or math.isnan(seconds):
        return "—"
    each = seconds / count
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if each >= scale:
            return f"{number(each / scale)} {unit}"
    return f"{each / 1e-9:,.0f} ns"


def differences(ours: dict, floor: dict) -> list[str]:
    """The names whose figures differ between two records of what a run wrote (e.g. each table's
    row count and digest): an empty list when the floor did the same work as ours."""
    return sorted(name for name in ours.keys() | floor.keys() if ours.get(name) != floor.get(name))


def number(value, digits: int = 1) -> str:
    """A figure for the table: thousands separated, ``—`` for nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def markdown_table(rows: Sequence[dict]) -> str:
    """The results as a Markdown table: one row per measurement.

    Each row has ``what``, and optionally ``value``, ``unit``, ``queries``, ``peak_mb``, ``floor``,
    ``ratio``, ``target``, ``met`` (True, False or None when there is no target) and ``note`` (shown
    as the result when there is no value).
    """
    head = "| measurement | result | queries | peak RSS, MB | floor | ratio | target | met | notes |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---|:---:|---|"]
    for row in rows:
        value = number(row.get("value"))
        unit = row.get("unit", "")
        note = row.get("note", "")
        result = f"{value} {unit}".strip() if value != "—" else note or "—"
        note = note if value != "—" else ""
        floor = row.get("floor")
        floor_text = f"{number(floor)} {unit}".strip() if floor is not None else "—"
        ratio_value = row.get("ratio")
        ratio_text = f"{ratio_value:.2f}×" if ratio_value is not None else "—"
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        lines.append(
            f"| {row['what']} | {result} | {number(row.get('queries'))} | {number(row.get('peak_mb'), 0)} "
            f"| {floor_text} | {ratio_text} | {row.get('target', '')} | {met} | {note} |"
        )
    return "\n".join(lines) + "\n"


def bench_broker_url(broker_url: str | None) -> str:
    """The Redis that carries the intake's hand-offs to the benchmark's Celery workers."""
    url = broker_url or DEFAULT_BROKER
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise Refused(
            f"The benchmark's intake hands webhooks to Celery workers through Redis, not {url.split(':')[0]}: "
            "set CELERY_BROKER_URL=redis://HOST:6379/0 (or leave it unset for " + DEFAULT_BROKER + ")."
        )
    return url
