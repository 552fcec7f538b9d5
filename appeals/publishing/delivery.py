"""The sender: publishes the queued answers, as the notifications are delivered (``appeals.outbox``).

Each queued ``Publication`` is claimed with a lease, published through its platform outside any
transaction, and its outcome recorded by the services: published (``record_published``), tried
again later with backoff (``Temporary``; also VK's ``Unknown``, repeated with the same ``guid`` /
``random_id``), not published with the platform's reason (``Permanent``, or temporary failures
past GOVFEEDBACK_PUBLISH_MAX_ATTEMPTS), or outcome unknown where the platform takes no idempotency
key (``Unknown``, and a publication whose sender died mid-send): shown to a person, never sent again
blindly. Each account keeps to its platform's documented limits (``platforms.LIMITS``) through
counters shared by every worker (``appeals.intake.ratelimit``).
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import outbox, services
from ..intake import ratelimit
from ..models import Publication
from . import platforms

logger = logging.getLogger(__name__)

# A sender waits this long at most for its account's next slot; past it the publication is put off.
MAX_WAIT_SECONDS = 2.0


class UnknownOutcome(outbox.PermanentFailure):
    """Sent, no answer, and the platform takes no idempotency key: a person must look."""


@dataclass
class Summary:
    """What one run did: the publications published, not published and unknown (rows), and how
    many will be tried again."""

    published: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    retried: int = 0

    def __str__(self) -> str:
        return _(
            "published: %(published)d, not published: %(failed)d, outcome unknown: %(unknown)d, later: %(later)d"
        ) % {
            "published": len(self.published),
            "failed": len(self.failed),
            "unknown": len(self.unknown),
            "later": self.retried,
        }


def _slot_keys(publication: Publication, target: platforms.Target) -> list[tuple[str, int, int]]:
    keys = []
    for scope, calls, seconds in platforms.LIMITS.get(target.platform, []):
        if scope == "account":
            keys.append((f"publish:{publication.account_id}", calls, seconds))
        elif (scope == "chat" and target.chat) or (scope == "group" and target.chat.startswith("-")):
            keys.append((f"publish:{publication.account_id}:{target.chat}", calls, seconds))
    return keys


def take_slot(publication: Publication, target: platforms.Target) -> None:
    """Wait (briefly) for a slot under every limit of the account and the chat, or put the
    publication off with ``outbox.Deferred`` until the window that has room."""
    waited = 0.0
    for key, calls, seconds in _slot_keys(publication, target):
        while wait := ratelimit.wait_for(key, calls, seconds):
            if waited + wait > MAX_WAIT_SECONDS:
                raise outbox.Deferred(timezone.now() + timedelta(seconds=wait))
            time.sleep(wait)
            waited += wait


def deliver(publication: Publication, now: datetime) -> platforms.Published:
    target = platforms.reply_target(publication.appeal)
    if target is None or publication.account_id != publication.appeal.account_id:
        raise platforms.Permanent(
            platforms.unanswerable_reason(publication.appeal)
            or _("There is no place on the platform to publish this answer.")
        )
    take_slot(publication, target)
    try:
        return platforms.publish(
            target, publication.text, publication.account.access_token, publication.idempotency_key
        )
    except platforms.Unknown as error:
        if target.platform in platforms.IDEMPOTENT:
            raise platforms.Temporary(
                _("No answer from the platform (%(error)s): asked again with the same key.") % {"error": error}
            ) from None
        raise UnknownOutcome(
            _("The answer was sent and the platform did not answer (%(error)s): look whether it is published.")
            % {"error": error}
        ) from None


def publish_pending(now: datetime | None = None, limit: int = 500) -> Summary:
    """Publish up to ``limit`` queued answers that are due, as every worker does (safe beside
    others: each is claimed with a lease). Returns the ``Summary``."""
    clock = (lambda: now) if now is not None else timezone.now
    now = now or timezone.now()

    def load(pk):
        return Publication.objects.select_related("appeal__account", "account").get(pk=pk)

    def on_sent(publication: Publication, published: platforms.Published) -> None:
        services.record_published(publication, external_id=published.external_id, url=published.url, now=clock())

    def on_give_up(publication: Publication, error: Exception) -> None:
        if isinstance(error, UnknownOutcome):
            services.record_publication_unknown(publication, reason=str(error), now=clock())
        else:
            services.record_publication_failed(publication, reason=str(error), now=clock())

    def on_interrupted(publication: Publication) -> bool:
        """A sender died holding it: repeat it where the platform takes the same key, else a person looks."""
        target = platforms.reply_target(publication.appeal)
        if target is not None and target.platform in platforms.IDEMPOTENT:
            return False
        services.record_publication_unknown(
            publication,
            reason=_("The sender stopped while publishing this answer: look whether it is published."),
            now=clock(),
        )
        return True

    done = outbox.drain(
        Publication.objects.all(),
        now=now,
        limit=limit,
        lease=timedelta(seconds=settings.GOVFEEDBACK_PUBLISH_LEASE_SECONDS),
        max_attempts=settings.GOVFEEDBACK_PUBLISH_MAX_ATTEMPTS,
        load=load,
        deliver=deliver,
        on_sent=on_sent,
        on_give_up=on_give_up,
        on_interrupted=on_interrupted,
        first_backoff=settings.GOVFEEDBACK_PUBLISH_BACKOFF_SECONDS,
    )
    summary = Summary(retried=len(done.retried))
    ended = Publication.objects.filter(pk__in=done.sent + done.gave_up).select_related("appeal").order_by("pk")
    for publication in ended:
        {
            Publication.Status.PUBLISHED: summary.published,
            Publication.Status.FAILED: summary.failed,
            Publication.Status.UNKNOWN: summary.unknown,
        }.get(publication.status, []).append(publication)
    return summary
