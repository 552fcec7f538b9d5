"""The dashboard's figures: aggregate queries over the appeals and their history.

Nothing here loads appeals into Python: every figure is a COUNT, a grouped COUNT or a median
computed by the database (PostgreSQL's ``percentile_cont``; on SQLite, a ``MEDIAN`` aggregate that
``add_sqlite_median`` registers on each connection). The figures come back as ``Table`` objects,
which the dashboard shows, charts and exports alike, so that the three never disagree.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals.models import Appeal, AppealEvent, Municipality, Topic, deadline_q
from ministries.models import Ministry, SocialAccount

# --- the median ----------------------------------------------------------------------------------


class Median(Aggregate):
    """The median of a duration (or a number), computed by the database."""

    function = "MEDIAN"
    name = "Median"
    output_field = DurationField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="PERCENTILE_CONT",
            template="%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )


class _SqliteMedian:
    """SQLite's MEDIAN(x): the values of one group are kept only while SQLite aggregates them."""

    def __init__(self) -> None:
        self.values: list = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return round(statistics.median(self.values)) if self.values else None


def add_sqlite_median(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


# --- the period ----------------------------------------------------------------------------------

PERIODS = {
    "today": gettext_lazy("today"),
    "week": gettext_lazy("7 days"),
    "month": gettext_lazy("30 days"),
    "year": gettext_lazy("365 days"),
    "custom": gettext_lazy("dates"),
}
_ROLLING_DAYS = {"today": 1, "week": 7, "month": 30, "year": 365}


class PeriodError(ValueError):
    """A period the dashboard cannot show; the message tells the person what to change."""


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date
    last_day: date  # inclusive

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def bucket(self) -> str:
        """The step of the volume chart: hours for a day or two, then days, weeks, months."""
        if self.days <= 2:
            return "hour"
        if self.days <= 92:
            return "day"
        if self.days <= 731:
            return "week"
        return "month"

    def __str__(self) -> str:
        first, last = date_format(self.first_day, "SHORT_DATE_FORMAT"), date_format(self.last_day, "SHORT_DATE_FORMAT")
        return first if first == last else f"{first} – {last}"


def parse_period(key: str | None, first: str | None = None, last: str | None = None, today: date | None = None):
    """The period a person asked for: a rolling one ending today, or their own dates (inclusive).

    Raises PeriodError with a message for the person when the dates are missing, malformed,
    reversed or span more than GOVFEEDBACK_DASHBOARD_MAX_DAYS.
    """
    today = today or timezone.localdate()
    key = key or "month"
    if key in _ROLLING_DAYS:
        _within_bounds(today, today)
        return Period(key, today - timedelta(days=_ROLLING_DAYS[key] - 1), today)
    if key != "custom":
        raise PeriodError(
            _("Unknown period “%(key)s”: choose today, 7 days, 30 days, 365 days or dates.") % {"key": key}
        )
    if not first or not last:
        raise PeriodError(_("Enter both the first and the last day of the period."))
    try:
        first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise PeriodError(_("Enter the dates as YYYY-MM-DD, for example 2026-11-01.")) from None
    return dates_period(first_day, last_day)


# The days a period can name (beyond them a day's end overflows, and no appeal exists).
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def dates_period(first_day: date, last_day: date) -> Period:
    """A period of a person's own dates (inclusive), by the rules every view of figures follows
    (the dashboard, its exports, the API's statistics); PeriodError says what to change."""
    _within_bounds(first_day, last_day)
    if first_day > last_day:
        raise PeriodError(_("The first day of the period is after the last one: swap the dates."))
    period = Period("custom", first_day, last_day)
    if period.days > settings.GOVFEEDBACK_DASHBOARD_MAX_DAYS:
        raise PeriodError(
            _("The period is longer than %(days)s days: choose a shorter one.")
            % {"days": settings.GOVFEEDBACK_DASHBOARD_MAX_DAYS}
        )
    return period


def _within_bounds(first_day: date, last_day: date) -> None:
    if first_day < EARLIEST_DAY or last_day > LATEST_DAY or last_day < EARLIEST_DAY:
        raise PeriodError(
            _("The period must lie between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
        )


def received_in(appeals: QuerySet, period: Period) -> QuerySet:
    """The appeals received within ``period``."""
    return appeals.filter(received_at__gte=period.start, received_at__lt=period.end)


# --- tables ----------------------------------------------------------------------------------------


@dataclass
class Table:
    """A titled table of figures: what the dashboard shows, and what an export writes."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    # Data for the chart beside the table (None: no chart).
    chart: dict | None = None
    # A line under the table and its chart (what an asterisk means).
    note: str = ""


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Figures:
    period: Period
    received: int
    resolved: int
    rejected: int
    open_now: int
    overdue_now: int
    tables: list[Table]
    classifier: dict

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def to_payload(self) -> dict:
        """The figures as JSON (for a snapshot)."""
        payload = asdict(self)
        payload["period"] = [self.period.key, self.period.first_day.isoformat(), self.period.last_day.isoformat()]
        return payload

    @classmethod
    def from_payload(cls, payload: dict) -> Figures:
        key, first, last = payload["period"]
        return cls(
            **{
                **payload,
                "period": Period(key, date.fromisoformat(first), date.fromisoformat(last)),
                "tables": [Table(**table) for table in payload["tables"]],
            }
        )


def compute(appeals: QuerySet, period: Period, now: datetime | None = None) -> Figures:
    """Every figure of the dashboard for ``appeals`` (already scoped and filtered) in ``period``.

    A fixed number of aggregate queries, whatever the number of appeals.
    """
    now = now or timezone.now()
    appeals = appeals.order_by()
    received = received_in(appeals, period)
    resolved = appeals.filter(status=Appeal.Status.RESOLVED, resolved_at__gte=period.start, resolved_at__lt=period.end)
    in_period = Q(events__at__gte=period.start, events__at__lt=period.end)

    topic_names = dict(Topic.objects.values_list("pk", "name"))
    colours = topic_colours(topic_names)
    topics = _topics(received, topic_names, colours)
    ministries, slowest, totals = _ministries(appeals, received, resolved, in_period, now)
    tables = [
        topics,
        _timeline(received, period, topic_names, colours, now),
        _platforms(received),
        _municipalities(received),
        ministries,
        slowest,
    ]
    return Figures(
        period=period,
        received=sum(row[1] for row in topics.rows),
        tables=tables,
        classifier=AppealEvent.objects.filter(
            appeal__in=appeals, at__gte=period.start, at__lt=period.end
        ).classifier_accuracy(),
        **totals,
    )


# --- colours: one per topic on every chart, one per platform ------------------------------------------

PALETTE = ["#417690", "#e6a23c", "#67c23a", "#c0392b", "#8e44ad", "#16a085", "#d35400", "#2c3e50", "#b7950b"]
NOT_SET_COLOUR = "#9e9e9e"
PLATFORM_COLOURS = {
    SocialAccount.Platform.VK: "#0077ff",
    SocialAccount.Platform.OK: "#ee8208",
    SocialAccount.Platform.TELEGRAM: "#229ed9",
    SocialAccount.Platform.INSTAGRAM: "#c13584",
    SocialAccount.Platform.FACEBOOK: "#1877f2",
    SocialAccount.Platform.TWITTER: "#111111",
}


def topic_colours(names: dict[int, str]) -> dict[str, str]:
    """Each topic's colour by its name (``names``: every topic by pk): the same topic has the same
    colour on every chart, whatever the selection; appeals without a topic are grey."""
    colours = {name: PALETTE[index % len(PALETTE)] for index, (_pk, name) in enumerate(sorted(names.items()))}
    colours[str(_("not set"))] = NOT_SET_COLOUR
    return colours


def _topics(received: QuerySet, names: dict, colours: dict[str, str]) -> Table:
    counted = received.values_list("topic_id").annotate(n=Count("pk")).order_by()
    rows = sorted(((names.get(topic_id), n) for topic_id, n in counted), key=lambda row: (-row[1], row[0] or ""))
    total = sum(n for _name, n in rows)
    table = Table(
        "topics",
        _("Topics"),
        [_("Topic"), _("Appeals"), _("Share, %")],
        [[name or _("not set"), n, _share(n, total)] for name, n in rows],
    )
    table.chart = {
        "type": "bar",
        "labels": [row[0] for row in table.rows],
        "values": [row[1] for row in table.rows],
        "colors": [colours.get(row[0], NOT_SET_COLOUR) for row in table.rows],
        "label": _("Appeals"),
    }
    return table


def _bucket_end(step: datetime, bucket: str) -> datetime:
    """The end of the chart's step that begins at ``step`` (local time)."""
    if bucket == "month":
        return (step.replace(day=28) + timedelta(days=4)).replace(day=1)
    return step + {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}[bucket]


PARTIAL_NOTES = {
    "hour": gettext_lazy("* a partial hour: the figures so far"),
    "day": gettext_lazy("* a partial day: the figures so far"),
    "week": gettext_lazy("* a partial week: only its days within the period, or the figures so far"),
    "month": gettext_lazy("* a partial month: only its days within the period, or the figures so far"),
}


def _timeline(received: QuerySet, period: Period, names: dict, colours: dict[str, str], now: datetime) -> Table:
    bucket = Trunc("received_at", period.bucket, output_field=received.model._meta.get_field("received_at"))
    rows = [
        (step, names.get(topic_id), n)
        for step, topic_id, n in received.annotate(bucket=bucket)
        .values_list("bucket", "topic_id")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    steps = sorted({step for step, _name, _n in rows})
    topics = sorted({name or _("not set") for _step, name, _n in rows})
    counts = {(step, name or _("not set")): n for step, name, n in rows}
    fmt = "d.m H:i" if period.bucket == "hour" else ("m.Y" if period.bucket == "month" else "d.m.Y")
    # A step the period cuts (a week begun before its first day) or that has not ended yet
    # (today) is partial: marked with an asterisk on the chart and in the table.
    partial = [
        step < period.start or _bucket_end(timezone.localtime(step), period.bucket) > min(now, period.end)
        for step in steps
    ]
    labels = [
        date_format(timezone.localtime(step), fmt) + ("*" if cut else "")
        for step, cut in zip(steps, partial, strict=True)
    ]
    table = Table(
        "timeline",
        _("Volume over time"),
        [_("From"), *topics, _("Total")],
        [
            [label, *(counts.get((step, name), 0) for name in topics), sum(counts.get((step, n), 0) for n in topics)]
            for label, step in zip(labels, steps, strict=True)
        ],
    )
    table.chart = {
        "type": "stacked",
        "labels": labels,
        "series": [
            {
                "label": name,
                "values": [counts.get((step, name), 0) for step in steps],
                "color": colours.get(name, NOT_SET_COLOUR),
            }
            for name in topics
        ],
        "partial": partial,
    }
    table.note = str(PARTIAL_NOTES[period.bucket]) if any(partial) else ""
    return table


def _platforms(received: QuerySet) -> Table:
    platforms = dict(SocialAccount.Platform.choices)
    counted = dict(received.values_list("account_id").annotate(n=Count("pk")).order_by())
    accounts = {
        pk: rest
        for pk, *rest in SocialAccount.objects.filter(pk__in=[pk for pk in counted if pk]).values_list(
            "pk", "platform", "title", "handle", "external_id"
        )
    }
    rows = sorted(
        ((*accounts.get(pk, (None, None, None, None)), n) for pk, n in counted.items()), key=lambda row: -row[-1]
    )
    total = sum(row[-1] for row in rows)
    by_hand = _("entered by hand")
    table = Table(
        "platforms",
        _("Platforms and accounts"),
        [_("Platform"), _("Account"), _("Appeals"), _("Share, %")],
        [
            [
                str(platforms.get(platform, by_hand)) if platform else by_hand,
                title or handle or external_id or "—",
                n,
                _share(n, total),
            ]
            for platform, title, handle, external_id, n in rows
        ],
    )
    # The chart: one bar per platform (its accounts added up), in the platform's colour.
    per_platform: dict[str | None, int] = {}
    for platform, *_account, n in rows:
        per_platform[platform] = per_platform.get(platform, 0) + n
    ordered = sorted(per_platform.items(), key=lambda item: -item[1])
    table.chart = {
        "type": "bar",
        "labels": [str(platforms.get(platform, by_hand)) if platform else by_hand for platform, _n in ordered],
        "values": [n for _platform, n in ordered],
        "colors": [PLATFORM_COLOURS.get(platform, NOT_SET_COLOUR) for platform, _n in ordered],
        "label": _("Appeals"),
    }
    return table


def _municipalities(received: QuerySet) -> Table:
    counted = dict(received.values_list("municipality_id").annotate(n=Count("pk")).order_by())
    names = dict(Municipality.objects.filter(pk__in=[pk for pk in counted if pk]).values_list("pk", "name"))
    rows = sorted(((names.get(pk), n) for pk, n in counted.items()), key=lambda row: (-row[1], row[0] or ""))
    total = sum(n for _name, n in rows)
    table = Table(
        "municipalities",
        _("Municipalities"),
        [_("Municipality"), _("Appeals"), _("Share, %")],
        [[name or _("not recognised"), n, _share(n, total)] for name, n in rows],
    )
    table.chart = {
        "type": "bar",
        "labels": [row[0] for row in table.rows],
        "values": [row[1] for row in table.rows],
        "label": _("Appeals"),
    }
    return table


def _ministries(appeals: QuerySet, received: QuerySet, resolved: QuerySet, in_period: Q, now: datetime):
    """Per ministry: received, resolved, on time, medians, overdue now, extensions; and the
    ranking of the slowest. Four grouped queries and the ministries' names."""
    stats: dict[int | None, dict] = {}

    def row(ministry_id):
        return stats.setdefault(ministry_id, {})

    for ministry_id, n, first_answer in received.values_list("ministry_id").annotate(
        n=Count("pk"), first_answer=Median(_duration("first_answered_at", "received_at"))
    ):
        row(ministry_id).update(received=n, first_answer=first_answer)
    for ministry_id, n, on_time, resolution in resolved.values_list("ministry_id").annotate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_at__lte=F("due_at"))),
        resolution=Median(_duration("resolved_at", "received_at")),
    ):
        row(ministry_id).update(resolved=n, on_time=on_time, resolution=resolution)
    for ministry_id, n, overdue in (
        appeals.open()
        .values_list("ministry_id")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=deadline_q("overdue", now)))
    ):
        row(ministry_id).update(open=n, overdue=overdue)
    kinds = [AppealEvent.Kind.EXTENDED, AppealEvent.Kind.REJECTED]
    for ministry_id, kind, n in (
        appeals.filter(in_period, events__kind__in=kinds)
        .values_list("ministry_id", "events__kind")
        .annotate(n=Count("events__id"))
    ):
        row(ministry_id)[kind] = n

    unrouted = _("press service (not routed)")
    names = {
        pk: (name, short or name)
        for pk, name, short in Ministry.objects.filter(pk__in=[pk for pk in stats if pk]).values_list(
            "pk", "name", "short_name"
        )
    }
    for pk, figures in stats.items():
        figures["name"], figures["short"] = names.get(pk, (unrouted, unrouted))
    headers = [
        _("Ministry"),
        _("Received"),
        _("Resolved"),
        _("Resolved on time, %"),
        _("Median to the first answer, h"),
        _("Median to resolution, h"),
        _("Open now"),
        _("Overdue now"),
        _("Extensions"),
        _("Rejected"),
    ]
    ordered = sorted(stats.values(), key=lambda s: (s["name"] == unrouted, str(s["name"])))
    rows = [
        [
            s["name"],
            s.get("received", 0),
            s.get("resolved", 0),
            _percent(s.get("on_time", 0), s.get("resolved", 0)),
            _hours(s.get("first_answer")),
            _hours(s.get("resolution")),
            s.get("open", 0),
            s.get("overdue", 0),
            s.get(AppealEvent.Kind.EXTENDED, 0),
            s.get(AppealEvent.Kind.REJECTED, 0),
        ]
        for s in ordered
    ]
    table = Table("ministries", _("Ministries"), headers, rows)
    table.chart = {
        "type": "bar",
        "labels": [s["short"] for s in ordered],
        "values": [r[3] if r[3] is not None else 0 for r in rows],
        "label": _("Resolved on time, %"),
        "unit": "%",
    }
    slow = sorted((r for r in rows if r[5] is not None), key=lambda r: -r[5])[:10]
    slowest = Table(
        "slowest",
        _("Slowest to resolve"),
        [_("Ministry"), _("Median to resolution, h"), _("Resolved on time, %"), _("Overdue now")],
        [[r[0], r[5], r[3], r[7]] for r in slow],
    )
    totals = {
        "resolved": sum(r[2] for r in rows),
        "rejected": sum(r[9] for r in rows),
        "open_now": sum(r[6] for r in rows),
        "overdue_now": sum(r[7] for r in rows),
    }
    return table, slowest, totals
