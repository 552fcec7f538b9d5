"""Every change of an appeal's state. Admin actions, API views and tasks call these functions.

Each function runs in a transaction on the locked row, re-checks the state after locking,
refuses an illegal change with ``Refused`` (a message a person understands), writes exactly
one ``AppealEvent`` when something changed, and returns the fresh appeal.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import forget, personal_terms
from ministries.models import Ministry, Official, SocialAccount

from . import access, routing
from .models import Appeal, AppealEvent, AppealMessage, Topic
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
    except IntegrityError:
        if not external_id:
            raise
        return Appeal.objects.get(account=account, external_id=external_id), False
    return _route(appeal, now, predicted), True


def _route(appeal: Appeal, now: datetime, predicted: str | None) -> Appeal:
    """A new appeal's topic (the classifier's ``predicted`` code, set if it is sure) and ministry
    (the first matching routing rule), each change by the system with its history event."""
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
        change = {
            "ministry": [_label(appeal.ministry), _label(ministry)],
            "assignee": [_label(appeal.assignee), _label(official)],
            "status": [appeal.status, Status.ASSIGNED],
        }
        appeal.ministry, appeal.assignee, appeal.status = ministry, official, Status.ASSIGNED
        appeal.save(update_fields=["ministry", "assignee", "status"])
        _record(appeal, EventKind.ASSIGNED, actor, now, note, ministry_id=ministry.pk, **change)
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
    """Publish an interim answer to the citizen (e.g. "passed to the ministry"); the appeal stays open."""
    now = now or timezone.now()
    text = _required(text, _("Write the answer to the citizen."))
    answer_url = without_nul(answer_url)
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "reply", actor)
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
    """Close the appeal with the answer given to the citizen."""
    now = now or timezone.now()
    answer = _required(answer, _("Write the answer to the citizen."))
    answer_url = without_nul(answer_url)
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "resolve", actor)
        change = {"status": [appeal.status, Status.RESOLVED]}
        appeal.status, appeal.resolved_at, appeal.paused_at = Status.RESOLVED, now, None
        appeal.answer, appeal.answer_url = answer, answer_url
        _answered(appeal, now)
        appeal.save(update_fields=["status", "resolved_at", "answer", "answer_url", "paused_at", "first_answered_at"])
        _official_message(appeal, answer, actor, now)
        # Answering the original answers its confirmed duplicates too.
        for copy in Appeal.objects.filter(duplicate_of=appeal).select_for_update():
            _official_message(copy, answer, actor, now)
            _answered(copy, now)
            copy.save(update_fields=["first_answered_at"])
            _record(copy, EventKind.REPLIED, actor, now, answer, through_original=appeal.pk)
        _record(
            appeal,
            EventKind.RESOLVED,
            actor,
            now,
            answer,
            on_time=now <= appeal.due_at,
            answer_url=answer_url,
            **change,
        )
    return appeal


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
        _record(appeal, EventKind.REJECTED, actor, now, note, reason=reason, duplicate_of=duplicate_pk, **change)
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
        _set_deadline(appeal, deadline_for(now, appeal.topic), now)
        appeal.save()
        _record(appeal, EventKind.REOPENED, actor, now, reason, **change)
    return appeal


def comment(appeal: Appeal | int, *, note: str, actor=None, now: datetime | None = None) -> AppealEvent:
    """Add an internal note to the history (any status)."""
    now = now or timezone.now()
    note = _required(note, _("Write the comment."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _check_step(appeal, "comment", actor)
        return _record(appeal, EventKind.COMMENTED, actor, now, note)


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
                # A concurrent delivery of this same message may have just created the appeal that
                # the thread lookup found: then it is a duplicate, not a follow-up.
                if Appeal.objects.filter(account=account, external_id=draft.external_id).exists():
                    return "duplicate", open_appeal
                try:
                    with transaction.atomic():
                        message = AppealMessage.objects.create(
                            appeal=open_appeal,
                            external_id=draft.external_id,
                            author_name=draft.author_name,
                            text=draft.text,
                            written_at=draft.written_at,
                            created_at=now,
                        )
                except IntegrityError:
                    return "duplicate", open_appeal
                _record(open_appeal, EventKind.MESSAGE, None, now, draft.text, message=message.pk)
                return "message", open_appeal
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
