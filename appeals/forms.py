"""Forms for the steps of an appeal. Each form's ``apply`` calls one service function.

The admin's change page ("next steps") and its bulk actions use the same forms, so a step
means the same thing wherever it is taken.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from ministries.models import Ministry, Official

from . import access, services
from .models import Appeal, Topic


class StepForm(forms.Form):
    """A form for one step; ``apply`` raises ``services.Refused`` when the step is not allowed."""

    title = ""
    submit_label = _("Save")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

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


class ReplyForm(StepForm):
    title = _("Answer the citizen (the appeal stays open)")
    submit_label = _("Publish the answer")
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))
    answer_url = forms.URLField(label=_("Where the answer is published"), required=False, assume_scheme="https")

    def apply(self, appeal, actor):
        services.reply(appeal, text=self.cleaned_data["text"], answer_url=self.cleaned_data["answer_url"], actor=actor)


class ExtendForm(StepForm):
    title = _("Extend the deadline")
    submit_label = _("Extend")
    due_at = forms.SplitDateTimeField(label=_("New deadline"), widget=AdminSplitDateTime)
    reason = forms.CharField(label=_("Reason for extension"), widget=forms.Textarea(attrs={"rows": 3}))

    def apply(self, appeal, actor):
        services.extend(appeal, due_at=self.cleaned_data["due_at"], reason=self.cleaned_data["reason"], actor=actor)


class ResolveForm(StepForm):
    title = _("Resolve: the answer to the citizen")
    submit_label = _("Resolve")
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}))
    answer_url = forms.URLField(label=_("Where the answer is published"), required=False, assume_scheme="https")

    def apply(self, appeal, actor):
        services.resolve(
            appeal, answer=self.cleaned_data["answer"], answer_url=self.cleaned_data["answer_url"], actor=actor
        )


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
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or XLSX; the first row names the columns."),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
    )
