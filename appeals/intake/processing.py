"""What happens to a delivery, in two steps.

``accept`` runs while the platform waits for its answer: it authenticates the request and checks
that it parses; a delivery that holds no appeal (a confirmation, an ignored event type) or that
is refused is finished there. The view then stores the request with that outcome, whatever the
checks did, before it answers. An accepted delivery stays ``received`` and goes to a worker.

``process`` runs in the worker (``process_stored``): the messages of the delivery become appeals
through ``services.receive_message`` — classification, municipality, routing, history — and the
outcome is written on the event. The web process does not hand each event over: it asks a worker
to ``drain`` what waits (``enqueue``, at most twice in a quarter of a second). A task lost with
the broker is not lost work: the beat's ``process_pending`` picks up every accepted event that
waited too long.
"""

import json
import logging
import threading
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import services
from ..models import Appeal, InboundEvent
from . import Draft, Ignored, Rejected, meta, ok, telegram, too_long, vk

logger = logging.getLogger(__name__)

MODULES = {"vk": vk, "telegram": telegram, "meta": meta, "ok": ok}
Outcome = InboundEvent.Outcome
# When one delivery holds several messages, the event shows the most telling outcome.
PRIORITY = [Outcome.CREATED, Outcome.MESSAGE, Outcome.UPDATED, Outcome.DUPLICATE]
# A worker's run processes up to DRAIN_LIMIT events (then the task asks for another, behind the
# periodic jobs in the queue), DRAIN_CHUNK at a time.
DRAIN_LIMIT, DRAIN_CHUNK = 500, 50
# The hand-off from the web process (``enqueue``): at most two messages a window of WAKE_SECONDS,
# one at its start and one due SKEW_SECONDS after its end (the worker reads the due time on its own
# clock, which may be a little ahead). After a failed message (the broker is down) the process
# stops asking for BROKER_DOWN_SECONDS: its events wait for the sweep, the platforms for nothing.
WAKE_SECONDS, SKEW_SECONDS, BROKER_DOWN_SECONDS = 0.25, 0.25, 10.0
_asking = threading.Lock()
_asked_at = _due_at = _quiet_until = float("-inf")


def answer_for(platform: str) -> str:
    """What a platform expects as the answer to a delivery it may stop resending."""
    return "ok" if platform == "vk" else ""


def accept(event: InboundEvent, secrets: dict) -> tuple[str, bool]:
    """Authenticate a delivery (not stored yet) and check it; return (the text to answer, queued).

    Raises ``Rejected`` (recorded on the event) when the request is to be refused.
    """
    module = MODULES[event.platform]
    try:
        if event.account is None:
            raise Rejected(f"No active {event.platform} account with id {event.account_key!r}.", status=404)
        payload = _payload(event)
        module.authenticate(event.account, payload, secrets, bytes(event.body))
        event.authenticated = True
        event.dedup_key = module.dedup_key(payload)
        _drafts(event, payload)
    except (vk.Confirmation, Ignored, Rejected) as settled:
        answer = _settle(event, settled)
        if isinstance(settled, Rejected):
            raise
        return answer, False
    return answer_for(event.platform), True


def process(event: InboundEvent, *, replay: bool = False) -> str:
    """Turn an authenticated delivery into appeals; return the outcome written on the event.

    A replay (an operator's, after a fix) processes the event again even if the platform
    delivered the same event twice.
    """
    try:
        payload = _payload(event)
        if event.dedup_key and not replay and _delivered_before(event):
            return finish(event, Outcome.DUPLICATE, "The platform delivered this event before.")
        results = [services.receive_message(event.account, draft) for draft in _drafts(event, payload)]
    except (vk.Confirmation, Ignored, Rejected) as settled:
        _settle(event, settled)
        return event.outcome
    except services.Refused as refused:  # e.g. a text that is empty once stored
        return finish(event, Outcome.REJECTED, str(refused.message))
    outcome = min((result for result, _appeal in results), key=PRIORITY.index)
    event.appeal = next(appeal for result, appeal in results if result == outcome)
    event.appeals.add(*{appeal.pk for _result, appeal in results if appeal is not None})
    return finish(event, outcome)


def process_stored(event_id: int) -> str | None:
    """A worker's step: process one accepted event, unless it is done or another worker has it.

    The event's row stays locked while its appeals are written, and the outcome commits with
    them: a worker killed half-way leaves the event to be processed again, never done twice.
    """
    try:
        with transaction.atomic():
            event = (
                InboundEvent.objects.waiting()
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("account__ministry")
                .filter(pk=event_id)
                .first()
            )
            return process(event) if event is not None else None
    except Exception:  # all of it rolled back; the event stays stored with the reason, to replay after a fix
        logger.exception("Intake event %s failed", event_id)
        InboundEvent.objects.filter(pk=event_id, outcome=Outcome.RECEIVED, processed_at=None).update(
            reason="Processing failed; the event is stored and can be replayed.", processed_at=timezone.now()
        )
        return Outcome.RECEIVED


def drain(limit: int, received_before: datetime | None = None) -> int:
    """A worker's run: process waiting events, oldest first, until none is left or ``limit`` are
    done (``received_before``: only those that waited since then); return how many were processed.

    Workers draining side by side share the events: each event is locked while it is processed;
    one another worker holds is left to it, and the run goes on past it.
    """
    waiting = InboundEvent.objects.waiting().order_by("pk")
    if received_before is not None:
        waiting = waiting.filter(received_at__lt=received_before)
    done = last = 0
    while done < limit:
        chunk = list(waiting.filter(pk__gt=last).values_list("pk", flat=True)[: min(DRAIN_CHUNK, limit - done)])
        if not chunk:
            break
        done += sum(process_stored(pk) is not None for pk in chunk)
        last = chunk[-1]
    return done


def process_pending(now: datetime | None = None, limit: int = DRAIN_LIMIT) -> int:
    """The sweep: process the accepted events whose hand-off to a worker was lost with the broker."""
    now = now or timezone.now()
    return drain(limit, received_before=now - timedelta(seconds=settings.GOVFEEDBACK_INTAKE_PENDING_AFTER_SECONDS))


def enqueue(event: InboundEvent) -> None:
    """Ask a worker to drain the waiting events, unless a run already asked for will see ``event``.

    A burst of webhooks to one process costs two messages a window of ``WAKE_SECONDS``: one at
    its first event, so that a worker starts at once, and one due after the window's end, which
    finds every event stored in the window (each is committed before this is called). With the
    broker down the events wait for the sweep.
    """
    global _asked_at, _due_at, _quiet_until
    from ..tasks import process_waiting_events

    now = monotonic()
    with _asking:
        if process_waiting_events.app.conf.task_always_eager:
            countdown = None  # Celery's eager mode runs the task here and now: it sees this event
        elif now < _quiet_until:
            return  # the broker was down a moment ago
        elif now >= _asked_at + WAKE_SECONDS:
            _asked_at, countdown = now, None
        elif _due_at <= now:
            _due_at = _asked_at + WAKE_SECONDS + SKEW_SECONDS
            countdown = _due_at - now
        else:
            return  # the run due at _due_at finds it
    try:
        process_waiting_events.apply_async(countdown=countdown, retry=False)
    except Exception as error:  # the event is stored and accepted: the sweep processes it
        with _asking:
            _quiet_until = monotonic() + BROKER_DOWN_SECONDS
        logger.warning(
            "Intake events wait for the sweep (event %s and those of the next %.0f s); the broker is unreachable: %s",
            event.pk,
            BROKER_DOWN_SECONDS,
            error,
        )


def _payload(event: InboundEvent) -> dict:
    try:
        payload = json.loads(bytes(event.body).decode("utf-8"))
    except ValueError as error:
        raise Rejected(f"Malformed JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Rejected("Malformed JSON: the body must be a JSON object")
    return payload


def _drafts(event: InboundEvent, payload: dict) -> list[Draft]:
    drafts = [_clean(draft) for draft in MODULES[event.platform].parse(event.account, payload)]
    if not drafts:
        raise Ignored("The delivery holds no message.")
    return drafts


def _clean(draft: Draft) -> Draft:
    """A platform's draft as the database stores it: an over-long id or link is refused, a name cut."""
    reason = too_long(draft)
    if reason:
        raise Rejected(reason)
    draft.author_name = draft.author_name[: Appeal._meta.get_field("author_name").max_length]
    return draft


def _settle(event: InboundEvent, settled: Exception) -> str:
    """Finish a delivery that holds no appeal (ignored) or is refused; return the answer."""
    if isinstance(settled, vk.Confirmation):
        finish(event, Outcome.IGNORED, "VK confirmation request answered.")
        return str(settled)
    if isinstance(settled, Ignored):
        finish(event, Outcome.IGNORED, str(settled))
        return answer_for(event.platform)
    finish(event, Outcome.REJECTED, settled.reason)
    return ""


def _delivered_before(event: InboundEvent) -> bool:
    return (
        InboundEvent.objects.filter(account=event.account, dedup_key=event.dedup_key, authenticated=True)
        .exclude(pk=event.pk)
        .exclude(outcome__in=[Outcome.RECEIVED, Outcome.REJECTED])
        .exists()
    )


def finish(event: InboundEvent, outcome: str, reason: str = "") -> str:
    """Write the outcome on the event (a new one is stored by the intake view); return it."""
    event.outcome, event.reason, event.processed_at = outcome, reason, timezone.now()
    if event.pk is not None:
        event.save(update_fields=["outcome", "reason", "processed_at", "appeal", "dedup_key", "authenticated"])
    return outcome
