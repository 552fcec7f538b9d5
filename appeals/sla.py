"""Deadlines and the deadline jobs.

A deadline policy belongs to a topic (``Topic.sla_hours``, ``sla_mode``, ``pause_when_awaiting``);
appeals without a topic follow the defaults in settings. Hours are counted on the calendar or in
working hours: GOVFEEDBACK_WORKDAY_START to GOVFEEDBACK_WORKDAY_END local time on working days of
the `holidays` calendar (Russian public holidays, with the officially moved working days).

The jobs (``flag_overdue``, ``remind_due_soon``, ``escalate_overdue``) are set-based, idempotent
functions of the database and the clock: each selects a bounded batch that it has not handled
yet, marks it, and writes the history events and notifications in the same transaction.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from . import notifications
from .models import Appeal, AppealEvent, Topic

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


def flag_overdue(now: datetime | None = None, batch_size: int | None = None) -> int:
    """Mark every running appeal past its deadline; write its event and its overdue reminders.

    ``overdue_since`` is the deadline itself: the moment the appeal became overdue. The reminder
    goes to the assignee and the ministry head (an appeal nobody owns: to the press-service
    operators). Returns how many appeals were flagged.

    On PostgreSQL one statement does it all, whatever the number of appeals: the filtered UPDATE …
    RETURNING, whose rows the same statement turns into the history events and the notifications.
    A run that overlaps another waits for the rows the other holds, finds them flagged and leaves
    them, so nothing is flagged or told twice. ``batch_size`` bounds one statement (and its locks)
    and repeats it; rows another run holds are then skipped.
    """
    now = now or timezone.now()
    running = Appeal.objects.overdue(now).filter(overdue_since__isnull=True)
    if connection.vendor != "postgresql":
        return _flag_overdue_in_batches(running, now, batch_size or BATCH_SIZE)
    flagged = 0
    while True:
        with transaction.atomic():
            done = _flag_overdue_statement(running, now, batch_size)
        flagged += done
        if batch_size is None or done < batch_size:
            return flagged


def _flag_overdue_in_batches(running: QuerySet, now: datetime, batch_size: int) -> int:
    """The same, for databases without data-modifying WITH (SQLite, the embedded default): in batches."""

    def handle(rows):
        ids = [row["id"] for row in rows]
        Appeal.objects.filter(id__in=ids).update(overdue_since=F("due_at"))
        AppealEvent.objects.bulk_create(
            AppealEvent(
                appeal_id=row["id"], at=now, kind=AppealEvent.Kind.OVERDUE, data={"due_at": row["due_at"].isoformat()}
            )
            for row in rows
        )
        notifications.queue_for_appeals(rows, notifications.Kind.OVERDUE, to_assignee=True, to_head=True, now=now)

    return _in_batches(running, ["id", "due_at", "assignee_id", "ministry_id"], handle, batch_size)


def _insert_select(model, values: dict[str, str], source: str) -> tuple[str, list]:
    """``INSERT INTO model (…) SELECT …`` from ``source``: SQL expressions for ``values``, each other
    column its field's default (so that a new field with a default needs no change here)."""
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in values:
            expressions.append(values[field.attname])
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"
    return sql, params


def _flag_overdue_statement(running: QuerySet, now: datetime, limit: int | None) -> int:
    """Flag (up to ``limit`` of) ``running`` with one data-modifying statement; return how many.

    The recipients are those of ``notifications.queue_for_appeals(…, to_assignee=True,
    to_head=True)``: the assignee and the ministry head, each by e-mail and, with a chat and a bot,
    by Telegram (``notifications._official_notifications``); nobody: the operators.
    """
    from ministries.models import Ministry, Official

    from .models import Notification

    table = Appeal._meta.db_table
    if limit is None:
        # The filter itself, as the hand-written UPDATE would say it. A run that overlaps another
        # waits for the rows the other holds, checks the filter again and leaves them.
        where_sql, where_params = running.query.get_compiler(connection=connection).compile(running.query.where)
    else:
        # A bounded batch: lock what no other run holds, skip the rest.
        select_sql, select_params = running.order_by().values("id")[:limit].query.sql_with_params()
        where_sql = f"id = ANY(ARRAY({select_sql} FOR UPDATE SKIP LOCKED))"
        where_params = select_params
    # Who the operators are is decided in Python (a few rows), as for every other notification.
    operators = notifications._operator_notifications(Notification.Kind.OVERDUE, [0], now)
    telegram = bool(settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN)
    iso_due = (
        "to_char(f.due_at AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', f.due_at) = f.due_at "
        """THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)"""
    )
    events_sql, events_params = _insert_select(
        AppealEvent,
        {
            "appeal_id": "f.id",
            "at": "%(now)s",
            "kind": "'overdue'",
            "data": f"jsonb_build_object('due_at', {iso_due})",
        },
        "flagged f",
    )
    common = {"appeal_id": "t.appeal_id", "kind": "'overdue'", "created_at": "%(now)s", "next_attempt_at": "%(now)s"}
    email_sql, email_params = _insert_select(
        Notification,
        {
            **common,
            "channel": "'email'",
            "recipient_official_id": "o.id",
            "recipient_name": "o.full_name",
            "address": "o.email",
        },
        f"told t JOIN {Official._meta.db_table} o ON o.id = t.official_id ORDER BY t.appeal_id",
    )
    telegram_sql, telegram_params = _insert_select(
        Notification,
        {
            **common,
            "channel": "'telegram'",
            "recipient_official_id": "o.id",
            "recipient_name": "o.full_name",
            "address": "o.telegram_chat_id",
        },
        f"told t JOIN {Official._meta.db_table} o ON o.id = t.official_id "
        "WHERE %(telegram)s AND o.telegram_chat_id <> ''",
    )
    operators_sql, operators_params = _insert_select(
        Notification,
        {
            **common,
            "appeal_id": "f.id",
            "channel": "'email'",
            "recipient_user_id": "r.user_id",
            "recipient_name": "r.name",
            "address": "r.address",
        },
        # Nobody is told (see ``told``): no assignee, and no ministry or one without a head.
        f"flagged f LEFT JOIN {Ministry._meta.db_table} m ON m.id = f.ministry_id "
        "CROSS JOIN unnest(%(op_users)s::integer[], %(op_names)s::text[], %(op_addresses)s::text[]) "
        "AS r(user_id, name, address) WHERE f.assignee_id IS NULL AND m.head_id IS NULL",
    )
    # Named parameters for the statement; the positional ones of each part are renamed in order.
    named = {
        "now": now,
        "telegram": telegram,
        "op_users": [note.recipient_user_id for note in operators],
        "op_names": [str(note.recipient_name) for note in operators],
        "op_addresses": [note.address for note in operators],
    }

    def name_params(sql: str, params: list, prefix: str) -> str:
        sql = sql.replace("%(", "%%(")  # protect the named ones while the positional ones are renamed
        for n, value in enumerate(params):
            key = f"{prefix}{n}"
            named[key] = value
            sql = sql.replace("%s", f"%({key})s", 1)
        return sql.replace("%%(", "%(")

    statement = f"""
        WITH flagged AS (
            UPDATE {table} SET overdue_since = due_at
            WHERE {name_params(where_sql, list(where_params), "s")}
            RETURNING id, due_at, assignee_id, ministry_id
        ),
        events AS ({name_params(events_sql, events_params, "e")}),
        told AS (
            SELECT DISTINCT f.id AS appeal_id, r.official_id
            FROM flagged f
            LEFT JOIN {Ministry._meta.db_table} m ON m.id = f.ministry_id
            CROSS JOIN LATERAL (VALUES (f.assignee_id), (m.head_id)) AS r(official_id)
            WHERE r.official_id IS NOT NULL
        ),
        emails AS ({name_params(email_sql, email_params, "m")}),
        telegrams AS ({name_params(telegram_sql, telegram_params, "t")}),
        operators AS ({name_params(operators_sql, operators_params, "o")})
        SELECT count(*) FROM flagged
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, named)
        return cursor.fetchone()[0]


def remind_due_soon(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Remind the assignee (or, while nobody is assigned, the ministry head) of every running
    appeal due within GOVFEEDBACK_DUE_SOON_HOURS, once per deadline."""
    now = now or timezone.now()

    def handle(rows):
        Appeal.objects.filter(id__in=[row["id"] for row in rows]).update(reminded_due_soon_at=now)
        notifications.queue_for_appeals(
            rows, notifications.Kind.DUE_SOON, to_assignee=True, to_head="unassigned", now=now
        )

    due_soon = Appeal.objects.due_soon(now).filter(overdue_since__isnull=True, reminded_due_soon_at__isnull=True)
    return _in_batches(due_soon, ["id", "due_at", "assignee_id", "ministry_id"], handle, batch_size)


def escalate_overdue(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Escalate to the press-service operators every appeal overdue for GOVFEEDBACK_ESCALATE_AFTER_HOURS."""
    now = now or timezone.now()

    def handle(rows):
        Appeal.objects.filter(id__in=[row["id"] for row in rows]).update(escalated_at=now)
        AppealEvent.objects.bulk_create(
            AppealEvent(
                appeal_id=row["id"],
                at=now,
                kind=AppealEvent.Kind.ESCALATED,
                data={"overdue_since": row["overdue_since"].isoformat()},
            )
            for row in rows
        )
        notifications.queue_for_operators(rows, notifications.Kind.ESCALATION, now=now)

    limit = now - timedelta(hours=settings.GOVFEEDBACK_ESCALATE_AFTER_HOURS)
    overdue = Appeal.objects.running().filter(escalated_at__isnull=True, overdue_since__lte=limit)
    return _in_batches(overdue, ["id", "due_at", "overdue_since", "ministry_id"], handle, batch_size)
