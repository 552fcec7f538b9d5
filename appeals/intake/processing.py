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

Processing that fails is rolled back and recorded on the event. A failure that may pass by itself
(the database locked or unreachable, the broker down) puts the event off with a growing delay
(``backoff``) and a worker tries again, at most ``MAX_ATTEMPTS`` times; any other failure (a bug,
a payload no parser can take) stops at once, and the event waits for a person: an operator
replays it from the admin after a fix. The admin shows which of the two each event waits for.
"""

import json
import logging
import threading
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as BrokerError

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
DRAIN_TASK = "appeals.tasks.process_waiting_events"
_asking = threading.Lock()
_asked_at = _due_at = _quiet_until = float("-inf")
# Failures that may pass by themselves: tried again after ``backoff``, at most MAX_ATTEMPTS times.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)
MAX_ATTEMPTS = 8


class TryLater(Exception):
    """Processing failed for a reason that may pass; the event is due again at ``at``."""

    def __init__(self, at: datetime):
        super().__init__(at)
        self.at = at


def backoff(failed_attempts: int) -> timedelta:
    """10, 20, 40 s, … after each failure, at most ten minutes: MAX_ATTEMPTS span about 20 minutes."""
    return timedelta(seconds=min(10 * 2 ** max(failed_attempts - 1, 0), 600))


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
            raise Rejected(
                _("No active %(platform)s account with id %(key)r.")
                % {"platform": event.platform, "key": event.account_key},
                status=404,
            )
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
            return finish(event, Outcome.DUPLICATE, _("The platform delivered this event before."))
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


def process_stored(event_id: int, now: datetime | None = None) -> str | None:
    """A worker's step: process one accepted event, unless it is done, put off after a failure
    (until its ``retry_at``) or another worker has it.

    The event's row stays locked while its appeals are written, and the outcome commits with
    them: a worker killed half-way leaves the event to be processed again, never done twice.
    A failure rolls all of it back and is recorded on the event (``_failed``); one that may pass
    raises ``TryLater`` once recorded.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            event = (
                InboundEvent.objects.due(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("account__ministry")
                .filter(pk=event_id)
                .first()
            )
            return process(event) if event is not None else None
    except Exception as error:
        retry_at = _failed(event_id, error, now)
        if retry_at is None:
            return Outcome.RECEIVED
        raise TryLater(retry_at) from error


def _failed(event_id: int, error: Exception, now: datetime) -> datetime | None:
    """Record a failed attempt on the event; return when it is due again, None if it now waits
    for a person. With the database down nothing can be recorded: the event stays as it was, for
    the next run or the sweep."""
    transient = isinstance(error, TRANSIENT_ERRORS)
    detail = f"{type(error).__name__}: {error}"[:500]
    if transient:
        logger.warning("Intake event %s failed, to be tried again: %s", event_id, detail)
    else:
        logger.error("Intake event %s failed, it waits for a person", event_id, exc_info=error)
    try:
        with transaction.atomic():
            event = InboundEvent.objects.waiting().select_for_update(of=("self",)).filter(pk=event_id).first()
            if event is None:  # done meanwhile (a replay), or not ours to record
                return None
            event.failed_attempts += 1
            if transient and event.failed_attempts < MAX_ATTEMPTS:
                event.retry_at = now + backoff(event.failed_attempts)
                event.reason = _(
                    "Processing failed for a reason that may pass (%(error)s); attempt %(attempt)d of %(attempts)d, "
                    "it is tried again automatically."
                ) % {"error": detail, "attempt": event.failed_attempts, "attempts": MAX_ATTEMPTS}
            else:
                event.retry_at, event.processed_at = None, now
                event.reason = (
                    ngettext(
                        "Processing failed %(attempts)d time (%(error)s); replay the event after a fix.",
                        "Processing failed %(attempts)d times (%(error)s); replay the event after a fix.",
                        event.failed_attempts,
                    )
                    % {"attempts": event.failed_attempts, "error": detail}
                    if transient
                    else _("Processing failed (%(error)s); replay the event after a fix.") % {"error": detail}
                )
            event.save(update_fields=["failed_attempts", "retry_at", "processed_at", "reason"])
            return event.retry_at
    except DatabaseError as unrecorded:
        logger.warning("Intake event %s: the failure could not be recorded: %s", event_id, unrecorded)
        return now + backoff(1) if transient else None


def _drain_task():
    """The Celery task that runs ``drain`` (``appeals.tasks``), by its name: the tasks module calls
    this one, not the other way round."""
    from celery import current_app

    return current_app.tasks[DRAIN_TASK]


def _ask_again_at(when: datetime) -> None:
    """After a failure that may pass: ask a worker to drain again when the event is due (if the
    message is lost with the broker, the sweep does it)."""
    try:
        _drain_task().apply_async(eta=when + timedelta(seconds=SKEW_SECONDS), retry=False)
    except Exception as error:
        logger.warning("Intake events put off until %s wait for the sweep; the broker is unreachable: %s", when, error)


def drain(limit: int, received_before: datetime | None = None, now: datetime | None = None) -> int:
    """A worker's run: process the due events, oldest first, until none is left or ``limit`` are
    done (``received_before``: only those that waited since then); return how many were processed.

    Workers draining side by side share the events: each event is locked while it is processed;
    one another worker holds is left to it, and the run goes on past it. A failure that may pass
    ends the run (the database or the broker is in trouble): a worker comes back when the event
    is due again, and finds the rest too.
    """
    now = now or timezone.now()
    due = InboundEvent.objects.due(now).order_by("pk")
    if received_before is not None:
        due = due.filter(received_at__lt=received_before)
    done = last = 0
    while done < limit:
        chunk = list(due.filter(pk__gt=last).values_list("pk", flat=True)[: min(DRAIN_CHUNK, limit - done)])
        if not chunk:
            break
        for pk in chunk:
            try:
                done += process_stored(pk, now) is not None
            except TryLater as later:
                _ask_again_at(later.at)
                return done + 1
        last = chunk[-1]
    return done


def process_pending(now: datetime | None = None, limit: int = DRAIN_LIMIT) -> int:
    """The sweep: process the accepted events whose hand-off to a worker was lost with the broker,
    and those put off after a failure whose time has come."""
    now = now or timezone.now()
    return drain(
        limit,
        received_before=now - timedelta(seconds=settings.GOVFEEDBACK_INTAKE_PENDING_AFTER_SECONDS),
        now=now,
    )


def enqueue(event: InboundEvent) -> None:
    """Ask a worker to drain the waiting events, unless a run already asked for will see ``event``.

    A burst of webhooks to one process costs two messages a window of ``WAKE_SECONDS``: one at
    its first event, so that a worker starts at once, and one due after the window's end, which
    finds every event stored in the window (each is committed before this is called). With the
    broker down the events wait for the sweep.
    """
    global _asked_at, _due_at, _quiet_until
    task = _drain_task()
    now = monotonic()
    with _asking:
        if task.app.conf.task_always_eager:
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
        task.apply_async(countdown=countdown, retry=False)
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
    except json.JSONDecodeError as error:  # where, in the operator's language (Python's message is English)
        raise Rejected(
            _("Malformed JSON: line %(line)d, column %(column)d.") % {"line": error.lineno, "column": error.colno}
        ) from None
    except ValueError:
        raise Rejected(_("Malformed JSON: the body is not UTF-8 text.")) from None
    if not isinstance(payload, dict):
        raise Rejected(_("Malformed JSON: the body must be a JSON object."))
    return payload


def _drafts(event: InboundEvent, payload: dict) -> list[Draft]:
    drafts = [_clean(draft) for draft in MODULES[event.platform].parse(event.account, payload)]
    if not drafts:
        raise Ignored(_("The delivery holds no message."))
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
        finish(event, Outcome.IGNORED, _("VK confirmation request answered."))
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
    event.outcome, event.reason, event.processed_at, event.retry_at = outcome, reason, timezone.now(), None
    if event.pk is not None:
        event.save(
            update_fields=["outcome", "reason", "processed_at", "retry_at", "appeal", "dedup_key", "authenticated"]
        )
    return outcome
