"""The deadline jobs: set-based, idempotent functions of the database and the clock.

``flag_overdue``, ``remind_due_soon`` and ``escalate_overdue`` run on one path (``_run``): each
selects a bounded batch it has not handled yet, marks it on the appeal, and writes the history
events and the notifications in the same transaction. On PostgreSQL ``flag_overdue`` does the same
in one statement (``notifications/sql/flag_overdue.sql``). Who is told is ``services.recipients``.
"""

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from appeals.batches import BATCH_SIZE, in_batches
from appeals.models import Appeal, AppealEvent
from ministries.models import Official

from . import services
from .models import Notification

# What every job reads of an appeal it handles: its notifications' recipients and its event's details.
_FIELDS = ["id", "due_at", "overdue_since", "assignee_id", "ministry_id"]
# The columns of the recipients' table handed to notifications/sql/flag_overdue.sql, one array each.
_RECIPIENT_FIELDS = ["official_id", "user_id", "channel", "name", "address"]


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
    notify: bool = True,
) -> int:
    """The one path of the deadline jobs: in locked batches of what ``queryset`` still selects,
    ``mark`` the appeals (an update that takes them out of ``queryset``), write one history
    ``event`` each (if any; its details: the row's ``detail`` field, ISO 8601) and queue ``kind``
    to the appeals' ``services.recipients`` (unless ``notify`` is False: the appeals are marked as
    told, and nobody is). Returns how many appeals were handled."""

    def handle(rows: list[dict]) -> None:
        Appeal.objects.filter(id__in=[row["id"] for row in rows]).update(**mark)
        if event:
            AppealEvent.objects.bulk_create(
                AppealEvent(appeal_id=row["id"], at=now, kind=event, data={detail: row[detail].isoformat()})
                for row in rows
            )
        if notify:
            services.queue_for_appeals(rows, kind, to_assignee=to_assignee, to_head=to_head, now=now)

    return in_batches(queryset, _FIELDS, handle, batch_size)


def flag_overdue(now: datetime | None = None, batch_size: int | None = None, *, notify: bool = True) -> int:
    """Mark every running appeal past its deadline; write its event and its overdue reminders.

    ``overdue_since`` is the deadline itself: the moment the appeal became overdue. The reminder
    goes to the assignee and the ministry head (an appeal nobody owns: to the press service), as
    ``services.recipients`` says. Returns how many appeals were flagged.

    In locked batches of ``batch_size``, as the other jobs: rows another run holds are skipped.
    On PostgreSQL without a ``batch_size``, one statement does it all whatever the number of
    appeals (``notifications/sql/flag_overdue.sql``; ``tests/notifications/test_flag_overdue_parity.py`` holds
    it to the batches' rows): a run that overlaps another waits for the rows the other holds,
    finds them flagged and leaves them. Either way nothing is flagged or told twice.

    ``notify=False`` (the demo's seeded past) flags them as told without telling anybody.
    """
    now = now or timezone.now()
    if notify and batch_size is None and connection.vendor == "postgresql":
        return _flag_overdue_statement(now)
    return _flag_overdue_in_batches(now, batch_size or BATCH_SIZE, notify=notify)


def _flag_overdue_in_batches(now: datetime, batch_size: int, notify: bool = True) -> int:
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
        notify=notify,
    )


@cache
def _statement(name: str) -> str:
    return (Path(__file__).parent / "sql" / f"{name}.sql").read_text()


def _flag_overdue_statement(now: datetime) -> int:
    """``_flag_overdue_in_batches`` as one statement; the recipients' addresses and channels are
    ``services.official_recipients`` of every official and ``services.operator_recipients``."""
    told = [
        recipient
        for official in Official.objects.filter(services.REACHABLE).only("full_name", "email", "telegram_chat_id")
        for recipient in services.official_recipients(official)
    ]
    told += services.operator_recipients()
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


def escalate_overdue(now: datetime | None = None, batch_size: int = BATCH_SIZE, *, notify: bool = True) -> int:
    """Escalate to the press service every appeal overdue for GOVFEEDBACK_ESCALATE_AFTER_HOURS
    (``notify=False``: marked as escalated, nobody told)."""
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
        notify=notify,
    )
