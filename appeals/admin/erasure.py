"""The appeals list's action "Erase the citizen's personal data" (152-FZ, on the citizen's request)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.log import record_access

from .. import services
from ..forms import StepForm
from .common import bulk_form_page


class AnonymiseForm(StepForm):
    title = _("Erase the citizen's personal data")
    submit_label = _("Erase")
    reason = forms.CharField(
        label=_("Request"),
        help_text=_(
            "The citizen's request (number and date). The author's name, profile link and platform ids "
            "of the selected appeals, and of every other appeal of the same author, are erased; the "
            "texts stay. This cannot be undone."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@admin.action(description=_("Erase the citizen's personal data"))
def anonymise_citizens(modeladmin, request, queryset):
    form = AnonymiseForm(request.POST if "apply" in request.POST else None, user=request.user)
    if form.is_bound and form.is_valid():
        erased, refusals = [], []
        for pk in queryset.values_list("pk", flat=True):
            try:
                erased += services.anonymise_citizen(pk, reason=form.cleaned_data["reason"], actor=request.user)
            except services.Refused as refused:
                refusals.append(refused.message)
        if erased:
            record_access(request.user, "anonymise", erased, detail=form.cleaned_data["reason"], request=request)
        modeladmin.message_user(
            request,
            ngettext(
                "Personal data erased in %(count)d appeal.", "Personal data erased in %(count)d appeals.", len(erased)
            )
            % {"count": len(erased)},
            messages.SUCCESS if erased else messages.WARNING,
        )
        for message in refusals[:10]:
            modeladmin.message_user(request, message, messages.ERROR)
        return None
    return bulk_form_page(modeladmin, request, queryset, form)
