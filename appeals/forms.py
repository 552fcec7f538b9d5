"""Forms for the steps of an appeal. Each form's ``apply`` calls one service function.

The admin's change page ("next steps") and its bulk actions use the same forms, so a step
means the same thing wherever it is taken.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime, AutocompleteSelect
from django.core.validators import FileExtensionValidator
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ministries.models import Approval, Ministry, Official

from . import access, answers, services, suggestions
from .models import AnswerTemplate, Appeal, Publication, Topic
from .publishing import platforms


class StepForm(forms.Form):
    """A form for one step; ``apply`` raises ``services.Refused`` when the step is not allowed.

    On the appeal's step page it gets the ``appeal`` (bulk actions have none), is shown with
    ``template_name``, and adds ``page_context()`` to the page."""

    title = ""
    submit_label = _("Save")
    template_name = "admin/appeals/appeal/step.html"

    def __init__(self, *args, user=None, appeal: Appeal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.appeal = appeal

    def page_context(self) -> dict:
        return {}

    def apply(self, appeal: Appeal | int, actor) -> None:
        raise NotImplementedError


class StartForm(StepForm):
    title = _("Start work")
    submit_label = _("Start work")

    def apply(self, appeal, actor):
        services.start_work(appeal, actor=actor)


class AskCitizenForm(StepForm):
    title = _("Ask the citizen for clarification")
    submit_label = _("Ask")
    question = forms.CharField(label=_("Question to the citizen"), widget=forms.Textarea(attrs={"rows": 4}))

    def apply(self, appeal, actor):
        services.ask_citizen(appeal, question=self.cleaned_data["question"], actor=actor)


class AnswerForm(StepForm):
    """The answer to the citizen (``reply`` and ``resolve``): a template with its placeholders, the
    text with the platform's length limit, a preview, the answers to similar appeals. Where the
    account can publish, the answer goes out through the platform (after approval where it is
    required) and «save as draft» keeps it for later; elsewhere the person publishes it by hand
    and pastes the link (the page says why)."""

    template_name = "admin/appeals/appeal/reply.html"
    text_field = "text"
    resolves = False

    template = forms.TypedChoiceField(label=_("Template"), required=False, coerce=int, empty_value=None)
    works_date = forms.DateField(
        label=_("Date of the planned works"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Fills in {дата_работ}."),
    )
    answer_url = forms.URLField(
        label=_("Where the answer is published"),
        required=False,
        assume_scheme="https",
        help_text=_("Publish the answer where the citizen wrote, from the account, and paste the link to it here."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        appeal = self.appeal
        self.refusal = services.publishing_refusal(appeal) if appeal is not None else None
        self.limit = platforms.length_limit(appeal) if appeal is not None and appeal.account_id else None
        # How the platform counts the text against its limit (the page's counter counts the same way).
        self.unit = answers.length_unit(appeal.account.platform) if self.limit else answers.CODE_POINTS
        self.templates = list(AnswerTemplate.objects.for_appeal(appeal)[:50]) if appeal is not None else []
        self.in_hand = None
        if appeal is not None and self.refusal is None:
            del self.fields["answer_url"]  # the publication fills it in
            self.in_hand = (
                Publication.objects.filter(appeal=appeal, status__in=services.IN_HAND)
                .select_related("drafted_by")
                .order_by("-created_at", "-id")
                .first()
            )
            if self.in_hand is not None:
                self.initial.setdefault(self.text_field, self.in_hand.text)
        if self.templates:
            self.fields["template"].choices = [("", "—"), *((t.pk, t.title) for t in self.templates)]
        else:
            del self.fields["template"]
        text = self.fields[self.text_field]
        text.widget.attrs.update({"class": "gf-answer-text", "data-limit": self.limit or "", "data-unit": self.unit})
        self.order_fields(["template", "works_date", self.text_field, "answer_url"])

    @property
    def publishes(self) -> bool:
        """The answer goes out through the platform's API (not by hand)."""
        return self.appeal is not None and self.refusal is None

    def page_context(self) -> dict:
        appeal = self.appeal
        approval = answers.approval_for(appeal)
        return {
            "answer_form": self,
            "publishes": self.publishes,
            "manual_reason": self.refusal,
            "length_limit": self.limit,
            "needs_approval": self.publishes and access.approval_refusal(self.user, appeal, approval) is not None,
            # Configured, but the answer goes by hand (no token, a platform without an API): say so.
            "approval_skipped": not self.publishes and approval != Approval.NONE,
            "approval_label": Approval(approval).label,
            "in_hand": self.in_hand,
            # Each template's text for this appeal, the placeholders it knows filled in (the works'
            # date is filled in by the page when it is given).
            "template_texts": {str(t.pk): answers.render(t.text, appeal) for t in self.templates},
            "placeholders": answers.PLACEHOLDERS,
            "suggestions": suggestions.similar_answers(appeal, access.appeals_for(self.user, Appeal.objects.all())),
        }

    def _text(self) -> str:
        return answers.render(self.cleaned_data[self.text_field], self.appeal, self.cleaned_data.get("works_date"))

    def apply(self, appeal, actor):
        text = self._text()
        if self.publishes and "_draft" in self.data:
            services.draft_answer(appeal, text=text, resolves=self.resolves, actor=actor)
            return
        self.send(appeal, text, self.cleaned_data.get("answer_url", ""), actor)

    def send(self, appeal, text: str, answer_url: str, actor) -> None:
        raise NotImplementedError


class ReplyForm(AnswerForm):
    title = _("Answer the citizen (the appeal stays open)")
    submit_label = _("Publish the answer")
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}))

    def send(self, appeal, text, answer_url, actor):
        services.reply(appeal, text=text, answer_url=answer_url, actor=actor)


class ExtendForm(StepForm):
    title = _("Extend the deadline")
    submit_label = _("Extend")
    due_at = forms.SplitDateTimeField(label=_("New deadline"), widget=AdminSplitDateTime)
    reason = forms.CharField(label=_("Reason for extension"), widget=forms.Textarea(attrs={"rows": 3}))

    def apply(self, appeal, actor):
        services.extend(appeal, due_at=self.cleaned_data["due_at"], reason=self.cleaned_data["reason"], actor=actor)


class ResolveForm(AnswerForm):
    title = _("Resolve: the answer to the citizen")
    submit_label = _("Resolve")
    text_field = "answer"
    resolves = True
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 8}))

    def send(self, appeal, text, answer_url, actor):
        services.resolve(appeal, answer=text, answer_url=answer_url, actor=actor)


class RejectForm(StepForm):
    title = _("Reject")
    submit_label = _("Reject")
    reason = forms.ChoiceField(label=_("Reason for rejection"), choices=Appeal.RejectionReason.choices)
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of appeal №"), required=False, min_value=1, help_text=_("Only for duplicates.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def apply(self, appeal, actor):
        data = self.cleaned_data
        services.reject(
            appeal, reason=data["reason"], duplicate_of=data["duplicate_of"], note=data["note"], actor=actor
        )


class ReopenForm(StepForm):
    title = _("Reopen")
    submit_label = _("Reopen")
    reason = forms.CharField(label=_("Why is it reopened?"), widget=forms.Textarea(attrs={"rows": 3}))

    def apply(self, appeal, actor):
        services.reopen(appeal, reason=self.cleaned_data["reason"], actor=actor)


class CommentForm(StepForm):
    title = _("Comment")
    submit_label = _("Add comment")
    note = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))

    def apply(self, appeal, actor):
        services.comment(appeal, note=self.cleaned_data["note"], actor=actor)


class AssignMinistryForm(StepForm):
    title = _("Assign to a ministry")
    submit_label = _("Assign")
    ministry = forms.ModelChoiceField(label=_("Ministry"), queryset=Ministry.objects.filter(is_active=True))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ministry"].queryset = access.ministries_for(self.user, self.fields["ministry"].queryset)

    def apply(self, appeal, actor):
        services.assign(appeal, ministry=self.cleaned_data["ministry"], actor=actor)


class AssignOfficialForm(StepForm):
    title = _("Assign to an official")
    submit_label = _("Assign")
    official = forms.ModelChoiceField(
        label=_("Official"),
        queryset=Official.objects.filter(is_active=True).select_related("ministry"),
        widget=AutocompleteSelect(Appeal._meta.get_field("assignee"), admin.site),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official"].queryset = access.officials_for(self.user, self.fields["official"].queryset)

    def apply(self, appeal, actor):
        services.assign(appeal, official=self.cleaned_data["official"], actor=actor)


class SetTopicForm(StepForm):
    title = _("Set the topic")
    submit_label = _("Set topic")
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.filter(is_active=True))

    def apply(self, appeal, actor):
        services.set_topic(appeal, topic=self.cleaned_data["topic"], actor=actor)


def _with_open_count(official) -> str:
    count = official.open_count
    return ngettext("%(name)s · %(count)d open", "%(name)s · %(count)d open", count) % {
        "name": official.short_name,
        "count": count,
    }


class TriageForm(StepForm):
    """The topic and where the appeal goes, in one step (``services.triage``): an operator picks the
    ministry (and, if they wish, the official), a head the official within the ministry."""

    title = _("Topic and ministry")
    submit_label = _("Save")
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.filter(is_active=True), widget=forms.RadioSelect, empty_label=None
    )
    ministry = forms.ModelChoiceField(
        label=_("Ministry"),
        queryset=Ministry.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=Official.objects.filter(is_active=True).select_related("ministry"),
        widget=AutocompleteSelect(Appeal._meta.get_field("assignee"), admin.site),
        help_text=_("Not required: the ministry's head can choose."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = access.scope_for(self.user)
        self.fields["assignee"].queryset = access.officials_for(self.user, self.fields["assignee"].queryset)
        if scope.is_operator:
            self.fields["ministry"].queryset = access.ministries_for(self.user, self.fields["ministry"].queryset)
        else:  # a head routes within the ministry: the topic and the official, who shows their load
            del self.fields["ministry"]
            assignee = self.fields["assignee"]
            assignee.widget, assignee.empty_label, assignee.help_text = forms.RadioSelect(), _("nobody yet"), ""
            assignee.label_from_instance = _with_open_count
            assignee.queryset = assignee.queryset.annotate(
                open_count=Count("appeals", filter=Q(appeals__status__in=Appeal.OPEN_STATUSES))
            )

    def apply(self, appeal, actor):
        data = self.cleaned_data
        services.triage(
            appeal, topic=data["topic"], ministry=data.get("ministry"), official=data.get("assignee"), actor=actor
        )


class PublicationStepForm(StepForm):
    """A step on one of the appeal's answers to publish (approve, return, delete, publish again,
    confirm): the page shows that answer (``publication``: the one named by ``publication_id``, from
    the panel's link, else the newest this step is for) and the service acts on that same row."""

    template_name = "admin/appeals/appeal/answer_step.html"
    # The answer's statuses this step is offered for (the appeal page's answer panel).
    for_statuses: tuple[str, ...] = ()
    publication_id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.publication = None
        if self.appeal is not None:
            chosen = str(self.data.get("publication_id") or self.initial.get("publication_id") or "")
            rows = Publication.objects.filter(appeal=self.appeal, status__in=self.for_statuses)
            if chosen.isdigit():
                rows = rows.filter(pk=int(chosen))
            self.publication = rows.select_related("drafted_by", "approved_by").first()
            if self.publication is not None:
                self.initial["publication_id"] = self.publication.pk

    def chosen(self) -> int | None:
        """The answer the person acted on (None: the appeal's only one in the step's statuses)."""
        return self.cleaned_data.get("publication_id")

    def page_context(self) -> dict:
        limit = platforms.length_limit(self.appeal) if self.appeal is not None and self.appeal.account_id else None
        return {"publication": self.publication, "length_limit": limit}


class ApproveAnswerForm(PublicationStepForm):
    title = _("Approve the answer")
    submit_label = _("Approve and publish")
    for_statuses = ("awaiting_approval",)
    text = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "gf-answer-text"}),
        help_text=_("Edit it if needed: it is published as it stands here."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.publication is not None:
            self.initial.setdefault("text", self.publication.text)
        limit = self.page_context()["length_limit"]
        self.fields["text"].widget.attrs["data-limit"] = limit or ""
        if limit:
            self.fields["text"].widget.attrs["data-unit"] = answers.length_unit(self.appeal.account.platform)

    def apply(self, appeal, actor):
        services.approve_answer(appeal, text=self.cleaned_data["text"], publication=self.chosen(), actor=actor)


class ReturnAnswerForm(PublicationStepForm):
    title = _("Return the answer for changes")
    submit_label = _("Return to the drafter")
    for_statuses = ("awaiting_approval",)
    comment = forms.CharField(label=_("What to change"), widget=forms.Textarea(attrs={"rows": 3}))

    def apply(self, appeal, actor):
        services.return_answer(appeal, comment=self.cleaned_data["comment"], publication=self.chosen(), actor=actor)


class CancelAnswerForm(PublicationStepForm):
    title = _("Delete the draft answer")
    submit_label = _("Delete the draft")
    for_statuses = ("draft", "returned", "awaiting_approval")

    def apply(self, appeal, actor):
        services.cancel_answer(appeal, publication=self.chosen(), actor=actor)


class RetryAnswerForm(PublicationStepForm):
    title = _("Publish the answer again")
    submit_label = _("Publish again")
    for_statuses = ("failed", "unknown")
    checked = forms.BooleanField(
        label=_("I have checked: the answer is not on the platform"),
        required=False,
        help_text=_("Needed when nobody knows whether the last attempt published it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.publication is None or self.publication.status != Publication.Status.UNKNOWN:
            del self.fields["checked"]

    def apply(self, appeal, actor):
        services.retry_answer(
            appeal, checked=self.cleaned_data.get("checked", False), publication=self.chosen(), actor=actor
        )


class ConfirmAnswerForm(PublicationStepForm):
    title = _("The answer is on the platform")
    submit_label = _("Confirm the publication")
    for_statuses = ("failed", "unknown")
    url = forms.URLField(
        label=_("Link to the answer"),
        assume_scheme="https",
        help_text=_("Open the place where the citizen wrote, find the answer and paste its link."),
    )

    def apply(self, appeal, actor):
        services.confirm_answer(appeal, url=self.cleaned_data["url"], publication=self.chosen(), actor=actor)


class DismissReactionForm(StepForm):
    title = _("Leave the appeal resolved")
    submit_label = _("The reply is seen: leave it resolved")

    def apply(self, appeal, actor):
        services.dismiss_reaction(appeal, actor=actor)


# The steps on the answer to publish, offered in the appeal page's answer panel (not among the next steps).
ANSWER_STEP_FORMS: dict[str, type[PublicationStepForm]] = {
    "approve_answer": ApproveAnswerForm,
    "return_answer": ReturnAnswerForm,
    "retry_answer": RetryAnswerForm,
    "confirm_answer": ConfirmAnswerForm,
    "cancel_answer": CancelAnswerForm,
}

# The steps offered on an appeal's page, by their names in appeals/steps.py (assign is the form itself).
STEP_FORMS: dict[str, type[StepForm]] = {
    "start": StartForm,
    "ask_citizen": AskCitizenForm,
    "reply": ReplyForm,
    "extend": ExtendForm,
    "resolve": ResolveForm,
    "reject": RejectForm,
    "reopen": ReopenForm,
    "comment": CommentForm,
    **ANSWER_STEP_FORMS,
    "dismiss_reaction": DismissReactionForm,
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or XLSX; the first row names the columns."),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
    )
