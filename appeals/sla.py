"""Deadlines and the deadline jobs.

A deadline policy belongs to a topic (``Topic.sla_hours``, ``sla_mode``, ``pause_when_awaiting``);
appeals without a topic follow the defaults in settings. Hours are counted on the calendar or in
working hours: GOVFEEDBACK_WORKDAY_START to GOVFEEDBACK_WORKDAY_END local time on working days of
the `holidays` calendar (Russian public holidays, with the officially moved working days).

The jobs (``flag_overdue``, ``remind_due_soon``, ``escalate_overdue``) are set-based, idempotent
functions of the database and the clock, on one path (``_run``): each selects a bounded batch that
it has not handled yet, marks it, and writes the history events and notifications in the same
transaction. On PostgreSQL ``flag_overdue`` does the same in one statement (appeals/sql/).
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import holidays
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from ministries.models import Official

from . import notifications
from .models import Appeal, AppealEvent, Notification, Topic

BATCH_SIZE = 5000
Mode = Topic.SlaMode
# No deadline is further than this many days of walking the calendar.
_MAX_DAYS = 3660


# --- policy and arithmetic -----------------------------------------------------------------------


def policy(topic: Topic | None) -> tuple[int, str, bool]:
    """(hours, mode, pause while awaiting the citizen) for appeals about ``topic``."""
    if topic is not None:
        return topic.sla_hours, topic.sla_mode, topic.pause_when_awaiting
    return (
        settings.GOVFEEDBACK_DEFAULT_SLA_HOURS,
        settings.GOVFEEDBACK_DEFAULT_SLA_MODE,
        settings.GOVFEEDBACK_DEFAULT_PAUSE_WHEN_AWAITING,
    )


@cache
def _calendar() -> holidays.HolidayBase:
    return holidays.country_holidays(settings.GOVFEEDBACK_HOLIDAYS_COUNTRY)


def is_working_day(day: date) -> bool:
    """Monday to Friday, minus public holidays, plus the weekend days officially made working."""
    return _calendar().is_working_day(day)


def _working_hours(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time(settings.GOVFEEDBACK_WORKDAY_START), tzinfo=tz)
    end = datetime.combine(day, time(settings.GOVFEEDBACK_WORKDAY_END), tzinfo=tz)
    return start, end


def _working_periods(since: datetime):
    """The working periods (start, end) from ``since`` on, the first one clipped to it."""
    day = timezone.localtime(since).date()
    for _ in range(_MAX_DAYS):
        if is_working_day(day):
            start, end = _working_hours(day)
            if end > since:
                yield max(start, since), end
        day += timedelta(days=1)
    raise ValueError(f"No working time within {_MAX_DAYS} days of {since}: check the calendar settings.")


def add_hours(start: datetime, hours: float, mode: str) -> datetime:
    """``start`` plus ``hours`` counted on the calendar or in working hours."""
    if mode == Mode.CALENDAR:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    for begin, end in _working_periods(start):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable")


def hours_between(start: datetime, end: datetime, mode: str) -> float:
    """How many calendar or working hours lie between ``start`` and ``end``."""
    if end <= start:
        return 0.0
    if mode == Mode.CALENDAR:
        return (end - start).total_seconds() / 3600
    total = timedelta()
    for begin, finish in _working_periods(start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total.total_seconds() / 3600


def deadline_for(start: datetime, topic: Topic | None) -> datetime:
    """The resolution deadline of an appeal about ``topic`` whose clock started at ``start``."""
    hours, mode, _pause = policy(topic)
    return add_hours(start, hours, mode)


def first_answer_deadline(start: datetime, topic: Topic | None) -> datetime:
    """When the first public answer is due (GOVFEEDBACK_FIRST_ANSWER_HOURS, in the topic's mode)."""
    _hours, mode, _pause = policy(topic)
    return add_hours(start, settings.GOVFEEDBACK_FIRST_ANSWER_HOURS, mode)


# --- the jobs ------------------------------------------------------------------------------------

# What every job reads of an appeal it handles: its notifications' recipients and its event's details.
_FIELDS = ["id", "due_at", "overdue_since", "assignee_id", "ministry_id"]
# The columns of the recipients' table handed to appeals/sql/flag_overdue.sql, one array each.
_RECIPIENT_FIELDS = ["official_id", "user_id", "channel", "name", "address"]


def _in_batches(queryset: QuerySet, fields: list[str], handle: Callable[[list[dict]], None], batch_size: int) -> int:
    """Lock a batch of the rows ``queryset`` still selects, let ``handle`` mark them, repeat.

    ``handle`` must update the rows so that ``queryset`` no longer selects them. Rows another run
    holds are skipped, so overlapping runs never handle a row twice.
    """
    handled = 0
    while True:
        with transaction.atomic():
            rows = list(
                queryset.select_for_update(skip_locked=True, of=("self",)).order_by().values(*fields)[:batch_size]
            )
            if rows:
                handle(rows)
        handled += len(rows)
        if len(rows) < batch_size:
            return handled


def _run(
    queryset: QuerySet,
    now: datetime,
    batch_size: int,
    *,
    mark: dict,
    kind: str,
    to_assignee: bool,
    to_head: bool | str,
    event: str = "",
    detail: str = "",
) -> int:
    """The one path of the deadline jobs: in locked batches of what ``queryset`` still selects,
    ``mark`` the appeals (an update that takes them out of ``queryset``), write one history
    ``event`` each (if any; its details: the row's ``detail`` field, ISO 8601) and queue ``kind``
    to the appeals' ``notifications.recipients``. Returns how many appeals were handled."""

    def handle(rows: list[dict]) -> None:
        Appeal.objects.filter(id__in=[row["id"] for row in rows]).update(**mark)
        if event:
            AppealEvent.objects.bulk_create(
                AppealEvent(appeal_id=row["id"], at=now, kind=event, data={detail: row[detail].isoformat()})
                for row in rows
            )
        notifications.queue_for_appeals(rows, kind, to_assignee=to_assignee, to_head=to_head, now=now)

    return _in_batches(queryset, _FIELDS, handle, batch_size)


def flag_overdue(now: datetime | None = None, batch_size: int | None = None) -> int:
    """Mark every running appeal past its deadline; write its event and its overdue reminders.

    ``overdue_since`` is the deadline itself: the moment the appeal became overdue. The reminder
    goes to the assignee and the ministry head (an appeal nobody owns: to the press service), as
    ``notifications.recipients`` says. Returns how many appeals were flagged.

    In locked batches of ``batch_size``, as the other jobs: rows another run holds are skipped.
    On PostgreSQL without a ``batch_size``, one statement does it all whatever the number of
    appeals (``appeals/sql/flag_overdue.sql``; ``tests/appeals/test_flag_overdue_parity.py`` holds
    it to the batches' rows): a run that overlaps another waits for the rows the other holds,
    finds them flagged and leaves them. Either way nothing is flagged or told twice.
    """
    now = now or timezone.now()
    if batch_size is None and connection.vendor == "postgresql":
        return _flag_overdue_statement(now)
    return _flag_overdue_in_batches(now, batch_size or BATCH_SIZE)


def _flag_overdue_in_batches(now: datetime, batch_size: int) -> int:
    return _run(
        Appeal.objects.overdue(now).filter(overdue_since__isnull=True),
        now,
        batch_size,
        mark={"overdue_since": F("due_at")},
        event=AppealEvent.Kind.OVERDUE,
        detail="due_at",
        kind=Notification.Kind.OVERDUE,
        to_assignee=True,
        to_head=True,
    )


@cache
def _statement(name: str) -> str:
    return (Path(__file__).parent / "sql" / f"{name}.sql").read_text()


def _flag_overdue_statement(now: datetime) -> int:
    """``_flag_overdue_in_batches`` as one statement; the recipients' addresses and channels are
    ``notifications.official_recipients`` of every official and ``notifications.operator_recipients``."""
    told = [
        recipient
        for official in Official.objects.only("full_name", "email", "telegram_chat_id")
        for recipient in notifications.official_recipients(official)
    ]
    told += notifications.operator_recipients()
    params = {
        "now": now,
        "open_statuses": list(Appeal.OPEN_STATUSES),
        "event": AppealEvent.Kind.OVERDUE,
        "kind": Notification.Kind.OVERDUE,
        **{field: [getattr(recipient, field) for recipient in told] for field in _RECIPIENT_FIELDS},
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement("flag_overdue"), params)
        return cursor.fetchone()[0]


def remind_due_soon(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Remind the assignee (or, while nobody is assigned, the ministry head) of every running
    appeal due within GOVFEEDBACK_DUE_SOON_HOURS, once per deadline."""
    now = now or timezone.now()
    return _run(
        Appeal.objects.due_soon(now).filter(overdue_since__isnull=True, reminded_due_soon_at__isnull=True),
        now,
        batch_size,
        mark={"reminded_due_soon_at": now},
        kind=Notification.Kind.DUE_SOON,
        to_assignee=True,
        to_head="unassigned",
    )


def escalate_overdue(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Escalate to the press service every appeal overdue for GOVFEEDBACK_ESCALATE_AFTER_HOURS."""
    now = now or timezone.now()
    limit = now - timedelta(hours=settings.GOVFEEDBACK_ESCALATE_AFTER_HOURS)
    return _run(
        Appeal.objects.running().filter(escalated_at__isnull=True, overdue_since__lte=limit),
        now,
        batch_size,
        mark={"escalated_at": now},
        event=AppealEvent.Kind.ESCALATED,
        detail="overdue_since",
        kind=Notification.Kind.ESCALATION,
        # Nobody of the ministry: the press service.
        to_assignee=False,
        to_head=False,
    )
