"""What the admin pages of appeals and their records share: cells, links, read-only inlines."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

PLATFORM_BADGES = {"vk": "VK", "ok": "OK", "telegram": "TG", "instagram": "IG", "facebook": "FB", "twitter": "X"}


def list_time(value) -> str:
    """A time in an admin cell, local: "05.03.26 14:30" (the same in every language)."""
    return timezone.localtime(value).strftime("%d.%m.%y %H:%M")


def appeal_link(appeal_id: int | None) -> str:
    """A link to an appeal's page for the lists that show rows attached to appeals."""
    if appeal_id is None:
        return "—"
    return format_html('<a href="{}">№ {}</a>', reverse("admin:appeals_appeal_change", args=[appeal_id]), appeal_id)


class ReadOnlyInline(admin.TabularInline):
    """A record shown on the appeal's page: written by the services, never edited here."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# How many of the selected appeals a bulk action's confirmation lists.
BULK_LISTED = 100


def bulk_form_page(modeladmin, request, queryset, form) -> TemplateResponse:
    """The page of an action on the selected appeals that asks for its form once (a bulk step, the
    erasure): the form, and the selection carried over to the form's submission."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": form.title,
        "form": form,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "count": queryset.count(),
        # The confirmation names the appeals it will change (the first ones of a big selection).
        "listed": list(queryset.select_related("topic", "ministry").order_by("due_at", "id")[:BULK_LISTED]),
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/appeals/appeal/bulk_step.html", context)
