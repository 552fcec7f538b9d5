"""Rows delivered with a lease: the one machinery behind the notifications and the publications.

A row to deliver (``OutboxItem``) is queued by a service; a sender claims it with a guarded update
that takes a lease (``locked_until``) and counts the attempt, delivers it outside any transaction,
then records the outcome: sent, tried again later with backoff (``Temporary``, or any unexpected
error), or given up at once with the reason (``PermanentFailure``). Two senders, a retry or a
doubled beat cannot both hold one row; a sender that dies mid-delivery only delays the row until
the lease runs out, and the next claim knows that the previous attempt was ``interrupted`` (its
outcome unknown) — what a delivery without an idempotency key must not repeat blindly.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class GiveUp(Exception):
    """A delivery that ends now, not tried again; the message is the reason a person reads. Either
    ``PermanentFailure`` (it did not happen and cannot) or ``UnknownOutcome`` (it may have happened)."""


class PermanentFailure(GiveUp):
    """A delivery that cannot succeed by trying again."""


class UnknownOutcome(GiveUp):
    """Sent, and no answer came back, where trying again could deliver it twice: a person looks."""


class Temporary(Exception):
    """A delivery that may succeed later (rate limit, flood control, 5xx, a timeout).

    ``retry_after``: the seconds the other side asked to wait, if it said (the next attempt is
    not earlier than that, nor earlier than the backoff)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Deferred(Exception):
    """Not sent, not failed: put off until ``until`` without counting an attempt (e.g. the
    account's rate limit is used up for now)."""

    def __init__(self, until: datetime):
        super().__init__(f"deferred until {until.isoformat()}")
        self.until = until


class OutboxQuerySet(models.QuerySet):
    def pending(self) -> "OutboxQuerySet":
        """Still to be delivered (neither sent nor given up)."""
        return self.filter(sent_at__isnull=True, gave_up_at__isnull=True)

    def ready(self, now: datetime | None = None) -> "OutboxQuerySet":
        """Pending, due for an attempt, and not held by a sender right now."""
        now = now or timezone.now()
        return (
            self.pending()
            .filter(next_attempt_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        )


class OutboxItem(models.Model):
    """The delivery state of a row: when it is next due, who holds it, how it ended."""

    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    locked_until = models.DateTimeField(_("held by a sender until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        abstract = True


def backoff(attempts: int, first: float = 60) -> timedelta:
    """1, 2, 4, … minutes (``first`` seconds, doubling) after each failure, at most six hours."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), 6 * 3600))


def claim(
    queryset: OutboxQuerySet,
    pk,
    now: datetime,
    lease: timedelta,
    *,
    seen_lock=models.NOT_PROVIDED,
    at: datetime | None = None,
) -> bool:
    """Take the lease on one row of ``queryset`` (its ``ready`` rows at ``now``), running ``lease``
    from ``at`` (the clock when it is taken; default ``now``); False if it is done, given up, or
    held by another sender. With ``seen_lock`` (the ``locked_until`` read when the row was found)
    the claim also fails if anyone touched the lease since: the caller then knows exactly whether
    the lease it takes over had run out unreleased."""
    rows = queryset.ready(now).filter(pk=pk)
    if seen_lock is not models.NOT_PROVIDED:
        rows = rows.filter(locked_until__isnull=True) if seen_lock is None else rows.filter(locked_until=seen_lock)
    return rows.update(locked_until=(at or now) + lease, attempts=F("attempts") + 1) == 1


@dataclass
class Drained:
    """What one run of ``drain`` did: the rows sent, retried later and given up, by pk."""

    sent: list = field(default_factory=list)
    retried: list = field(default_factory=list)
    gave_up: list = field(default_factory=list)


def record_sent(model: type[models.Model], pk, now: datetime, **fields) -> None:
    model.objects.filter(pk=pk).update(sent_at=now, locked_until=None, last_error="", **fields)


def record_gave_up(model: type[models.Model], pk, now: datetime, reason: str, **fields) -> None:
    model.objects.filter(pk=pk).update(gave_up_at=now, locked_until=None, last_error=str(reason)[:2000], **fields)


def record_retry(
    model: type[models.Model],
    row,
    now: datetime,
    error: Exception,
    *,
    max_attempts: int,
    on_give_up=None,
    first_backoff: float = 60,
) -> bool:
    """Try ``row`` again after its backoff (or what the other side asked, if longer); after
    ``max_attempts`` give it up (``on_give_up(row, error)`` when the caller records that itself).
    Returns True if it will be tried again."""
    reason = str(error) if isinstance(error, Temporary) else f"{type(error).__name__}: {error}"
    wait = backoff(row.attempts, first_backoff)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    if row.attempts >= max_attempts:
        if on_give_up is not None:
            on_give_up(row, error)
        else:
            record_gave_up(model, row.pk, now, reason)
        return False
    model.objects.filter(pk=row.pk).update(locked_until=None, last_error=reason[:2000], next_attempt_at=now + wait)
    return True


def release(model: type[models.Model], pk, next_attempt_at: datetime) -> None:
    """Give the lease back without counting the attempt (nothing was sent: e.g. the rate limit)."""
    model.objects.filter(pk=pk).update(locked_until=None, attempts=F("attempts") - 1, next_attempt_at=next_attempt_at)


def drain(
    queryset: OutboxQuerySet,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_attempts: int,
    load: Callable,
    deliver: Callable,
    on_sent: Callable | None = None,
    on_give_up: Callable | None = None,
    on_interrupted: Callable | None = None,
    first_backoff: float = 60,
) -> Drained:
    """Deliver up to ``limit`` rows of ``queryset`` that are due at ``now``, oldest due first.

    For each row: claim it (``claim``), ``load(pk)`` it, ``deliver(row, now)`` outside any
    transaction, then record the outcome — ``on_sent(row, result)`` (default: ``sent_at``), a
    ``GiveUp`` given up at once with its reason (``on_give_up(row, error)``, default:
    ``gave_up_at``), anything else tried again with backoff until ``max_attempts``. A row whose
    previous lease ran out unreleased (its sender died mid-delivery) goes to
    ``on_interrupted(row) -> bool`` first, when given: True means it was dealt with (not delivered
    again here).

    ``now`` decides only what is due. Each lease, outcome and next attempt is timed by the clock
    when it happens: ``now`` advanced by the real time elapsed since the run started (the real
    clock for a run started at ``timezone.now()``), so that a lease never starts already spent.
    Once half a lease has passed since the run started no further row is claimed: the rest wait
    for the next run, and no row is held past its lease by a slow run.
    """
    model = queryset.model
    done = Drained()
    started = timezone.now()

    def clock() -> datetime:
        return now + (timezone.now() - started)

    due = queryset.ready(now).order_by("next_attempt_at", "pk").values_list("pk", "locked_until")[:limit]
    for pk, seen_lock in list(due):
        if timezone.now() - started > lease / 2:
            break
        if not claim(queryset, pk, now, lease, seen_lock=seen_lock, at=clock()):
            continue
        row = load(pk)
        if seen_lock is not None and on_interrupted is not None and on_interrupted(row):
            done.gave_up.append(pk)
            continue
        try:
            result = deliver(row, now)
        except Deferred as deferred:
            release(model, pk, deferred.until)
            continue
        except GiveUp as failure:
            if on_give_up is not None:
                on_give_up(row, failure)
            else:
                record_gave_up(model, pk, clock(), str(failure))
            done.gave_up.append(pk)
        except Exception as error:  # any delivery error: record it and try again later
            logger.warning("%s %s failed (attempt %s): %s", model.__name__, pk, row.attempts, error)
            retried = record_retry(
                model,
                row,
                clock(),
                error,
                max_attempts=max_attempts,
                on_give_up=on_give_up,
                first_backoff=first_backoff,
            )
            if retried:
                done.retried.append(pk)
            else:
                done.gave_up.append(pk)
        else:
            if on_sent is not None:
                on_sent(row, result)
            else:
                record_sent(model, pk, clock())
            done.sent.append(pk)
    return done


def retry(queryset) -> int:
    """Deliver these failed or pending rows again at the next run."""
    return queryset.filter(sent_at__isnull=True).update(
        gave_up_at=None, next_attempt_at=timezone.now(), locked_until=None
    )
