"""Django's admin texts about a model, said in correct Russian (govfeedback.names has the forms).

``RussianTexts`` is mixed into every ModelAdmin the site registers (``GovAdminSite.register``):
the titles («Выберите тематику для изменения», «Добавить тематику»), the messages after a save or a
deletion («Тематика «Экология» добавлена.», «Обращение №1002 сохранено.», «3 тематики сохранены.»),
the list's count («11 обращений»), the selection counter and the deletion pages. Each text is the
one Django would show, with the model's name in the case, gender and number the sentence needs. A
model without forms (or another language) keeps Django's own texts.

Django builds its messages inside long methods (``response_add`` and its redirects); rather than
copying them, the mixin notes on the request which message is due, and ``message_user`` says it
instead of the message that Django's own method sends (recognised by the calling code: a message
of our admins' own overrides, e.g. «сохранить и открыть следующее», stays as it is).
"""

import inspect
import json
import sys

from django.contrib.admin import ModelAdmin
from django.contrib.admin.actions import delete_selected
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, npgettext, pgettext_lazy

from . import names

_NOTE = "_govfeedback_message"
# Where Django sends the messages that the noted ones replace.
_DJANGO_SENDERS = {
    inspect.unwrap(method).__code__
    for method in (
        ModelAdmin.response_add,
        ModelAdmin.response_change,
        ModelAdmin.response_delete,
        ModelAdmin.changelist_view,
        delete_selected,
    )
}


def subject(name: names.Name, obj, url: str | None = None):
    """«Тематика «Экология»», or «Обращение №1002» when the object's own name says what it is."""
    shown = str(obj)
    text = format_html('<a href="{}">{}</a>', url, shown) if url else shown
    if shown.lower().startswith(name.nominative.lower()):
        return format_html("{}", text) if url else capfirst(shown)
    return format_html("{} «{}»", capfirst(name.nominative), text)


# Django's history page («История») puts an inline's name into these sentences of its own; their
# translations here (which win over Django's) are worded to need no gender or case.
HISTORY_TEXTS = (
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
)

# The sentences that agree with the name's gender: gettext strings with the gender as context.
_GENDERED = {
    "added": {
        names.MASCULINE: pgettext_lazy("masculine", "{subject} was added."),
        names.FEMININE: pgettext_lazy("feminine", "{subject} was added."),
        names.NEUTER: pgettext_lazy("neuter", "{subject} was added."),
        names.PLURAL: pgettext_lazy("plural", "{subject} was added."),
    },
    "saved": {
        names.MASCULINE: pgettext_lazy("masculine", "{subject} was saved."),
        names.FEMININE: pgettext_lazy("feminine", "{subject} was saved."),
        names.NEUTER: pgettext_lazy("neuter", "{subject} was saved."),
        names.PLURAL: pgettext_lazy("plural", "{subject} was saved."),
    },
    "deleted": {
        names.MASCULINE: pgettext_lazy("masculine", "{subject} was deleted."),
        names.FEMININE: pgettext_lazy("feminine", "{subject} was deleted."),
        names.NEUTER: pgettext_lazy("neuter", "{subject} was deleted."),
        names.PLURAL: pgettext_lazy("plural", "{subject} was deleted."),
    },
}
_COUNTED = {
    "saved": {
        names.MASCULINE: lambda n: npgettext("masculine", "{counted} was saved.", "{counted} were saved.", n),
        names.FEMININE: lambda n: npgettext("feminine", "{counted} was saved.", "{counted} were saved.", n),
        names.NEUTER: lambda n: npgettext("neuter", "{counted} was saved.", "{counted} were saved.", n),
    },
    "deleted": {
        names.MASCULINE: lambda n: npgettext("masculine", "{counted} was deleted.", "{counted} were deleted.", n),
        names.FEMININE: lambda n: npgettext("feminine", "{counted} was deleted.", "{counted} were deleted.", n),
        names.NEUTER: lambda n: npgettext("neuter", "{counted} was deleted.", "{counted} were deleted.", n),
    },
}


def sentence(model_name: names.Name, kind: str, then: str = "", **parts) -> str:
    """One of the admin's messages about an object, agreeing with the name's gender; ``then``:
    what the page below offers ("continue", "another")."""
    text = format_html(str(_GENDERED[kind][model_name.gender]), **parts)
    if then == "continue":
        text = format_html("{} {}", text, _("You may go on editing below."))
    elif then == "another":
        text = format_html("{} {}", text, _("You may add another %(name)s below.") % {"name": model_name.accusative})
    return text


def counted_sentence(name: names.Name, kind: str, count: int) -> str:
    """«3 тематики сохранены.», «1 правило распределения удалено.»"""
    said = _COUNTED[kind].get(name.gender, _COUNTED[kind][names.NEUTER])  # a plural-only name counts as neuter
    return said(count).format(counted=name.count(count))


class RussianTexts:
    """Mixed into every ModelAdmin of the site (see the module's docstring)."""

    def _note(self, request, message) -> None:
        setattr(request, _NOTE, message)

    def message_user(self, request, message, *args, **kwargs):
        noted = getattr(request, _NOTE, None)
        if noted is not None and sys._getframe(1).f_code in _DJANGO_SENDERS:
            setattr(request, _NOTE, None)
            message = noted() if callable(noted) else noted
        return super().message_user(request, message, *args, **kwargs)

    def _object_url(self, request, obj) -> str | None:
        if not self.has_change_permission(request, obj):
            return None
        opts = obj._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk], current_app=self.admin_site.name
        )

    # --- after a save or a deletion -------------------------------------------------------------

    def response_add(self, request, obj, post_url_continue=None):
        name = names.of(self.model)
        if name is not None:
            who = subject(name, obj, self._object_url(request, obj))
            if "_continue" in request.POST or "_saveasnew" in request.POST:
                then = "continue" if self.has_change_permission(request, obj) else ""
            else:
                then = "another" if "_addanother" in request.POST else ""
            self._note(request, sentence(name, "added", then, subject=who))
        try:
            return super().response_add(request, obj, post_url_continue)
        finally:
            self._note(request, None)

    def response_change(self, request, obj):
        name = names.of(self.model)
        if name is not None:
            who = subject(name, obj, self._object_url(request, obj))
            kind = "added" if "_saveasnew" in request.POST else "saved"
            then = "continue" if {"_continue", "_saveasnew"} & set(request.POST) else ""
            if "_addanother" in request.POST:
                then = "another"
            self._note(request, sentence(name, kind, then, subject=who))
        try:
            return super().response_change(request, obj)
        finally:
            self._note(request, None)

    def response_delete(self, request, obj_display, obj_id):
        name = names.of(self.model)
        if name is not None:
            self._note(request, sentence(name, "deleted", subject=subject(name, obj_display)))
        try:
            return super().response_delete(request, obj_display, obj_id)
        finally:
            self._note(request, None)

    def save_model(self, request, obj, form, change):
        saved = getattr(request, "_govfeedback_saved", None)
        if saved is not None:
            request._govfeedback_saved = saved + 1
        return super().save_model(request, obj, form, change)

    # --- the list ------------------------------------------------------------------------------

    def changelist_title(self, request, changelist) -> str | None:
        """The list's title when it can say more than «Выберите … для изменения» (None: it cannot)."""
        return None

    def changelist_view(self, request, extra_context=None):
        name = names.of(self.model)
        editing = name is not None and request.method == "POST" and "_save" in request.POST
        if editing:  # the list's own fields saved: «3 тематики сохранены.»
            request._govfeedback_saved = 0
            self._note(request, lambda: counted_sentence(name, "saved", request._govfeedback_saved))
        try:
            response = super().changelist_view(request, extra_context)
        finally:
            if editing:
                self._note(request, None)
        context = getattr(response, "context_data", None)
        if name is None or not context or "cl" not in context:
            return response
        changelist = context["cl"]
        select = _("Select %s to change") if self.has_change_permission(request) else _("Select %s to view")
        # A list that knows a better title for what it shows (the appeals' queue) gives it.
        context["title"] = self.changelist_title(request, changelist) or select % name.accusative
        context["add_label"] = _("Add %s") % name.accusative
        context["selection_note"] = _("Selected 0 of %(count)s") % {"count": len(changelist.result_list)}
        changelist.result_count_text = name.count(changelist.result_count)
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        name = names.of(self.model)
        if name is not None and "delete_selected" in actions:
            description = _("Delete selected %(names)s") % {"names": name.accusative_plural}
            actions["delete_selected"] = (_delete_selected_in_russian, "delete_selected", description)
        return actions

    # --- one object ----------------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        name = names.of(self.model)
        if name is not None:
            if add:
                title = _("Add %s")
            elif self.has_change_permission(request, obj):
                title = _("Change %s")
            else:
                title = _("View %s")
            context["title"] = title % name.accusative
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        admin_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for admin_formset in admin_formsets:
            name = names.of(admin_formset.opts.model)
            if name is None:
                continue
            data = json.loads(admin_formset.inline_formset_data())
            data["options"]["addText"] = _("Add another %(name)s") % {"name": name.accusative}
            encoded = json.dumps(data)
            admin_formset.inline_formset_data = lambda encoded=encoded: encoded
        return admin_formsets

    def render_delete_form(self, request, context):
        name = names.of(self.model)
        if name is not None:
            context["object_name"] = name.accusative
        return super().render_delete_form(request, context)


def _delete_selected_in_russian(modeladmin, request, queryset):
    """Django's "delete selected" with the count and the names in their forms."""
    name = names.of(modeladmin.model)
    count = queryset.count()
    modeladmin._note(request, counted_sentence(name, "deleted", count))
    try:
        response = delete_selected(modeladmin, request, queryset)
    finally:
        modeladmin._note(request, None)
    if response is not None and getattr(response, "context_data", None) is not None:
        response.context_data["objects_name"] = name.accusative if count == 1 else name.accusative_plural
    return response


def in_russian(admin_class: type) -> type:
    """The ModelAdmin class with ``RussianTexts`` mixed in (once)."""
    if issubclass(admin_class, RussianTexts):
        return admin_class
    return type(admin_class.__name__, (RussianTexts, admin_class), {"__module__": admin_class.__module__})


def boolean_icon(value):
    """Django's yes/no icon of the lists and read-only fields, with a Russian alternative text
    (Django writes alt="True", "False" or "None", which a screen reader reads out)."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    text = {True: _("yes"), False: _("no"), None: _("unknown")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)
