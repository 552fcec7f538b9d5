"""Personal data (152-FZ): citizens' names, profile links and platform ids are erased when they
are no longer needed, the texts and the statistics stay.

``anonymise_expired`` is the scheduled job: appeals resolved or rejected more than
GOVFEEDBACK_RETENTION_DAYS ago, and the raw requests of that age that belong to no appeal; the
requests that never passed their platform's check (anybody's: an unknown account, a wrong secret)
are deleted after GOVFEEDBACK_INTAKE_REFUSED_DAYS. An operator erases one citizen's appeals on
request with ``services.anonymise_citizen``. Both go through ``erase``: set-based, one history
event per appeal.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from audit.log import forget_searches, record_access

from .batches import in_batches
from .models import Appeal, AppealEvent, AppealMessage, InboundEvent

BATCH_SIZE = 500
# What identifies the author: names, profile links, and platform ids (a dialog's thread id and a
# Telegram message id hold the citizen's own id). The text, dates, topic and ministry stay.
ERASED = {
    "author_name": "",
    "author_external_id": "",
    "author_url": "",
    "permalink": "",
    "external_id": "",
    "thread_id": "",
}


def erase(ids: list[int], now: datetime, *, actor=None, actor_name: str = "", note: str = "") -> None:
    """Erase the personal data of these appeals (locked by the caller): their author, their
    citizen's messages' authors and ids, the raw requests that brought them; one event each."""
    Appeal.objects.filter(id__in=ids).update(anonymised_at=now, **ERASED)
    AppealMessage.objects.filter(appeal_id__in=ids, direction=AppealMessage.Direction.CITIZEN).update(
        author_name="", external_id=""
    )
    redact_events(carried(ids), now)
    AppealEvent.objects.bulk_create(
        AppealEvent(
            appeal_id=pk, at=now, actor=actor, actor_name=actor_name, kind=AppealEvent.Kind.ANONYMISED, note=note
        )
        for pk in ids
    )


def carried(ids: list[int]):
    """The raw requests that carried these appeals' messages: the one that made each, those that
    carried it among other citizens' (a webhook with several comments, an imported file), and the
    platform's redeliveries of any of them."""
    linked = Q(appeal_id__in=ids) | Q(
        pk__in=InboundEvent.appeals.through.objects.filter(appeal_id__in=ids).values("inboundevent_id")
    )
    keyed = InboundEvent.objects.filter(linked).exclude(dedup_key="")
    return InboundEvent.objects.filter(
        linked | Q(account_id__in=keyed.values("account_id"), dedup_key__in=keyed.values("dedup_key"))
    )


def redact_events(events, now: datetime) -> int:
    """Empty the raw body and headers of these intake requests (the outcome and reason stay)."""
    return events.filter(redacted_at__isnull=True).update(body=b"", headers={}, redacted_at=now)


def purge_refused(now: datetime) -> int:
    """Delete the stored requests that never passed their platform's check (kept as their metadata
    and a prefix of the body, for the operators to see what came) GOVFEEDBACK_INTAKE_REFUSED_DAYS
    after they came; return how many. Such a request carried no appeal, but the link table of
    ``InboundEvent.appeals`` makes Django collect the rows first: their ids only."""
    cutoff = now - timedelta(days=settings.GOVFEEDBACK_INTAKE_REFUSED_DAYS)
    deleted, _by_model = InboundEvent.objects.filter(authenticated=False, received_at__lt=cutoff).only("pk").delete()
    return deleted


def expired(now: datetime | None = None):
    """Closed appeals past the retention period whose personal data is still there."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.GOVFEEDBACK_RETENTION_DAYS)
    recently_rejected = AppealEvent.objects.filter(
        appeal=OuterRef("pk"), kind=AppealEvent.Kind.REJECTED, at__gte=cutoff
    )
    return Appeal.objects.filter(anonymised_at__isnull=True).filter(
        Q(status=Appeal.Status.RESOLVED, resolved_at__lt=cutoff)
        | (Q(status=Appeal.Status.REJECTED, received_at__lt=cutoff) & ~Exists(recently_rejected))
    )


def anonymise_expired(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """The retention job: erase what is past the period; return how many appeals. A second run,
    or an overlapping one, finds nothing more to do."""
    now = now or timezone.now()
    note = f"GOVFEEDBACK_RETENTION_DAYS={settings.GOVFEEDBACK_RETENTION_DAYS}"
    done: list[int] = []

    def handle(rows):
        ids = [row["id"] for row in rows]
        erase(ids, now, note=note)
        done.extend(ids)

    count = in_batches(expired(now), ["id"], handle, batch_size)
    cutoff = now - timedelta(days=settings.GOVFEEDBACK_RETENTION_DAYS)
    purge_refused(now)
    redact_events(InboundEvent.objects.filter(appeal__isnull=True, received_at__lt=cutoff), now)
    forget_searches(cutoff)  # what people searched then (it may name a citizen): the pages stay
    if done:
        record_access(None, "anonymise", done, detail=f"Retention: {note}")
    return count
