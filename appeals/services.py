"""Every change of an appeal's state. Admin actions, API views and tasks call these functions.

Each function runs in a transaction on the locked row, re-checks the state after locking,
refuses an illegal change with ``Refused`` (a message a person understands), writes exactly
one ``AppealEvent`` when something changed, and returns the fresh appeal.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.log import forget, personal_terms
from ministries.models import Approval, Ministry, Official, SocialAccount

from . import access, answers, reaction, routing, routing_model
from .intake import safe_url
from .models import AnswerTemplate, Appeal, AppealEvent, AppealMessage, Publication, Topic
from .publishing import platforms
from .signals import answer_needs_attention, appeal_assigned
from .sla import add_hours, deadline_for, first_answer_deadline, hours_between, policy
from .steps import STEPS

Status = Appeal.Status
EventKind = AppealEvent.Kind


SOURCE_FIELDS = ("thread_id", "permalink", "author_name", "author_external_id", "author_url", "written_at")


class Refused(Exception):
    """A change that is not allowed. ``message`` says why, in the interface language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def _record(appeal: Appeal, kind: str, actor, now: datetime, note: str = "", **data) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal, at=now, actor=actor, actor_name=_actor_name(actor), kind=kind, data=data, note=without_nul(note)
    )


def _lock(appeal: Appeal | int) -> Appeal:
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    try:
        return Appeal.objects.select_for_update().get(pk=pk)
    except Appeal.DoesNotExist:
        raise Refused(_("Appeal #%(id)s does not exist.") % {"id": pk}) from None


def _check_step(appeal: Appeal, step: str, actor=None, *, ministry: Ministry | None = None) -> None:
    """Refuse a step the actor may not take on this appeal, or that its status does not allow.

    ``actor`` None is the system (jobs, intake): it may take every step.
    """
    if actor is not None:
        reason = access.refusal(actor, appeal, step, ministry=ministry)
        if reason:
            raise Refused(reason)
    if not appeal.can(step):
        raise Refused(
            _("Appeal #%(id)s is “%(status)s”: the step “%(step)s” is not allowed.")
            % {"id": appeal.pk, "status": appeal.get_status_display(), "step": STEPS[step].label}
        )


def without_nul(value: str) -> str:
    """Text as the database can store it: PostgreSQL text cannot hold NUL characters."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _required(value: str, message: str) -> str:
    value = without_nul(value or "").strip()
    if not value:
        raise Refused(message)
    return value


def _label(obj) -> str:
    return str(obj) if obj is not None else ""


# The fields _set_deadline may change, for save(update_fields=...).
DEADLINE_FIELDS = ["due_at", "overdue_since", "escalated_at", "reminded_due_soon_at"]


def _set_deadline(appeal: Appeal, due_at: datetime, now: datetime) -> None:
    """Move the deadline. A deadline in the future starts a new cycle: the appeal is no longer
    overdue, and its reminders and escalation will be sent again for the new time."""
    appeal.due_at = due_at
    if due_at > now:
        appeal.overdue_since = appeal.escalated_at = appeal.reminded_due_soon_at = None


def _answered(appeal: Appeal, now: datetime) -> None:
    """The citizen got a public answer: the first-answer clock stops (once)."""
    if appeal.first_answered_at is None:
        appeal.first_answered_at = now


def _official_message(appeal: Appeal, text: str, actor, now: datetime) -> None:
    """The government's public answer joins the appeal's conversation."""
    AppealMessage.objects.create(
        appeal=appeal,
        direction=AppealMessage.Direction.OFFICIAL,
        author_name=_actor_name(actor),
        text=text,
        created_at=now,
    )


def _assigned(appeal: Appeal, previous_ministry_id, previous_assignee_id, actor, now: datetime) -> None:
    """Tell the rest of the system (``signals.appeal_assigned``) inside the change's transaction."""
    appeal_assigned.send(
        Appeal,
        appeal=appeal,
        previous_ministry_id=previous_ministry_id,
        previous_assignee_id=previous_assignee_id,
        actor=actor,
        now=now,
    )


def check_assignment(ministry: Ministry | None, official: Official | None) -> Ministry:
    """The ministry an appeal goes to, or ``Refused`` when the choice is not valid."""
    if ministry is None and official is None:
        raise Refused(_("Choose a ministry or an official."))
    if official is not None:
        if ministry is not None and official.ministry_id != ministry.pk:
            raise Refused(
                _("%(official)s does not work in %(ministry)s: choose an official of that ministry.")
                % {"official": official, "ministry": ministry}
            )
        if not official.is_active:
            raise Refused(_("%(official)s is no longer active.") % {"official": official})
        ministry = ministry or official.ministry
    if not ministry.is_active:
        raise Refused(_("%(ministry)s is no longer active.") % {"ministry": ministry})
    return ministry


def create_appeal(
    *,
    text: str,
    account: SocialAccount | None = None,
    external_id: str = "",
    received_at: datetime | None = None,
    topic: Topic | None = None,
    actor=None,
    now: datetime | None = None,
    **source,
) -> tuple[Appeal, bool]:
    """Store a new appeal; return ``(appeal, created)``.

    An appeal that a platform delivers again (same account and message id) is not stored twice:
    the existing one comes back with ``created=False``. An appeal that arrives in a ministry's
    group or on an official's page starts in that ministry's queue.
    """
    now = now or timezone.now()
    text = _required(text, _("An appeal needs a text."))
    source = {field: without_nul(value) for field, value in source.items()}
    unknown = set(source) - set(SOURCE_FIELDS)
    if unknown:
        raise TypeError(f"create_appeal() got unexpected fields: {sorted(unknown)}")
    if external_id and account is None:
        raise Refused(_("A platform message id needs the account it arrived on."))
    received_at = received_at or now
    ministry = account.ministry if account is not None else None
    # The municipality and the classifier's opinion go in with the appeal (no second write).
    predicted, confidence = routing.predict_topic(text) if topic is None else (None, None)
    try:
        # A platform's message delivered again fails the unique (account, message id) here.
        with transaction.atomic():
            appeal = Appeal.objects.create(
                account=account,
                external_id=external_id,
                text=text,
                received_at=received_at,
                topic=topic,
                topic_confidence=confidence,
                municipality_id=routing.detect_municipality(text),
                ministry=ministry,
                status=Status.ASSIGNED if ministry else Status.NEW,
                due_at=deadline_for(received_at, topic),
                first_answer_due_at=first_answer_deadline(received_at, topic),
                **source,
            )
            _record(appeal, EventKind.CREATED, actor, now, ministry=[None, _label(ministry)] if ministry else None)
            if ministry is not None:
                _assigned(appeal, None, None, actor, now)
    except IntegrityError:
        if not external_id:
            raise
        return Appeal.objects.get(account=account, external_id=external_id), False
    return _route(appeal, now, predicted), True


def _route(appeal: Appeal, now: datetime, predicted: str | None) -> Appeal:
    """A new appeal's topic (the classifier's ``predicted`` code, set if it is sure) and ministry
    (the first matching routing rule, else the routing model when it is sure enough), each change by
    the system with its history event."""
    topic = routing.active_topic(predicted) if routing.confident(appeal.topic_confidence or 0.0) else None
    if topic is not None:
        appeal = set_topic(appeal, topic=topic, now=now)
    if appeal.ministry_id is None and (rule := routing.first_rule(appeal)) is not None:
        appeal = assign(
            appeal,
            ministry=rule.ministry,
            official=rule.official,
            note=_("Routing rule: %(rule)s") % {"rule": rule.name},
            now=now,
        )
    if appeal.ministry_id is None and (route := routing_model.auto_route(appeal)) is not None:
        # No rule matched: the model learnt from history, when it is as sure as the operators require.
        appeal = assign(
            appeal,
            ministry=route.ministry,
            official=route.official,
            note=_("Routing model: %(percent)s%% sure") % {"percent": route.percent},
            now=now,
        )
    return appeal


def assign(
    appeal: Appeal | int,
    *,
    ministry: Ministry | None = None,
    official: Official | None = None,
    actor=None,
    note: str = "",
    now: datetime | None = None,
) -> Appeal:
    """Give the appeal to a ministry and/or an official of it.

    A new ministry without an official clears the assignee; any change puts the appeal back to
    "assigned" so the new assignee starts it.
    """
    now = now or timezone.now()
    ministry = check_assignment(ministry, official)
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "assign", actor, ministry=ministry)
        if official is None and appeal.ministry_id == ministry.pk:
            official = appeal.assignee
        if appeal.ministry_id == ministry.pk and appeal.assignee_id == (official.pk if official else None):
            return appeal
        previous = appeal.ministry_id, appeal.assignee_id
        change = {
            "ministry": [_label(appeal.ministry), _label(ministry)],
            "assignee": [_label(appeal.assignee), _label(official)],
            "status": [appeal.status, Status.ASSIGNED],
        }
        appeal.ministry, appeal.assignee, appeal.status = ministry, official, Status.ASSIGNED
        appeal.save(update_fields=["ministry", "assignee", "status"])
        _record(appeal, EventKind.ASSIGNED, actor, now, note, ministry_id=ministry.pk, **change)
        _assigned(appeal, *previous, actor, now)
    return appeal


def set_topic(appeal: Appeal | int, *, topic: Topic, actor=None, now: datetime | None = None) -> Appeal:
    """Correct the topic. An open appeal whose deadline was never extended gets the topic's deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "set_topic", actor)
        if appeal.topic_id == topic.pk:
            return appeal
        change = {"topic": [_label(appeal.topic), _label(topic)]}
        if actor is not None and appeal.topic_set_by == "system":
            # An operator corrects the classifier: the prediction and the correction are kept.
            change["correction"] = {
                "predicted": appeal.topic.code if appeal.topic else None,
                "confidence": appeal.topic_confidence,
                "corrected": topic.code,
            }
        appeal.topic, appeal.topic_set_by = topic, "person" if actor is not None else "system"
        if appeal.is_open and not appeal.extension_reason:
            due_at = deadline_for(appeal.received_at, topic)
            change["due_at"] = [appeal.due_at.isoformat(), due_at.isoformat()]
            _set_deadline(appeal, due_at, now)
        if appeal.is_open and appeal.first_answered_at is None:
            appeal.first_answer_due_at = first_answer_deadline(appeal.received_at, topic)
        appeal.save(update_fields=["topic", "topic_set_by", "first_answer_due_at", *DEADLINE_FIELDS])
        _record(appeal, EventKind.TOPIC_SET, actor, now, topic_code=topic.code, **change)
    return appeal


def triage(
    appeal: Appeal | int,
    *,
    topic: Topic | None = None,
    ministry: Ministry | None = None,
    official: Official | None = None,
    actor=None,
    now: datetime | None = None,
) -> Appeal:
    """Route an appeal in one step: its topic and where it goes (a ministry and/or an official),
    together or not at all. Each change is ``set_topic``'s and ``assign``'s, with their events
    (the classifier's accuracy and the reports read them); a refusal of either changes nothing."""
    now = now or timezone.now()
    if topic is None and ministry is None and official is None:
        raise Refused(_("Choose a topic, a ministry or an official."))
    with transaction.atomic():
        if topic is not None:
            appeal = set_topic(appeal, topic=topic, actor=actor, now=now)
        if ministry is not None or official is not None:
            appeal = assign(appeal, ministry=ministry, official=official, actor=actor, now=now)
    return appeal


def start_work(appeal: Appeal | int, *, actor=None, now: datetime | None = None) -> Appeal:
    """Take the appeal into work, or resume it after the citizen answered.

    If waiting for the citizen stopped the clock, the deadline moves by the time spent waiting
    (in the topic's calendar or working hours).
    """
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "start", actor)
        if appeal.ministry_id is None:
            raise Refused(_("Assign appeal #%(id)s to a ministry first.") % {"id": appeal.pk})
        change = {"status": [appeal.status, Status.IN_PROGRESS]}
        appeal.status = Status.IN_PROGRESS
        if appeal.paused_at is not None:
            _hours, mode, _pause = policy(appeal.topic)
            waited = hours_between(appeal.paused_at, now, mode)
            due_at = add_hours(appeal.due_at, waited, mode)
            change["due_at"] = [appeal.due_at.isoformat(), due_at.isoformat()]
            change["waited_hours"] = round(waited, 2)
            _set_deadline(appeal, due_at, now)
            appeal.paused_at = None
        appeal.save(update_fields=["status", "paused_at", *DEADLINE_FIELDS])
        _record(appeal, EventKind.STARTED, actor, now, **change)
    return appeal


def ask_citizen(appeal: Appeal | int, *, question: str, actor=None, now: datetime | None = None) -> Appeal:
    """Ask the citizen for clarification; the appeal waits for the answer."""
    now = now or timezone.now()
    question = _required(question, _("Write the question to the citizen."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "ask_citizen", actor)
        change = {"status": [appeal.status, Status.AWAITING_CITIZEN]}
        appeal.status = Status.AWAITING_CITIZEN
        _answered(appeal, now)  # the question is a public answer
        _hours, _mode, pause = policy(appeal.topic)
        if pause:
            appeal.paused_at = now
        appeal.save(update_fields=["status", "first_answered_at", "paused_at"])
        _official_message(appeal, question, actor, now)
        _record(appeal, EventKind.AWAITING_CITIZEN, actor, now, question, clock_stopped=pause, **change)
    return appeal


def reply(appeal: Appeal | int, *, text: str, answer_url: str = "", actor=None, now: datetime | None = None) -> Appeal:
    """Publish an interim answer to the citizen (e.g. "passed to the ministry"); the appeal stays open.

    Where the appeal's account can publish, the answer is queued for its platform (or awaits
    approval): the first answer counts when the platform confirms it, and the link is the
    publication's. Elsewhere the person has published it by hand and gives the link.
    """
    now = now or timezone.now()
    text = _required(text, _("Write the answer to the citizen."))
    answer_url = without_nul(answer_url)
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "reply", actor)
        _refuse_while_resolution_queued(appeal)
        if publishing_refusal(appeal) is None:
            _answer_through_platform(appeal, text, answer_url, resolves=False, actor=actor, now=now)
            return appeal
        first = appeal.first_answered_at is None
        _answered(appeal, now)
        appeal.save(update_fields=["first_answered_at"])
        _official_message(appeal, text, actor, now)
        _record(appeal, EventKind.REPLIED, actor, now, text, first_answer=first, answer_url=answer_url)
    return appeal


def extend(appeal: Appeal | int, *, due_at: datetime, reason: str, actor=None, now: datetime | None = None) -> Appeal:
    """Move the deadline later, with a reason. A deadline in the future clears the overdue flag."""
    now = now or timezone.now()
    reason = _required(reason, _("Give the reason for the extension."))
    if due_at is None or due_at <= now:
        raise Refused(_("The new deadline must be in the future."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "extend", actor)
        if due_at <= appeal.due_at:
            raise Refused(
                _("The new deadline must be later than the current one (%(due)s).")
                % {"due": timezone.localtime(appeal.due_at).strftime("%d.%m.%Y %H:%M")}
            )
        change = {"due_at": [appeal.due_at.isoformat(), due_at.isoformat()]}
        appeal.extension_reason = reason
        _set_deadline(appeal, due_at, now)
        appeal.save(update_fields=["extension_reason", *DEADLINE_FIELDS])
        _record(appeal, EventKind.EXTENDED, actor, now, reason, **change)
    return appeal


def resolve(
    appeal: Appeal | int, *, answer: str, answer_url: str = "", actor=None, now: datetime | None = None
) -> Appeal:
    """Close the appeal with the answer given to the citizen.

    Where the appeal's account can publish, the answer is queued for its platform (after approval
    where it needs one) and the appeal stays open until the platform confirms the publication: then
    it is resolved, the first answer counts and the link is filled (``record_published``).
    Elsewhere the person has published it by hand and gives the link: it is resolved now.
    """
    now = now or timezone.now()
    answer = _required(answer, _("Write the answer to the citizen."))
    answer_url = without_nul(answer_url)
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "resolve", actor)
        _refuse_while_resolution_queued(appeal)
        if publishing_refusal(appeal) is None:
            _answer_through_platform(appeal, answer, answer_url, resolves=True, actor=actor, now=now)
            return appeal
        cancelled = _cancel_awaiting(appeal)
        _close(appeal, answer, answer_url, actor, now, answered=True, **_cancelled(cancelled))
        _official_message(appeal, answer, actor, now)
        answer_duplicates(appeal, answer, answer_url, actor, now)
    return appeal


def _close(appeal: Appeal, answer: str, answer_url: str, actor, now: datetime, *, answered: bool, **data) -> None:
    """Resolve the locked ``appeal`` with ``answer`` (its "resolved" event included); ``answered``:
    the citizen has seen the answer (published by hand), so the first-answer clock stops."""
    change = {"status": [appeal.status, Status.RESOLVED]}
    appeal.status, appeal.resolved_at, appeal.paused_at = Status.RESOLVED, now, None
    appeal.answer, appeal.answer_url = answer, answer_url
    if answered:
        _answered(appeal, now)
    appeal.save(update_fields=["status", "resolved_at", "answer", "answer_url", "paused_at", "first_answered_at"])
    _record(
        appeal,
        EventKind.RESOLVED,
        actor,
        now,
        answer,
        on_time=now <= appeal.due_at,
        answer_url=answer_url,
        **data,
        **change,
    )


def answer_duplicates(appeal: Appeal, answer: str, answer_url: str, actor, now: datetime) -> None:
    """The original's answer was published: its confirmed duplicates' histories say so, with the link.

    Only what is true: the duplicates' citizens were not answered (the reply is under the original's
    post, addressed to its author), so their first-answer clocks do not stop and their conversations
    get no official message. Nor is the text published under them by itself: it names the original's
    author and number. A person answers a duplicate's citizen where it matters (reopen it, reply).
    """
    for copy in Appeal.objects.filter(duplicate_of=appeal).select_for_update():
        _record(copy, EventKind.ORIGINAL_ANSWERED, actor, now, answer, original=appeal.pk, answer_url=answer_url)


def reject(
    appeal: Appeal | int,
    *,
    reason: str,
    duplicate_of: Appeal | int | None = None,
    note: str = "",
    actor=None,
    now: datetime | None = None,
) -> Appeal:
    """Close the appeal as spam, as not an appeal, or as a duplicate of another appeal."""
    now = now or timezone.now()
    note = without_nul(note)
    if reason not in Appeal.RejectionReason.values:
        raise Refused(_("Choose why the appeal is rejected: spam, not an appeal or a duplicate."))
    duplicate_pk = duplicate_of.pk if isinstance(duplicate_of, Appeal) else duplicate_of
    if reason == Appeal.RejectionReason.DUPLICATE and not duplicate_pk:
        raise Refused(_("Give the number of the appeal this one duplicates."))
    if reason != Appeal.RejectionReason.DUPLICATE:
        duplicate_pk = None
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "reject", actor)
        _refuse_while_resolution_queued(appeal)
        if duplicate_pk is not None:
            if duplicate_pk == appeal.pk:
                raise Refused(_("An appeal cannot be a duplicate of itself."))
            # Looked up in the actor's scope: another ministry's appeal is as absent as a missing one.
            originals = Appeal.objects.filter(pk=duplicate_pk)
            if actor is not None:
                originals = access.appeals_for(actor, originals)
            if not originals.exists():
                raise Refused(_("There is no appeal #%(id)s among the appeals you can see.") % {"id": duplicate_pk})
        change = {"status": [appeal.status, Status.REJECTED]}
        appeal.status, appeal.rejection_reason, appeal.duplicate_of_id = Status.REJECTED, reason, duplicate_pk
        appeal.paused_at = None
        appeal.save(update_fields=["status", "rejection_reason", "duplicate_of", "paused_at"])
        cancelled = _cancelled(_cancel_awaiting(appeal))
        _record(
            appeal,
            EventKind.REJECTED,
            actor,
            now,
            note,
            reason=reason,
            duplicate_of=duplicate_pk,
            **change,
            **cancelled,
        )
    return appeal


def reopen(appeal: Appeal | int, *, reason: str, actor=None, now: datetime | None = None) -> Appeal:
    """Open a resolved or rejected appeal again, with a fresh deadline from now."""
    now = now or timezone.now()
    reason = _required(reason, _("Give the reason for reopening."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "reopen", actor)
        status = Status.ASSIGNED if appeal.ministry_id else Status.NEW
        change = {"status": [appeal.status, status]}
        appeal.status = status
        appeal.resolved_at, appeal.answer, appeal.answer_url = None, "", ""
        appeal.rejection_reason, appeal.duplicate_of = "", None
        appeal.extension_reason = ""
        appeal.reacted_at = None  # the citizen's reply after the answer is dealt with by reopening
        _set_deadline(appeal, deadline_for(now, appeal.topic), now)
        appeal.save()
        _record(appeal, EventKind.REOPENED, actor, now, reason, **change, **_cancelled(_cancel_awaiting(appeal)))
    return appeal


def comment(appeal: Appeal | int, *, note: str, actor=None, now: datetime | None = None) -> AppealEvent:
    """Add an internal note to the history (any status)."""
    now = now or timezone.now()
    note = _required(note, _("Write the comment."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "comment", actor)
        return _record(appeal, EventKind.COMMENTED, actor, now, note)


# --- answers published through the platforms -------------------------------------------------
# A person's answer becomes a Publication (appeals/publishing/models.py): drafted, approved where
# the setting says (appeals/answers.py), queued for the delivery worker, then published or failed
# (record_published, record_publication_failed). At most one answer of an appeal is "in hand" (a
# draft, returned, or awaiting approval): these services keep it so under the appeal's lock.

AnswerStatus = Publication.Status
IN_HAND = (AnswerStatus.DRAFT, AnswerStatus.RETURNED, AnswerStatus.AWAITING_APPROVAL)


def _same_lines(text: str) -> str:
    """A text as compared and stored: one kind of line end (a form sends CR LF), no NUL, stripped."""
    return without_nul(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _refuse_while_resolution_queued(appeal: Appeal) -> None:
    """A resolving answer is on its way to the platform: the appeal is resolved when it is published,
    so nothing else may answer or close it meanwhile."""
    if Publication.objects.filter(appeal=appeal, status=AnswerStatus.QUEUED, resolves=True).exists():
        raise Refused(
            _(
                "The answer that resolves appeal #%(id)s is queued for publishing: the appeal is resolved when the "
                "platform confirms it. Wait for the publication (or for its failure) first."
            )
            % {"id": appeal.pk}
        )


def _refuse_the_same_answer_twice(appeal: Appeal, text: str) -> None:
    """The same text is already queued or awaiting approval (a form sent twice): not again."""
    waiting = Publication.objects.filter(
        appeal=appeal, status__in=(AnswerStatus.QUEUED, AnswerStatus.AWAITING_APPROVAL)
    ).values_list("text", flat=True)
    if any(_same_lines(other) == text for other in waiting):
        raise Refused(
            _("This answer to appeal #%(id)s is already queued for publishing or awaiting approval.")
            % {"id": appeal.pk}
        )


def _cancelled(ids: list[int]) -> dict:
    """The event's data naming the answers a step cancelled (none: nothing)."""
    return {"cancelled_answers": ids} if ids else {}


def _cancel_awaiting(appeal: Appeal) -> list[int]:
    """Delete the locked appeal's answers awaiting approval (it is closed or reopened: they are no
    longer what anyone would approve). Returns their ids, for the step's one event."""
    ids = list(
        Publication.objects.select_for_update()
        .filter(appeal=appeal, status=AnswerStatus.AWAITING_APPROVAL)
        .values_list("pk", flat=True)
    )
    if ids:
        Publication.objects.filter(pk__in=ids).delete()
    return ids


def publishing_refusal(appeal: Appeal) -> str | None:
    """Why an answer to ``appeal`` cannot be published through its platform's API (None when it
    can): its answer is then published by hand and the link typed in."""
    return platforms.unanswerable_reason(appeal)


def _latest_answer(appeal: Appeal, statuses) -> Publication | None:
    """The appeal's newest answer in one of ``statuses``, locked (the appeal is locked already)."""
    return (
        Publication.objects.select_for_update()
        .filter(appeal=appeal, status__in=statuses)
        .order_by("-created_at", "-id")
        .first()
    )


def _answer_in_hand(appeal: Appeal, statuses=IN_HAND, pk: int | None = None) -> Publication:
    """The answer a step acts on: the one ``pk`` names (the page's form says which), else the newest
    in ``statuses``; locked. Refused when it is not (or no longer) in ``statuses``."""
    if pk is not None:
        publication = Publication.objects.select_for_update().filter(appeal=appeal, pk=pk, status__in=statuses).first()
    else:
        publication = _latest_answer(appeal, statuses)
    if publication is None:
        raise Refused(
            _("Appeal #%(id)s has no answer that is “%(status)s”.")
            % {"id": appeal.pk, "status": " / ".join(str(AnswerStatus(status).label) for status in statuses)}
        )
    return publication


def _needs_attention(appeal: Appeal, publication: Publication, what: str, actor, now: datetime, approval="") -> None:
    """Tell the rest of the system (``signals.answer_needs_attention``) inside the change's transaction:
    the notifications app tells the approvers, or the drafter."""
    answer_needs_attention.send(
        Appeal, appeal=appeal, publication=publication, what=what, approval=approval, actor=actor, now=now
    )


def check_answer(appeal: Appeal, text: str) -> str:
    """The answer as it will be published on ``appeal``'s platform, or ``Refused``: why it cannot
    be (the platform cannot be answered, the text is empty, a placeholder is left, it is too long).
    Checked before anything is queued."""
    reason = publishing_refusal(appeal)
    if reason:
        raise Refused(reason)
    text = _same_lines(text)
    if not text:
        raise Refused(_("The answer is empty: write it or choose a template."))
    left = answers.unfilled(text)
    if left:
        message = ngettext(
            "Fill in %(names)s: the placeholder is left in the answer.",
            "Fill in %(names)s: the placeholders are left in the answer.",
            len(left),
        ) % {"names": ", ".join(left)}
        if "{имя}" in left:
            message += " " + _(
                "The citizen's name is not known (the platform gave only their id): edit the greeting — write the "
                "name or remove {имя}."
            )
        raise Refused(message)
    limit, length = platforms.length_limit(appeal), answers.measure(text, appeal.account.platform)
    if length > limit:
        platform = appeal.account.get_platform_display()
        message = ngettext(
            "The answer is %(length)d characters long; %(platform)s accepts at most %(limit)d character here: "
            "shorten it.",
            "The answer is %(length)d characters long; %(platform)s accepts at most %(limit)d characters here: "
            "shorten it.",
            limit,
        ) % {"length": length, "limit": limit, "platform": platform}
        if length > len(text):  # counted in UTF-16 code units (answers.measure)
            message += " " + _("%(platform)s counts an emoji as two characters.") % {"platform": platform}
        raise Refused(message)
    return text


def _answer_text(appeal: Appeal, text: str, template: AnswerTemplate | None, works_date) -> str:
    """The drafter's text, or the template's when the text is empty, with the placeholders filled."""
    text = without_nul(text or "").strip()
    if not text and template is not None:
        if not AnswerTemplate.objects.for_appeal(appeal).filter(pk=template.pk).exists():
            raise Refused(_("The template “%(template)s” is not for this appeal.") % {"template": template})
        text = template.text
    text = answers.render(text, appeal, works_date).strip()
    if not text:
        raise Refused(_("The answer is empty: write it or choose a template."))
    return text


def _queue_answer(appeal: Appeal, publication: Publication, actor, now: datetime, *, kind: str, note: str = "") -> None:
    """Put the locked ``publication`` in the sender's queue. An answer that resolves the appeal
    leaves it open: it is resolved when the platform confirms the publication (``record_published``),
    as the citizen sees it."""
    publication.save(update_fields=publication.queue(now))
    if kind:
        _record(appeal, kind, actor, now, note, publication=publication.pk, resolves=publication.resolves)


def _submit(appeal: Appeal, publication: Publication, actor, now: datetime) -> None:
    """A checked answer goes for approval when its approver is someone else, else to the queue."""
    approval = answers.approval_for(appeal)
    if actor is not None and access.approval_refusal(actor, appeal, approval):
        publication.status = AnswerStatus.AWAITING_APPROVAL
        publication.save(update_fields=["status"])
        _record(
            appeal,
            EventKind.ANSWER_SUBMITTED,
            actor,
            now,
            publication.text,
            publication=publication.pk,
            approval=approval,
        )
        _needs_attention(appeal, publication, "approval", actor, now, approval)
        return
    if approval != Approval.NONE and actor is not None:  # the approver answered themselves
        publication.approved_by, publication.approved_at = actor, now
        publication.save(update_fields=["approved_by", "approved_at"])
    _queue_answer(appeal, publication, actor, now, kind=EventKind.ANSWER_QUEUED, note=publication.text)


def _answer_through_platform(
    appeal: Appeal, text: str, answer_url: str, *, resolves: bool, actor, now: datetime
) -> Publication:
    """``reply`` and ``resolve`` where the platform can be answered: the answer (the one in hand,
    if a draft exists) is checked and submitted."""
    if answer_url:
        raise Refused(
            _(
                "This answer is published from the account by the system, and its link is filled in when the "
                "platform confirms it: leave the link empty."
            )
        )
    text = check_answer(appeal, answers.render(text, appeal))
    _refuse_the_same_answer_twice(appeal, text)
    publication = _latest_answer(appeal, IN_HAND) or Publication(appeal=appeal, account=appeal.account, created_at=now)
    publication.text, publication.resolves, publication.drafted_by = text, resolves, actor
    publication.status, publication.return_comment = AnswerStatus.DRAFT, ""
    publication.save()
    _submit(appeal, publication, actor, now)
    return publication


def draft_answer(
    appeal: Appeal | int,
    *,
    text: str = "",
    template: AnswerTemplate | None = None,
    works_date=None,
    resolves: bool = False,
    actor=None,
    now: datetime | None = None,
) -> Publication:
    """Write (or rewrite) the appeal's answer to publish, from a template or not: a draft that
    ``submit_answer`` sends on. Placeholders are filled here; a returned answer becomes a draft again."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "draft_answer", actor)
        reason = publishing_refusal(appeal)
        if reason:
            raise Refused(reason)
        text = _answer_text(appeal, text, template, works_date)
        publication = _latest_answer(appeal, IN_HAND)
        if publication is None:
            publication = Publication(appeal=appeal, account=appeal.account, created_at=now)
        change = {"text": [publication.text, text]} if publication.pk else {}
        publication.text, publication.resolves, publication.drafted_by = text, resolves, actor
        publication.status = AnswerStatus.DRAFT
        publication.save()
        _record(
            appeal,
            EventKind.ANSWER_DRAFTED,
            actor,
            now,
            text,
            publication=publication.pk,
            resolves=resolves,
            template=template.pk if template else None,
            **change,
        )
    return publication


def submit_answer(appeal: Appeal | int, *, actor=None, now: datetime | None = None) -> Publication:
    """Send the drafted answer on: for approval when someone else approves this appeal's answers,
    otherwise to the platform's queue. Refused before anything is queued when it cannot be published."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "submit_answer", actor)
        publication = _answer_in_hand(appeal, (AnswerStatus.DRAFT, AnswerStatus.RETURNED))
        if publication.resolves and not appeal.can("resolve"):
            raise Refused(_("Appeal #%(id)s is closed already.") % {"id": appeal.pk})
        _refuse_while_resolution_queued(appeal)
        publication.text = check_answer(appeal, publication.text)
        _refuse_the_same_answer_twice(appeal, publication.text)
        publication.return_comment = ""
        publication.save(update_fields=["text", "return_comment"])
        _submit(appeal, publication, actor, now)
    return publication


def approve_answer(
    appeal: Appeal | int, *, text: str = "", publication: int | None = None, actor=None, now: datetime | None = None
) -> Publication:
    """Approve the answer awaiting approval, optionally with the approver's edited ``text``: it is
    queued for publishing (and resolves the appeal if it is the resolution)."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "approve_answer", actor)
        if actor is not None and (reason := access.approval_refusal(actor, appeal, answers.approval_for(appeal))):
            raise Refused(reason)
        publication = _answer_in_hand(appeal, (AnswerStatus.AWAITING_APPROVAL,), publication)
        edited = _same_lines(text)
        change = {}
        if edited and edited != _same_lines(publication.text):
            edited = answers.render(edited, appeal)
            change["text"] = [publication.text, edited]
            publication.text = edited
        publication.text = check_answer(appeal, publication.text)
        publication.approved_by, publication.approved_at = actor, now
        publication.save(update_fields=["text", "approved_by", "approved_at"])
        _record(appeal, EventKind.ANSWER_APPROVED, actor, now, publication=publication.pk, **change)
        _queue_answer(appeal, publication, actor, now, kind="")
    return publication


def return_answer(
    appeal: Appeal | int, *, comment: str, publication: int | None = None, actor=None, now: datetime | None = None
) -> Publication:
    """Send the answer awaiting approval back to its drafter with a comment; they edit and resubmit."""
    now = now or timezone.now()
    comment = _required(comment, _("Say what to change in the answer."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "return_answer", actor)
        if actor is not None and (reason := access.approval_refusal(actor, appeal, answers.approval_for(appeal))):
            raise Refused(reason)
        publication = _answer_in_hand(appeal, (AnswerStatus.AWAITING_APPROVAL,), publication)
        publication.status, publication.return_comment = AnswerStatus.RETURNED, comment
        publication.save(update_fields=["status", "return_comment"])
        _record(appeal, EventKind.ANSWER_RETURNED, actor, now, comment, publication=publication.pk)
        _needs_attention(appeal, publication, "returned", actor, now)
    return publication


def cancel_answer(
    appeal: Appeal | int, *, publication: int | None = None, actor=None, now: datetime | None = None
) -> None:
    """Delete the answer in hand (a draft, a returned one, or one awaiting approval)."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "cancel_answer", actor)
        publication = _answer_in_hand(appeal, IN_HAND, publication)
        text, status = publication.text, publication.status
        publication.delete()
        _record(appeal, EventKind.ANSWER_CANCELLED, actor, now, text, status=status)


def retry_answer(
    appeal: Appeal | int,
    *,
    checked: bool = False,
    publication: int | None = None,
    actor=None,
    now: datetime | None = None,
) -> Publication:
    """Queue again the appeal's answer that failed, or whose outcome is unknown — then only when the
    person ``checked`` that it is not on the platform (else it could appear twice). The idempotency
    key stays: where the platform takes one, it cannot publish twice anyway."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "retry_answer", actor)
        publication = _answer_in_hand(appeal, (AnswerStatus.FAILED, AnswerStatus.UNKNOWN), publication)
        if publication.resolves:
            _refuse_while_resolution_queued(appeal)
        if publication.status == AnswerStatus.UNKNOWN and not checked:
            raise Refused(
                _(
                    "Nobody knows whether the answer was published: look for it on the platform first. If it is "
                    "there, confirm the publication with its link; publish again only if it is not."
                )
            )
        publication.text = check_answer(appeal, publication.text)
        previous = {"status": publication.status, "error": publication.last_error}
        publication.save(update_fields=["text"])
        _queue_answer(appeal, publication, actor, now, kind=EventKind.ANSWER_RETRIED, note=previous["error"])
    return publication


def confirm_answer(
    appeal: Appeal | int, *, url: str, publication: int | None = None, actor=None, now: datetime | None = None
) -> Publication:
    """A person found the answer whose outcome was unknown (or that failed) on the platform: it is
    published, with the link they checked (the first answer counts from now)."""
    now = now or timezone.now()
    url = _required(url, _("Paste the link to the published answer."))
    if not safe_url(url):
        raise Refused(_("The link must start with https:// or http://."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "confirm_answer", actor)
        publication = _answer_in_hand(appeal, (AnswerStatus.UNKNOWN, AnswerStatus.FAILED), publication)
        # Its one event ("published", by this person, from the status it had) is record_published's.
        return record_published(publication, url=url, actor=actor, now=now)


def _lock_publication(publication: Publication | int) -> tuple[Appeal, Publication]:
    """The publication's appeal, then the publication, locked (the order every service takes)."""
    pk = publication.pk if isinstance(publication, Publication) else publication
    appeal = _lock(Publication.objects.values_list("appeal_id", flat=True).get(pk=pk))
    return appeal, Publication.objects.select_for_update().get(pk=pk)


def record_published(
    publication: Publication | int, *, external_id: str = "", url: str = "", actor=None, now: datetime | None = None
) -> Publication:
    """The platform confirmed the answer (or a person found it there): the answer is published.

    The first-answer clock stops now, when the citizen can see it (not when it was typed); the
    official's message joins the conversation with its link; an answer that resolves the appeal
    resolves it now (its "resolved" event, ``resolved_at`` and ``on_time`` are the confirmation's),
    fills ``answer_url`` and tells the confirmed duplicates. So this one change writes up to two
    events of the appeal ("resolved", then "answer_published"). A second confirmation of the same
    publication changes nothing.
    """
    now = now or timezone.now()
    url = safe_url(without_nul(url))
    external_id = without_nul(external_id)[:128]
    with transaction.atomic():
        appeal, publication = _lock_publication(publication)
        if publication.status == AnswerStatus.PUBLISHED:
            return publication
        previous = publication.status
        publication.status, publication.sent_at, publication.locked_until = AnswerStatus.PUBLISHED, now, None
        publication.gave_up_at, publication.last_error = None, ""
        publication.external_id, publication.url = external_id, url
        publication.save(
            update_fields=["status", "sent_at", "locked_until", "gave_up_at", "last_error", "external_id", "url"]
        )
        author = actor or publication.drafted_by
        first = appeal.first_answered_at is None
        _answered(appeal, now)
        fields = ["first_answered_at"]
        if publication.resolves:
            resolved_with_it = AppealEvent.objects.filter(
                appeal=appeal, kind=EventKind.RESOLVED, data__publication=publication.pk
            ).exists()
            if not resolved_with_it and appeal.can("resolve"):
                _close(appeal, publication.text, url, author, now, answered=True, publication=publication.pk)
            appeal.answer_url = url
            fields.append("answer_url")
            answer_duplicates(appeal, publication.text, url, author, now)
        appeal.save(update_fields=fields)
        AppealMessage.objects.create(
            appeal=appeal,
            direction=AppealMessage.Direction.OFFICIAL,
            external_id=external_id,
            author_name=_actor_name(author),
            text=publication.text,
            url=url,
            created_at=now,
        )
        _record(
            appeal,
            EventKind.ANSWER_PUBLISHED,
            actor,
            now,
            publication.text,
            publication=publication.pk,
            external_id=external_id,
            answer_url=url,
            first_answer=first,
            status=[previous, AnswerStatus.PUBLISHED],
        )
    return publication


def _record_outcome(publication: Publication | int, status: str, kind: str, reason: str, now: datetime | None):
    now = now or timezone.now()
    reason = without_nul(str(reason))[:2000]
    with transaction.atomic():
        appeal, publication = _lock_publication(publication)
        if publication.status != AnswerStatus.QUEUED:
            return publication  # published, or recorded already by another sender
        previous = publication.status
        publication.status, publication.gave_up_at, publication.locked_until = status, now, None
        publication.last_error = reason
        publication.save(update_fields=["status", "gave_up_at", "locked_until", "last_error"])
        _record(appeal, kind, None, now, reason, publication=publication.pk, status=[previous, status])
        _needs_attention(appeal, publication, status, None, now)
    return publication


def record_publication_failed(publication: Publication | int, *, reason: str, now: datetime | None = None):
    """The platform refused the answer for good (or kept refusing): it is not published, with the
    platform's reason; a person may correct and retry it (``retry_answer``)."""
    return _record_outcome(publication, AnswerStatus.FAILED, EventKind.ANSWER_FAILED, reason, now)


def record_publication_unknown(publication: Publication | int, *, reason: str, now: datetime | None = None):
    """The answer was sent and no answer came back, on a platform without an idempotency key: it may
    or may not be published. Never sent again blindly; a person looks and confirms or retries it."""
    return _record_outcome(publication, AnswerStatus.UNKNOWN, EventKind.ANSWER_UNKNOWN, reason, now)


def name_authors(account_id: int, names: dict[str, str]) -> int:
    """Put the platform's names (``{author's platform id: name}``) on the account's appeals and
    messages still showing the author by the id ("id612345678"). Source data, not a step: no event.
    Returns how many appeals were named."""
    named = 0
    for external_id, name in names.items():
        name = without_nul(name)[: Appeal._meta.get_field("author_name").max_length]
        placeholder = f"id{external_id}"
        named += Appeal.objects.filter(
            account_id=account_id, author_external_id=external_id, author_name=placeholder
        ).update(author_name=name)
        AppealMessage.objects.filter(appeal__account_id=account_id, author_name=placeholder).update(author_name=name)
    return named


def receive_message(account: SocialAccount, draft, *, now: datetime | None = None) -> tuple[str, Appeal | None]:
    """Turn a citizen's message from a platform (an ``intake.Draft``) into the database's truth.

    Returns ``(outcome, appeal)`` with outcome one of "created", "message" (joined the author's
    open appeal in the same thread), "updated" (an edit changed the text; the old one stays in
    the history) or "duplicate" (seen before: nothing changes). Safe under concurrent redelivery:
    the unique platform ids decide.
    """
    now = now or timezone.now()
    for field in ("external_id", "text", "thread_id", "permalink", "author_name", "author_external_id", "author_url"):
        setattr(draft, field, without_nul(getattr(draft, field)))
    if not draft.text.strip():
        raise Refused(_("An appeal needs a text."))
    # Within a worker's transaction no savepoint of its own: a failure there rolls all back anyway.
    with transaction.atomic(savepoint=False):
        appeal = Appeal.objects.select_for_update().filter(account=account, external_id=draft.external_id).first()
        if appeal is not None:
            if draft.is_edit and draft.text != appeal.text:
                _record(appeal, EventKind.EDITED, None, now, text=[appeal.text, draft.text])
                appeal.text = draft.text
                appeal.save(update_fields=["text"])
                return "updated", appeal
            return "duplicate", appeal
        message = (
            AppealMessage.objects.select_for_update()
            .filter(appeal__account=account, external_id=draft.external_id)
            .select_related("appeal")
            .first()
        )
        if message is not None:
            if draft.is_edit and draft.text != message.text:
                _record(
                    message.appeal, EventKind.EDITED, None, now, message=message.pk, text=[message.text, draft.text]
                )
                message.text = draft.text
                message.save(update_fields=["text"])
                return "updated", message.appeal
            return "duplicate", message.appeal
        if draft.thread_id and draft.author_external_id:
            open_appeal = (
                Appeal.objects.open()
                .select_for_update()
                .filter(account=account, thread_id=draft.thread_id, author_external_id=draft.author_external_id)
                .order_by("-received_at")
                .first()
            )
            if open_appeal is not None:
                message = _attach_message(open_appeal, draft, now)
                if message is None:
                    return "duplicate", open_appeal
                _record(open_appeal, EventKind.MESSAGE, None, now, draft.text, message=message.pk)
                return "message", open_appeal
            answered = (
                Appeal.objects.select_for_update()
                .filter(
                    account=account,
                    thread_id=draft.thread_id,
                    author_external_id=draft.author_external_id,
                    status=Status.RESOLVED,
                    resolved_at__gte=now - timedelta(days=settings.GOVFEEDBACK_REACTION_DAYS),
                )
                .order_by("-resolved_at")
                .first()
            )
            if answered is not None and (draft.written_at is None or draft.written_at >= answered.resolved_at):
                return _citizen_reacted(answered, draft, now)
    appeal, created = create_appeal(
        text=draft.text,
        account=account,
        external_id=draft.external_id,
        now=now,
        thread_id=draft.thread_id,
        permalink=draft.permalink,
        author_name=draft.author_name,
        author_external_id=draft.author_external_id,
        author_url=draft.author_url,
        written_at=draft.written_at,
    )
    return ("created" if created else "duplicate"), appeal


def _attach_message(appeal: Appeal, draft, now: datetime) -> AppealMessage | None:
    """The citizen's message joins ``appeal``'s conversation; None if it was seen before.

    A concurrent delivery of this same message may have just created the appeal that the thread
    lookup found (then it is a duplicate, not a follow-up), or the message itself (the unique
    platform id refuses it)."""
    if Appeal.objects.filter(account=appeal.account_id, external_id=draft.external_id).exists():
        return None
    try:
        with transaction.atomic():
            return AppealMessage.objects.create(
                appeal=appeal,
                external_id=draft.external_id,
                author_name=draft.author_name,
                text=draft.text,
                written_at=draft.written_at,
                created_at=now,
            )
    except IntegrityError:
        return None


def _citizen_reacted(appeal: Appeal, draft, now: datetime) -> tuple[str, Appeal]:
    """The citizen wrote in the thread after their appeal was answered and resolved: the message
    joins the appeal, which comes back to the operators' attention (``reacted_at``), and is
    reopened at once when the text clearly says the problem is not solved (``appeals.reaction``)."""
    message = _attach_message(appeal, draft, now)
    if message is None:
        return "duplicate", appeal
    said = reaction.assess(draft.text)
    not_solved = said == reaction.REOPEN
    appeal.reacted_at = now
    appeal.save(update_fields=["reacted_at"])
    _record(
        appeal,
        EventKind.REACTED,
        None,
        now,
        draft.text,
        message=message.pk,
        not_solved=not_solved,
        probably_not_solved=said == reaction.PROBABLY,
    )
    if not_solved:
        excerpt = draft.text if len(draft.text) <= 300 else draft.text[:299] + "…"
        appeal = reopen(
            appeal,
            reason=_("The citizen wrote that the problem is not solved: «%(text)s»") % {"text": excerpt},
            now=now,
        )
    return "message", appeal


def dismiss_reaction(appeal: Appeal | int, *, actor=None, now: datetime | None = None) -> Appeal:
    """The citizen's reply after the answer has been read, and the appeal stays resolved."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "dismiss_reaction", actor)
        if appeal.reacted_at is None:
            raise Refused(_("The citizen has not written since appeal #%(id)s was answered.") % {"id": appeal.pk})
        appeal.reacted_at = None
        appeal.save(update_fields=["reacted_at"])
        _record(appeal, EventKind.REACTION_SEEN, actor, now)
    return appeal


def anonymise_citizen(appeal: Appeal | int, *, reason: str, actor=None, now: datetime | None = None) -> list[int]:
    """Erase a citizen's personal data on request (152-FZ): this appeal and every other appeal
    of the same author on the same account. The texts stay; each appeal's history records it.

    Returns the numbers of the appeals erased (none when they were erased before).
    """
    from .retention import erase

    now = now or timezone.now()
    reason = _required(reason, _("Give the reason for erasing the personal data (e.g. the request's number)."))
    with transaction.atomic():
        appeal = _lock(appeal)
        if actor is not None and not access.scope_for(actor).is_operator:
            raise Refused(_("Only the press service can erase a citizen's personal data."))
        same_author = Appeal.objects.filter(pk=appeal.pk)
        if appeal.author_external_id and appeal.account_id:
            same_author = (
                Appeal.objects.filter(account_id=appeal.account_id, author_external_id=appeal.author_external_id)
                | same_author
            )
        ids = list(
            same_author.filter(anonymised_at__isnull=True)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            terms = [
                term
                for row in Appeal.objects.filter(pk__in=ids).values_list(
                    "author_name", "author_external_id", "external_id", "thread_id"
                )
                for term in personal_terms(*row)
            ]
            erase(ids, now, actor=actor, actor_name=_actor_name(actor), note=reason)
            forget(set(terms))  # what people searched for: the citizen's name and ids
    return ids


def record_refusal(seen: Appeal, *, step: str, message: str, actor=None, now: datetime | None = None):
    """Keep in the history a step refused because someone else changed the appeal first: the
    status the person saw (``seen``, read before the step) allowed it, the current one does not.
    Nobody's attempt is then silently lost. Plain mistakes (a step the status never allowed, bad
    input, missing rights) change nothing and are not recorded. Returns the event or None.
    """
    now = now or timezone.now()
    if step not in STEPS or not seen.can(step):
        return None
    current = Appeal.objects.filter(pk=seen.pk).first()
    if current is None or current.can(step):
        return None
    return _record(current, EventKind.REFUSED, actor, now, message, step=step, seen=seen.status, status=current.status)
