"""The sender: publishes the queued answers, as the notifications are delivered (``appeals.outbox``).

Each queued ``Publication`` is claimed with a lease, published through its platform outside any
transaction, and its outcome recorded by the services: published (``record_published``), tried
again later with backoff (``Temporary``; also VK's ``Unknown``, repeated with the same ``guid`` /
``random_id``), not published with the platform's reason (``Permanent``, or temporary failures
past GOVFEEDBACK_PUBLISH_MAX_ATTEMPTS), or outcome unknown where the platform takes no idempotency
key (``Unknown``, and a publication whose sender died mid-send): shown to a person, never sent again
blindly. A VK answer whose every attempt ran out with no answer ends «результат неизвестен» too.
Each token keeps to its platform's documented limits (``platforms.REGISTRY``) through counters
shared by every worker (``appeals.intake.ratelimit``), keyed by the token (a hash of it): accounts
that share a bot share its budget.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ministries import tokens

from .. import outbox, services
from ..intake import ratelimit
from ..models import Publication
from . import platforms

logger = logging.getLogger(__name__)

# A sender waits this long at most for its account's next slot; past it the publication is put off.
MAX_WAIT_SECONDS = 2.0


class RetriedUnknown(platforms.Temporary):
    """No answer from a platform that takes an idempotency key: asked again with the same key. If
    the attempts run out so, the answer may be published: it ends «результат неизвестен».
    ``detail``: what came back (or did not)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


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


def _slot_keys(platform: str, token: str, chat: str = "") -> list[tuple[str, int, int]]:
    """The counters one call takes: the narrow ones (one chat, one group) first, the token's last."""
    narrow, wide = [], []
    prefix = f"publish:{platforms.token_key(token)}"
    for limit in platforms.platform(platform).limits:
        if limit.scope == "token":
            wide.append((prefix, limit.calls, limit.seconds))
        elif (limit.scope == "chat" and chat) or (limit.scope == "group" and chat.startswith("-")):
            narrow.append((f"{prefix}:{chat}", limit.calls, limit.seconds))
    return narrow + wide


def take_slot(platform: str, token: str, chat: str = "") -> None:
    """Wait (briefly) for a slot under every limit of the token and the chat, or put the call off
    with ``outbox.Deferred`` until the window that has room.

    After any wait every slot is taken again, in its new window: a call is never made in a window
    other than the one it was counted in (a slot counted and not used only holds back, never lets
    through, a call more)."""
    waited = 0.0
    keys = _slot_keys(platform, token, chat)
    while True:
        for key, calls, seconds in keys:
            if wait := ratelimit.wait_for(key, calls, seconds):
                break
        else:
            return
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
    try:
        token = tokens.reveal(publication.account.access_token)
    except tokens.Unreadable:
        raise platforms.Permanent(
            _(
                "The account's access token cannot be read with the server's keys (GOVFEEDBACK_TOKEN_KEYS): the "
                "administrator sets the keys, or the press service sets the token again."
            )
        ) from None
    if token:
        take_slot(target.platform, token, target.chat)
    send = platforms.Send(publication.text, token, publication.pk, publication.idempotency_key)
    try:
        return platforms.publish(target, send)
    except platforms.Unknown as error:
        if platforms.platform(target.platform).idempotent:
            raise RetriedUnknown(
                _("No answer from the platform (%(error)s): asked again with the same key.") % {"error": error},
                detail=str(error),
            ) from None
        raise outbox.UnknownOutcome(
            _("The answer was sent and the platform did not answer (%(error)s): look whether it is published.")
            % {"error": error}
        ) from None


def publish_pending(now: datetime | None = None, limit: int = 500) -> Summary:
    """Publish up to ``limit`` queued answers that are due, as every worker does (safe beside
    others: each is claimed with a lease). Returns the ``Summary``."""
    started = timezone.now()
    now = now or started

    def clock() -> datetime:  # the outcomes are timed when they happen (as ``outbox.drain`` times its own)
        return now + (timezone.now() - started)

    def load(pk):
        return Publication.objects.select_related("appeal__account", "account").get(pk=pk)

    def on_sent(publication: Publication, published: platforms.Published) -> None:
        services.record_published(publication, external_id=published.external_id, url=published.url, now=clock())

    def on_give_up(publication: Publication, error: Exception) -> None:
        if isinstance(error, outbox.UnknownOutcome):
            services.record_publication_unknown(publication, reason=str(error), now=clock())
        elif isinstance(error, RetriedUnknown):  # the attempts ran out with no answer: it may be there
            services.record_publication_unknown(
                publication,
                reason=_(
                    "No answer from the platform after %(attempts)d attempts (%(error)s): look whether it is published."
                )
                % {"attempts": publication.attempts, "error": error.detail},
                now=clock(),
            )
        else:
            services.record_publication_failed(publication, reason=str(error), now=clock())

    def on_interrupted(publication: Publication) -> bool:
        """A sender died holding it: repeat it where the platform takes the same key, else a person looks."""
        target = platforms.reply_target(publication.appeal)
        if target is not None and platforms.platform(target.platform).idempotent:
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
