"""Reminders, escalations and digests: queued as rows by the deadline jobs, delivered by a sender.

A sender claims a notification with a guarded update that takes a lease (``locked_until``) and
counts the attempt, delivers it outside any transaction, then records the outcome. Two senders,
a retry or a doubled beat cannot both hold one notification; a sender that dies mid-delivery
only delays it until the lease runs out. A failed delivery is retried with backoff; one that can
never succeed (no address, a chat the bot cannot write to) is given up at once, with the reason.
"""

import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q, QuerySet
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import access, outbox
from appeals.models import Appeal, AppealEvent
from ministries.models import Approval, AssignmentNotices, Ministry, Official
from ministries.roles import operator_users

from .models import Notification

logger = logging.getLogger(__name__)

Channel = Notification.Channel


# A delivery that cannot succeed by trying again (given up at once, with the reason): the outbox's.
PermanentFailure = outbox.PermanentFailure


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


@dataclass(frozen=True)
class _Quiet:
    in_admin_since: datetime | None


# Inside ``quiet()``: nothing by e-mail or Telegram (the demo's seeded past).
_quiet: ContextVar[_Quiet | None] = ContextVar("notifications_quiet", default=None)


@contextmanager
def quiet(in_admin_since: datetime | None = None):
    """Assignments made inside are not mailed: the demo seeds its past with the real services.
    Those made from ``in_admin_since`` on still leave their notice in the admin (the bell)."""
    token = _quiet.set(_Quiet(in_admin_since))
    try:
        yield
    finally:
        _quiet.reset(token)


def on_appeal_assigned(sender, appeal, previous_ministry_id, previous_assignee_id, actor, now, **kwargs) -> None:
    """``appeals.signals.appeal_assigned``: tell the new assignee, and the head of a ministry the
    appeal has just reached (``queue_assigned``)."""
    muted = _quiet.get()
    if muted is None:
        queue_assigned(appeal, previous_ministry_id, previous_assignee_id, actor, now)
    elif muted.in_admin_since is not None and now >= muted.in_admin_since:
        queue_assigned(appeal, previous_ministry_id, previous_assignee_id, actor, now, by_message=False)


def assignment_recipients(appeal: Appeal, previous_ministry_id, previous_assignee_id, actor) -> list[Official]:
    """Who is told that ``appeal`` reached them: its new assignee, and the head of its new ministry
    (once if they are one person); never the person who made the change, nor anyone who left."""
    told = []
    if appeal.assignee_id and appeal.assignee_id != previous_assignee_id:
        told.append(appeal.assignee)
    if appeal.ministry_id and appeal.ministry_id != previous_ministry_id and appeal.ministry.head_id:
        told.append(appeal.ministry.head)
    by_id = {official.pk: official for official in told}
    return [
        official
        for official in by_id.values()
        if reachable(official) and (actor is None or official.user_id is None or official.user_id != actor.pk)
    ]


def next_digest_at(now: datetime) -> datetime:
    """When the e-mails of those who chose the digest go out: half an hour after the next morning
    digest is queued (GOVFEEDBACK_DIGEST_HOUR local time), so that the digest takes them in."""
    local = timezone.localtime(now)
    at = local.replace(hour=settings.GOVFEEDBACK_DIGEST_HOUR, minute=30, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


def queue_assigned(
    appeal: Appeal, previous_ministry_id, previous_assignee_id, actor, now: datetime, *, by_message: bool = True
) -> None:
    """Tell the ``assignment_recipients`` that ``appeal`` reached them: a notice in the admin at
    once (the bell; written as delivered), and (``by_message``) by e-mail and Telegram at once, or
    with the next morning digest for those who chose it (``Official.assignment_notices``)."""
    queued = []
    for official in assignment_recipients(appeal, previous_ministry_id, previous_assignee_id, actor):
        if official.user_id:
            queued.append(
                Notification(
                    kind=Notification.Kind.ASSIGNED,
                    channel=Channel.ADMIN,
                    appeal=appeal,
                    recipient_official=official,
                    recipient_user_id=official.user_id,
                    recipient_name=official.full_name,
                    created_at=now,
                    next_attempt_at=now,
                    sent_at=now,
                )
            )
        if not by_message:
            continue
        when = next_digest_at(now) if official.assignment_notices == AssignmentNotices.DIGEST else now
        for note in _notifications(official_recipients(official), Notification.Kind.ASSIGNED, now, appeal=appeal):
            note.next_attempt_at = when
            queued.append(note)
    Notification.objects.bulk_create(queued)


# --- an answer to publish that waits for a person (appeals.signals.answer_needs_attention) ----------

ANSWER_KINDS = {
    "approval": Notification.Kind.ANSWER_APPROVAL,
    "returned": Notification.Kind.ANSWER_RETURNED,
    "failed": Notification.Kind.ANSWER_FAILED,
    "unknown": Notification.Kind.ANSWER_UNKNOWN,
}
# The appeal's event each of them tells about (its note: the answer, the comment, the platform's reason).
ANSWER_EVENTS = {
    Notification.Kind.ANSWER_APPROVAL: AppealEvent.Kind.ANSWER_SUBMITTED,
    Notification.Kind.ANSWER_RETURNED: AppealEvent.Kind.ANSWER_RETURNED,
    Notification.Kind.ANSWER_FAILED: AppealEvent.Kind.ANSWER_FAILED,
    Notification.Kind.ANSWER_UNKNOWN: AppealEvent.Kind.ANSWER_UNKNOWN,
}


def on_answer_needs_attention(sender, appeal, publication, what, approval, actor, now, **kwargs) -> None:
    """``appeals.signals.answer_needs_attention``: tell the approvers, or the drafter (``queue_answer``)."""
    muted = _quiet.get()
    if muted is None:
        queue_answer(appeal, publication, what, approval, actor, now)
    elif muted.in_admin_since is not None and now >= muted.in_admin_since:
        queue_answer(appeal, publication, what, approval, actor, now, by_message=False)


def answer_recipients(appeal: Appeal, publication, what: str, approval: str, actor) -> tuple[list[Official], list]:
    """Who is told that an answer waits for them, as (officials, logins without one): for approval,
    where the ministry's head approves it, the appeal's ministry's people who may approve it
    (``access.may_approve``: the head and the deputies — the rule the services check), otherwise (or
    when none can be reached) the press service's operators; returned, failed or unknown, its
    drafter, or when there is none the appeal's assignee, or else the operators. Never the person
    who made the change."""
    officials, users = [], []
    if what == "approval":
        if approval == Approval.HEAD and appeal.ministry_id:
            candidates = (
                Official.objects.filter(REACHABLE, ministry_id=appeal.ministry_id, user__is_active=True)
                .exclude(role=Official.Role.SPECIALIST)  # only narrows the candidates; the rule decides
                .select_related("ministry", "user")
                .order_by("pk")
            )
            officials = [official for official in candidates if access.may_approve(official.user, appeal, approval)]
    else:
        drafter = publication.drafted_by
        official = Official.objects.select_related("ministry").filter(user=drafter).first() if drafter else None
        if reachable(official):
            officials = [official]
        elif drafter is not None and drafter.is_active:
            users = [drafter]
        elif appeal.assignee_id and reachable(appeal.assignee):
            officials = [appeal.assignee]
    if not officials and not users:
        users = list(operator_users())
    me = actor.pk if actor is not None else None
    return [o for o in officials if o.user_id is None or o.user_id != me], [u for u in users if u.pk != me]


def queue_answer(
    appeal: Appeal, publication, what: str, approval: str, actor, now: datetime, *, by_message: bool = True
) -> None:
    """Tell the ``answer_recipients`` about the answer: a notice in the admin (the bell; written as
    delivered) and (``by_message``) by e-mail and Telegram at once; the press service's mailbox too
    when the operators are told."""
    kind = ANSWER_KINDS[what]
    officials, users = answer_recipients(appeal, publication, what, approval, actor)
    queued = []
    bell = {"kind": kind, "channel": Channel.ADMIN, "appeal": appeal, "created_at": now, "next_attempt_at": now}
    for official in officials:
        if official.user_id:
            queued.append(
                Notification(
                    **bell,
                    recipient_official=official,
                    recipient_user_id=official.user_id,
                    recipient_name=official.full_name,
                    sent_at=now,
                )
            )
        if by_message:
            # A login without an e-mail address has the bell: no message bound to fail.
            told = [r for r in official_recipients(official) if r.address or not official.user_id]
            queued += _notifications(told, kind, now, appeal=appeal)
    for user in users:
        name = user.get_full_name() or user.get_username()
        queued.append(Notification(**bell, recipient_user=user, recipient_name=name, sent_at=now))
        if by_message and user.email:
            queued += _notifications(
                [Recipient(Channel.EMAIL, user.email, name, user_id=user.pk)], kind, now, appeal=appeal
            )
    if by_message and not officials and settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL:
        queued += _notifications(
            [Recipient(Channel.EMAIL, settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL, _("press service"))],
            kind,
            now,
            appeal=appeal,
        )
    Notification.objects.bulk_create(queued)


def _answer_event(notification: Notification) -> AppealEvent | None:
    """The appeal's event an answer's notice tells about: the newest of its kind when it was queued."""
    return (
        AppealEvent.objects.filter(
            appeal_id=notification.appeal_id,
            kind=ANSWER_EVENTS[notification.kind],
            at__lte=notification.created_at,
        )
        .order_by("-at", "-id")
        .first()
    )


def inbox(user) -> QuerySet:
    """A person's notices in the admin (the bell), newest first: addressed to their login, about
    appeals they may see now (a login without access, or an appeal moved away, shows nothing)."""
    notices = Notification.objects.filter(channel=Channel.ADMIN, recipient_user=user)
    return access.related_for(user, notices).order_by("-created_at", "-id")


def mark_read(user, ids=None, now: datetime | None = None) -> int:
    """Mark the person's unread notices (these ``ids``, or all) as read; returns how many."""
    now = now or timezone.now()
    unread = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now)


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


def render(notification: Notification, now: datetime | None = None, companions=()) -> tuple[str, str, str]:
    """(subject, text, html) of a notification, in the interface language; with ``companions``
    (``claim_companions``), of the one message that lists them all."""
    now = now or timezone.now()
    context = {
        "notification": notification,
        "appeal": notification.appeal,
        "now": now,
        "base_url": settings.GOVFEEDBACK_BASE_URL.rstrip("/"),
        "to_you": notification.appeal is not None
        and notification.appeal.assignee_id == notification.recipient_official_id,
    }
    if notification.appeal_id:
        context["appeal_url"] = appeal_url(notification.appeal_id)
    name = f"notifications/{notification.kind}"
    if notification.kind == Notification.Kind.DIGEST:
        context.update(_digest_context(notification, now))
        context["assigned"] = [_listed(companion.appeal) for companion in companions]
    elif companions:
        listed = [notification.appeal, *(companion.appeal for companion in companions)]
        context["appeals"] = [_listed(appeal) for appeal in listed]
        context["to_you"] = all(appeal.assignee_id == notification.recipient_official_id for appeal in listed)
        name = "notifications/many"
    if notification.kind in ANSWER_EVENTS:
        context["event"] = _answer_event(notification)
    if notification.spike_id:
        context["spike"] = notification.spike
        context["dashboard_url"] = settings.GOVFEEDBACK_BASE_URL.rstrip("/") + reverse("admin:analytics_dashboard")
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
    """Send through the bot. The bot's token goes into the URL: it is checked and quoted, no
    exception's text (which may hold the URL) becomes a reason, and the token is scrubbed from any
    reason as the last line of defence."""
    from appeals.publishing.platforms import scrub
    from ministries.tokens import token_problem

    token = settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN
    if not token:
        raise PermanentFailure(_("The Telegram bot is not configured (GOVFEEDBACK_TELEGRAM_BOT_TOKEN)."))
    if token_problem("telegram", token):
        raise PermanentFailure(_("The Telegram bot's token (GOVFEEDBACK_TELEGRAM_BOT_TOKEN) is not a valid bot token."))
    try:
        _call_telegram(token, notification.address, f"{subject}\n\n{text}"[:4096])
    except PermanentFailure as failure:
        raise PermanentFailure(scrub(str(failure), token)) from None
    except outbox.Temporary as error:
        raise outbox.Temporary(scrub(str(error), token), retry_after=error.retry_after) from None


def _call_telegram(token: str, chat: str, message: str) -> None:
    url = f"{settings.GOVFEEDBACK_TELEGRAM_API_URL.rstrip('/')}/bot{urllib.parse.quote(token, safe=':')}/sendMessage"
    body = json.dumps({"chat_id": chat, "text": message}).encode()
    try:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=settings.GOVFEEDBACK_TELEGRAM_TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        try:
            answer = json.loads(error.read() or b"{}")
        except ValueError:
            answer = {}
        description = str(answer.get("description", "") if isinstance(answer, dict) else "")[:500]
        if 400 <= error.code < 500 and error.code != 429:
            raise PermanentFailure(f"Telegram {error.code}: {description}") from None
        parameters = answer.get("parameters") if isinstance(answer, dict) else None
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise outbox.Temporary(
            f"Telegram {error.code}: {description}",
            retry_after=retry_after if isinstance(retry_after, int) and retry_after > 0 else None,
        ) from None
    except urllib.error.URLError as error:
        raise outbox.Temporary(
            _("Telegram cannot be reached (%(error)s).") % {"error": type(error.reason).__name__}
        ) from None
    except (http.client.InvalidURL, ValueError):
        # Refused before anything was sent; its text holds the URL, and the URL the token.
        raise PermanentFailure(
            _("The request to Telegram could not be made: check GOVFEEDBACK_TELEGRAM_API_URL and the bot's token.")
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise outbox.Temporary(_("No answer from Telegram (%(error)s).") % {"error": type(error).__name__}) from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict) or not answer.get("ok"):
        description = str(answer.get("description", "") if isinstance(answer, dict) else "")[:500]
        raise outbox.Temporary(f"Telegram: {description or '?'}")


def deliver(notification: Notification, now: datetime | None = None, companions=()) -> None:
    subject, text, html = render(notification, now, companions)
    if notification.channel == Channel.TELEGRAM:
        _send_telegram(notification, subject, text)
    else:
        _send_email(notification, subject, text, html)


def _lease() -> timedelta:
    return timedelta(seconds=settings.GOVFEEDBACK_NOTIFY_LEASE_SECONDS)


def send_pending(now: datetime | None = None, limit: int = 500) -> int:
    """Deliver up to ``limit`` notifications that are due; return how many were sent
    (``appeals.outbox.drain``: claimed with a lease, delivered outside any transaction, retried with
    backoff, given up at once on a ``PermanentFailure``).

    ``now`` decides what is due; the leases, outcomes and next attempts are timed when they happen
    (``now`` advanced by the real time elapsed, as ``outbox.drain`` does).
    """
    now = now or timezone.now()
    started = timezone.now()
    with_others = 0

    def clock() -> datetime:
        return now + (timezone.now() - started)

    def sent(notification: Notification, companions: list[int]) -> None:
        nonlocal with_others
        at = clock()
        outbox.record_sent(Notification, notification.pk, at, sent_with=None)  # it carried the message
        with_others += Notification.objects.filter(pk__in=companions).update(
            sent_at=at, locked_until=None, last_error=""
        )

    done = outbox.drain(
        Notification.objects.all(),
        now=now,
        limit=limit,
        lease=_lease(),
        max_attempts=settings.GOVFEEDBACK_NOTIFY_MAX_ATTEMPTS,
        load=lambda pk: Notification.objects.select_related("appeal", "recipient_official__ministry").get(pk=pk),
        deliver=lambda notification, now: deliver_together(notification, now, at=clock()),
        on_sent=sent,
    )
    return len(done.sent) + with_others


def retry(queryset) -> int:
    """Send these failed or pending notifications again at the next run."""
    return outbox.retry(queryset)


# --- one message for many (on top of the outbox's lease) ------------------------------------------

# Reminders about appeals that are sent together when they wait for one address at once.
TOGETHER = (
    Notification.Kind.DUE_SOON,
    Notification.Kind.OVERDUE,
    Notification.Kind.ESCALATION,
    Notification.Kind.ASSIGNED,
    # Answers waiting for a person: one message listing them (an operator approves many at once).
    Notification.Kind.ANSWER_APPROVAL,
    Notification.Kind.ANSWER_RETURNED,
    Notification.Kind.ANSWER_FAILED,
    Notification.Kind.ANSWER_UNKNOWN,
)
# At most this many rows in one message; the rest go in the next.
MOST_IN_ONE = 100


def companions_of(notification: Notification, now: datetime) -> QuerySet:
    """What goes out in the same message as ``notification`` (held by this sender): the other
    pending, unheld rows of its kind for its address and channel, due by ``now`` — the deadline
    jobs queue a reminder per appeal, and a person gets one message listing them. A digest takes
    in the notices of new appeals that waited for it (``Official.assignment_notices``), due or not."""
    rows = (
        Notification.objects.pending()
        .filter(channel=notification.channel, address=notification.address)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .exclude(pk=notification.pk)
    )
    if notification.kind == Notification.Kind.DIGEST and notification.recipient_official_id:
        return rows.filter(kind=Notification.Kind.ASSIGNED, recipient_official_id=notification.recipient_official_id)
    if notification.kind in TOGETHER and notification.appeal_id:
        return rows.filter(kind=notification.kind, appeal__isnull=False, next_attempt_at__lte=now)
    return rows.none()


def claim_companions(notification: Notification, now: datetime, at: datetime | None = None) -> list[Notification]:
    """Take the lease on ``companions_of(notification)`` for this sender, marked as sent with it.

    One guarded update (``companions_of`` again: pending and unheld) takes them, so that a row
    another sender holds or has sent is never taken twice; the rows it took are those now marked
    with this notification and this lease."""
    lease_until = (at or now) + _lease()
    wanted = list(
        companions_of(notification, now).order_by("created_at", "pk").values_list("pk", flat=True)[: MOST_IN_ONE - 1]
    )
    if not wanted:
        return []
    companions_of(notification, now).filter(pk__in=wanted).update(
        sent_with=notification.pk, locked_until=lease_until, attempts=F("attempts") + 1
    )
    return list(
        Notification.objects.pending()
        .filter(sent_with=notification.pk, locked_until=lease_until)
        .select_related("appeal__ministry", "appeal__assignee", "appeal__topic")
        .order_by("appeal__due_at", "pk")
    )


def deliver_together(notification: Notification, now: datetime, at: datetime | None = None) -> list[int]:
    """``deliver`` the notification with its ``claim_companions`` in one message; the companions
    share its outcome (sent, tried again with backoff, given up, put off). Returns their ids.
    ``now`` decides what is due; ``at`` (default ``now``) is the clock the leases and outcomes take."""
    companions = claim_companions(notification, now, at)
    ids = [companion.pk for companion in companions]
    try:
        deliver(notification, now, companions)
    except outbox.Deferred as deferred:
        Notification.objects.filter(pk__in=ids).update(sent_with=None)
        for pk in ids:
            outbox.release(Notification, pk, deferred.until)
        raise
    except PermanentFailure as failure:
        Notification.objects.filter(pk__in=ids).update(
            gave_up_at=at or now, locked_until=None, last_error=str(failure)[:2000]
        )
        raise
    except Exception as error:
        Notification.objects.filter(pk__in=ids).update(sent_with=None)
        for companion in companions:
            outbox.record_retry(
                Notification, companion, at or now, error, max_attempts=settings.GOVFEEDBACK_NOTIFY_MAX_ATTEMPTS
            )
        raise
    return ids


def _listed(appeal: Appeal) -> dict:
    """An appeal as a message that lists several shows it."""
    return {"appeal": appeal, "url": appeal_url(appeal.pk)}
