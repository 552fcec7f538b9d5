"""Reminders, escalations and digests: queued as rows by the deadline jobs, delivered by a sender.

A sender claims a notification with a guarded update that takes a lease (``locked_until``) and
counts the attempt, delivers it outside any transaction, then records the outcome. Two senders,
a retry or a doubled beat cannot both hold one notification; a sender that dies mid-delivery
only delays it until the lease runs out. A failed delivery is retried with backoff; one that can
never succeed (no address, a chat the bot cannot write to) is given up at once, with the reason.
"""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal
from ministries.models import Ministry, Official
from ministries.roles import operator_users

from .models import Notification

logger = logging.getLogger(__name__)

Channel = Notification.Channel


class PermanentFailure(Exception):
    """A delivery that cannot succeed by trying again."""


# --- who is told (the one rule: the deadline jobs' SQL path reads it too) -------------------------


@dataclass(frozen=True)
class Recipient:
    """One address to tell on one channel: an official's, or the press service's."""

    channel: str
    address: str
    name: str
    official_id: int | None = None
    user_id: int | None = None


# Who can be told: an active official of an active ministry (one who left is told nothing).
REACHABLE = Q(is_active=True, ministry__is_active=True)


def reachable(official: Official | None) -> bool:
    """``REACHABLE`` for one official (its ministry loaded with it)."""
    return official is not None and official.is_active and official.ministry.is_active


def official_recipients(official: Official) -> list[Recipient]:
    """An official is told by e-mail and, with a chat and a configured bot, by Telegram."""
    told = [Recipient(Channel.EMAIL, official.email, official.full_name, official_id=official.pk)]
    if official.telegram_chat_id and settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN:
        told.append(Recipient(Channel.TELEGRAM, official.telegram_chat_id, official.full_name, official_id=official.pk))
    return told


def operator_recipients() -> list[Recipient]:
    """The press service: its operators' logins and its mailbox, by e-mail. With neither, one
    recipient without an address: nobody to tell is itself worth a visible, failed notification."""
    told = [
        Recipient(Channel.EMAIL, user.email, user.get_full_name() or user.get_username(), user_id=user.pk)
        for user in operator_users()
    ]
    if settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL:
        told.append(Recipient(Channel.EMAIL, settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL, _("press service")))
    return told or [Recipient(Channel.EMAIL, "", _("press service"))]


def recipients(rows: list[dict], *, to_assignee: bool, to_head: bool | str) -> dict[int, list[Recipient]]:
    """Who is told about each appeal row (``id``, ``assignee_id``, ``ministry_id``).

    The assignee (``to_assignee``) and the ministry head (``to_head``: True, False, or
    "unassigned" for the head only while nobody reachable is assigned), each once and only if
    ``reachable``, as ``official_recipients`` says; an appeal with nobody to tell: the press service
    (``operator_recipients``).
    """
    heads = {}
    if to_head:
        heads = dict(
            Ministry.objects.filter(id__in={row["ministry_id"] for row in rows if row["ministry_id"]}).values_list(
                "id", "head_id"
            )
        )
    candidates = {row["assignee_id"] for row in rows if row["assignee_id"]} | {pk for pk in heads.values() if pk}
    officials = {
        pk: official
        for pk, official in Official.objects.select_related("ministry").in_bulk(candidates).items()
        if reachable(official)
    }
    wanted = {}
    for row in rows:
        assignee = row["assignee_id"] if row["assignee_id"] in officials else None
        ids = [assignee] if to_assignee and assignee else []
        head_id = heads.get(row["ministry_id"])
        if head_id in officials and (to_head is True or (to_head == "unassigned" and not assignee)):
            ids.append(head_id)
        wanted[row["id"]] = list(dict.fromkeys(ids))
    press_service = operator_recipients() if not all(wanted.values()) else []
    return {
        appeal_id: [told for pk in ids for told in official_recipients(officials[pk])] if ids else press_service
        for appeal_id, ids in wanted.items()
    }


# --- queueing (called by the deadline jobs, inside their transactions) ------------------------------


def _notifications(told: list[Recipient], kind: str, now: datetime, **fields) -> list[Notification]:
    return [
        Notification(
            kind=kind,
            channel=recipient.channel,
            recipient_official_id=recipient.official_id,
            recipient_user_id=recipient.user_id,
            recipient_name=recipient.name,
            address=recipient.address,
            created_at=now,
            next_attempt_at=now,
            **fields,
        )
        for recipient in told
    ]


def queue_for_appeals(rows: list[dict], kind: str, *, to_assignee: bool, to_head: bool | str, now: datetime) -> None:
    """Queue ``kind`` about each appeal row to its ``recipients`` (the same arguments)."""
    told = recipients(rows, to_assignee=to_assignee, to_head=to_head)
    Notification.objects.bulk_create(
        note for appeal_id, who in told.items() for note in _notifications(who, kind, now, appeal_id=appeal_id)
    )


def queue_digests(now: datetime | None = None) -> int:
    """Queue today's morning digest for every ministry head, once a day.

    Runs often; acts only within three hours after GOVFEEDBACK_DIGEST_HOUR local time, so that a
    beat that was down at nine still sends the digest, and a doubled beat cannot send two (one
    digest per head, channel and day is a database constraint). Returns how many were queued.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    if not settings.GOVFEEDBACK_DIGEST_HOUR <= local.hour < settings.GOVFEEDBACK_DIGEST_HOUR + 3:
        return 0
    today = local.date()
    heads = Official.objects.filter(REACHABLE, ministry__head=F("pk"))
    queued = [
        note
        for head in heads
        for note in _notifications(official_recipients(head), Notification.Kind.DIGEST, now, digest_date=today)
    ]
    before = Notification.objects.filter(kind=Notification.Kind.DIGEST, digest_date=today).count()
    Notification.objects.bulk_create(queued, ignore_conflicts=True)
    return Notification.objects.filter(kind=Notification.Kind.DIGEST, digest_date=today).count() - before


def on_spike_raised(sender, alert, now: datetime, **kwargs) -> None:
    """``analytics.signals.spike_raised``: tell the operators and the topic's ministry head."""
    queue_spike(alert, now)


def queue_spike(alert, now: datetime) -> None:
    """Tell the press service and the head of the topic's ministry about a spike alert, once."""
    told = operator_recipients()
    ministry = alert.topic.default_ministry
    head = ministry.head if ministry is not None else None
    if reachable(head):
        told += official_recipients(head)
    Notification.objects.bulk_create(_notifications(told, Notification.Kind.SPIKE, now, spike=alert))


# --- delivery ------------------------------------------------------------------------------------


def appeal_url(appeal_id: int) -> str:
    return settings.GOVFEEDBACK_BASE_URL.rstrip("/") + reverse("admin:appeals_appeal_change", args=[appeal_id])


def _digest_context(notification: Notification, now: datetime) -> dict:
    ministry = notification.recipient_official.ministry
    queue = Appeal.objects.filter(ministry=ministry)
    overdue = queue.overdue(now)
    return {
        "ministry": ministry,
        "open_count": queue.open().count(),
        "due_today": list(queue.due_today(now).order_by("due_at")[:20]),
        "overdue": list(overdue.select_related("assignee").order_by("due_at")[:20]),
        "overdue_count": overdue.count(),
    }


def render(notification: Notification, now: datetime | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of a notification, in the interface language."""
    now = now or timezone.now()
    context = {
        "notification": notification,
        "appeal": notification.appeal,
        "now": now,
        "base_url": settings.GOVFEEDBACK_BASE_URL.rstrip("/"),
    }
    if notification.appeal_id:
        context["appeal_url"] = appeal_url(notification.appeal_id)
    if notification.kind == Notification.Kind.DIGEST:
        context.update(_digest_context(notification, now))
    if notification.spike_id:
        context["spike"] = notification.spike
        context["dashboard_url"] = settings.GOVFEEDBACK_BASE_URL.rstrip("/") + reverse("admin:analytics_dashboard")
    name = f"notifications/{notification.kind}"
    subject = " ".join(render_text(f"{name}_subject.txt", context).split())
    return subject, render_text(f"{name}.txt", context).strip(), render_to_string(f"{name}.html", context)


def render_text(name: str, context: dict) -> str:
    """A plain-text template (a subject, an e-mail's text, a Telegram message): nothing is escaped
    for HTML, so a citizen's "quotes" and <angle brackets> arrive as written."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _send_email(notification: Notification, subject: str, text: str, html: str) -> None:
    if not notification.address:
        raise PermanentFailure(_("No e-mail address: add one to the official or the login."))
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [notification.address])
    message.attach_alternative(html, "text/html")
    message.send()


def _send_telegram(notification: Notification, subject: str, text: str) -> None:
    token = settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN
    if not token:
        raise PermanentFailure(_("The Telegram bot is not configured (GOVFEEDBACK_TELEGRAM_BOT_TOKEN)."))
    url = f"{settings.GOVFEEDBACK_TELEGRAM_API_URL.rstrip('/')}/bot{token}/sendMessage"
    body = json.dumps({"chat_id": notification.address, "text": f"{subject}\n\n{text}"[:4096]}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.GOVFEEDBACK_TELEGRAM_TIMEOUT) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        description = error.read().decode(errors="replace")[:500]
        if 400 <= error.code < 500 and error.code != 429:
            raise PermanentFailure(f"Telegram {error.code}: {description}") from None
        raise RuntimeError(f"Telegram {error.code}: {description}") from None
    if not answer.get("ok"):
        raise RuntimeError(f"Telegram answered: {answer}")


def deliver(notification: Notification, now: datetime | None = None) -> None:
    subject, text, html = render(notification, now)
    if notification.channel == Channel.TELEGRAM:
        _send_telegram(notification, subject, text)
    else:
        _send_email(notification, subject, text, html)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failure, at most six hours."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def claim(notification_id: int, now: datetime) -> bool:
    """Take the lease on one notification; False if it is sent, given up, or held by another sender."""
    lease = timedelta(seconds=settings.GOVFEEDBACK_NOTIFY_LEASE_SECONDS)
    return (
        Notification.objects.ready(now)
        .filter(pk=notification_id)
        .update(locked_until=now + lease, attempts=F("attempts") + 1)
        == 1
    )


def send_pending(now: datetime | None = None, limit: int = 500) -> int:
    """Deliver up to ``limit`` notifications that are due; return how many were sent.

    The whole run uses one clock reading (``now``) for leases, outcomes and the next attempts.
    """
    now = now or timezone.now()
    sent = 0
    for pk in Notification.objects.ready(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]:
        if not claim(pk, now):
            continue
        notification = Notification.objects.select_related("appeal", "recipient_official__ministry").get(pk=pk)
        try:
            deliver(notification, now)
        except PermanentFailure as failure:
            Notification.objects.filter(pk=pk).update(
                gave_up_at=timezone.now(), locked_until=None, last_error=str(failure)
            )
        except Exception as error:  # any delivery error: record it and try again later
            logger.warning("Notification %s failed (attempt %s): %s", pk, notification.attempts, error)
            done = notification.attempts >= settings.GOVFEEDBACK_NOTIFY_MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                locked_until=None,
                last_error=f"{type(error).__name__}: {error}"[:2000],
                next_attempt_at=now + backoff(notification.attempts),
                gave_up_at=now if done else None,
            )
        else:
            Notification.objects.filter(pk=pk).update(sent_at=now, locked_until=None, last_error="")
            sent += 1
    return sent


def retry(queryset) -> int:
    """Send these failed or pending notifications again at the next run."""
    return queryset.filter(sent_at__isnull=True).update(
        gave_up_at=None, next_attempt_at=timezone.now(), locked_until=None
    )
