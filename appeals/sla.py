"""Deadlines and the overdue job.

A new appeal is due its topic's ``sla_hours`` (or GOVFEEDBACK_DEFAULT_SLA_HOURS) after it arrived.
``flag_overdue`` is a set-based, idempotent function of the database and the clock.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Appeal, AppealEvent, Topic

FLAG_BATCH_SIZE = 5000


def sla_hours(topic: Topic | None) -> int:
    return topic.sla_hours if topic is not None else settings.GOVFEEDBACK_DEFAULT_SLA_HOURS


def deadline_for(start: datetime, topic: Topic | None) -> datetime:
    """The deadline of an appeal about ``topic`` whose clock started at ``start``."""
    return start + timedelta(hours=sla_hours(topic))


def flag_overdue(now: datetime | None = None, batch_size: int = FLAG_BATCH_SIZE) -> int:
    """Mark every open appeal whose deadline has passed, write its history event, return how many.

    Works in batches of ``batch_size`` rows: three queries a batch (select-and-lock, update,
    insert events) whatever the number of appeals. Rows another run holds are skipped, and
    the filter "not flagged yet" makes a second run a no-op, so overlapping runs never write an
    event twice. ``overdue_since`` is the deadline itself: the moment the appeal became overdue.
    """
    now = now or timezone.now()
    flagged = 0
    while True:
        with transaction.atomic():
            rows = list(
                Appeal.objects.open()
                .filter(overdue_since__isnull=True, due_at__lt=now)
                .select_for_update(skip_locked=True)
                .order_by()
                .values_list("id", "due_at")[:batch_size]
            )
            if not rows:
                return flagged
            ids = [pk for pk, _ in rows]

            Appeal.objects.filter(id__in=ids).update(overdue_since=F("due_at"))
            AppealEvent.objects.bulk_create(
                AppealEvent(appeal_id=pk, at=now, kind=AppealEvent.Kind.OVERDUE, data={"due_at": due.isoformat()})
                for pk, due in rows
            )
            flagged += len(rows)
        if len(rows) < batch_size:
            return flagged
