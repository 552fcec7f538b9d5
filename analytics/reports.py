"""The weekly report for the Head of the Republic: an XLSX workbook generated on schedule.

Each report covers one calendar week (Monday to Sunday, local time) and is generated once, on
GOVFEEDBACK_WEEKLY_REPORT_WEEKDAY from GOVFEEDBACK_WEEKLY_REPORT_HOUR after the week; the job runs
every hour, so a beat that was down at that time catches up, and a doubled one makes no second
report (a unique week).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal

from . import exports
from .figures import Period, Table, compute
from .models import WeeklyReport

WORST_OVERDUE = 20


def sheet_chart(table: Table) -> exports.SheetChart | None:
    """The chart of a sheet of figures: the dashboard's, of the sheet's own cells, in its colours."""
    chart = table.chart or {}
    if table.key == "timeline":  # a column per topic, then the total
        colours = [series["color"] for series in chart.get("series", [])]
        return exports.SheetChart("stacked", list(range(2, len(table.headers))), table.title, colours=colours)
    if table.key == "ministries":
        return exports.SheetChart("bar", [2, 3], table.title)  # received and resolved
    if table.key in ("topics", "municipalities", "slowest"):
        return exports.SheetChart("bar", [2], table.title, colours=chart.get("colors"))
    return None


def completed_weeks(now: datetime | None = None, count: int = 52) -> list[date]:
    """The Mondays of the last ``count`` weeks that have ended, the latest first."""
    today = timezone.localtime(now or timezone.now()).date()
    last = today - timedelta(days=today.weekday() + 7)
    return [last - timedelta(weeks=n) for n in range(count)]


def due_week(now: datetime | None = None) -> date:
    """The Monday of the latest week whose report is due by ``now``."""
    local = timezone.localtime(now or timezone.now())
    this_monday = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(
        this_monday + timedelta(days=settings.GOVFEEDBACK_WEEKLY_REPORT_WEEKDAY),
        time(settings.GOVFEEDBACK_WEEKLY_REPORT_HOUR),
        tzinfo=local.tzinfo,
    )
    return this_monday - timedelta(days=7 if local >= due else 14)


def generate_due(now: datetime | None = None) -> WeeklyReport | None:
    """Generate the report that is due, unless it exists; returns the new report or None."""
    week_start = due_week(now)
    if WeeklyReport.objects.filter(week_start=week_start).exists():
        return None
    return build(week_start, now=now)


def build(week_start: date, now: datetime | None = None, replace: bool = False) -> WeeklyReport | None:
    """Compute and store the report of the week starting on ``week_start`` (a Monday)."""
    now = now or timezone.now()
    week_start -= timedelta(days=week_start.weekday())
    period = Period("custom", week_start, week_start + timedelta(days=6))
    figures = compute(Appeal.objects.all(), period, now)
    ministries = figures.table("ministries")
    resolved = sum(row[2] for row in ministries.rows)
    on_time = sum(round((row[3] or 0) * row[2] / 100) for row in ministries.rows)
    # The counts first (the summary's chart), then the period and the share.
    summary = [
        [_("Appeals received"), figures.received],
        [_("Resolved"), figures.resolved],
        [_("Rejected"), figures.rejected],
        [_("Open at the time of the report"), figures.open_now],
        [_("Overdue at the time of the report"), figures.overdue_now],
        [_("Resolved on time, %"), round(100 * on_time / resolved, 1) if resolved else None],
        [_("Period"), str(period)],
    ]
    worst = (
        Appeal.objects.overdue(now)
        .order_by("due_at", "id")
        .values_list("pk", "ministry__name", "topic__name", "received_at", "due_at", "assignee__full_name", "text")[
            :WORST_OVERDUE
        ]
    )
    worst_rows = [
        [
            pk,
            ministry or _("press service (not routed)"),
            topic or "",
            received,
            due,
            round((now - due).total_seconds() / 3600),
            assignee or "",
            text[:300],
        ]
        for pk, ministry, topic, received, due, assignee, text in worst
    ]
    content = exports.workbook_bytes(
        [
            (_("Summary"), [_("Figure"), _("Value")], summary, exports.SheetChart("bar", [2], str(period), rows=5)),
            *(
                (table.title, table.headers, table.rows, sheet_chart(table))
                for table in figures.tables
                if table.key != "platforms"
            ),
            (
                _("Worst overdue"),
                [
                    _("Number"),
                    _("Ministry"),
                    _("Topic"),
                    _("Received"),
                    _("Deadline"),
                    _("Overdue, h"),
                    _("Assignee"),
                    _("Text"),
                ],
                worst_rows,
                exports.SheetChart("bar", [6], _("Overdue, h")),
            ),
        ]
    )
    fields = {"week_end": period.last_day, "created_at": now, "received": figures.received, "content": content}
    if replace:
        report, _created = WeeklyReport.objects.update_or_create(week_start=week_start, defaults=fields)
        return report
    try:
        with transaction.atomic():
            return WeeklyReport.objects.create(week_start=week_start, **fields)
    except IntegrityError:
        return None  # another scheduler made it a moment ago
