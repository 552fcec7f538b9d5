"""A person's notices in the admin (the bell's page) and their own notification settings, as admin
pages (govfeedback.admin.GovAdminSite adds their URLs). Each starts from the logged-in person:
their own notices, their own official record."""

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ministries.models import Official

from . import services

PER_PAGE = 50


def admin_urls(site) -> list:
    return [
        path("notifications/inbox/", site.admin_view(inbox), name="notifications_inbox"),
        path("notifications/inbox/<int:pk>/", site.admin_view(open_notice), name="notifications_open"),
        path("notifications/inbox/read/", site.admin_view(mark_all_read), name="notifications_read_all"),
        path("notifications/settings/", site.admin_view(my_settings), name="notifications_settings"),
    ]


def inbox(request):
    """Every notice of the person, newest first, the unread ones marked."""
    notices = services.inbox(request.user).select_related("appeal")
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **admin.site.each_context(request),
        "title": _("My notices"),
        "page": page,
        "has_official": Official.objects.filter(user=request.user).exists(),
    }
    return TemplateResponse(request, "admin/notifications/inbox.html", context)


def open_notice(request, pk: int):
    """Mark the notice read and open its appeal (another person's notice: 404)."""
    notice = get_object_or_404(services.inbox(request.user), pk=pk)
    services.mark_read(request.user, [notice.pk])
    if notice.appeal_id is None:
        return HttpResponseRedirect(reverse("admin:notifications_inbox"))
    return HttpResponseRedirect(reverse("admin:appeals_appeal_change", args=[notice.appeal_id]))


def mark_all_read(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = services.mark_read(request.user)
    messages.success(
        request,
        ngettext("%(count)d notice marked as read.", "%(count)d notices marked as read.", count) % {"count": count},
    )
    return HttpResponseRedirect(reverse("admin:notifications_inbox"))


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Official
        fields = ["assignment_notices"]
        widgets = {"assignment_notices": forms.RadioSelect}


def my_settings(request):
    """How the person (an official with a login) is told of new appeals by e-mail and Telegram."""
    official = Official.objects.filter(user=request.user).select_related("ministry").first()
    if official is None:
        raise Http404(_("Only an official's login has notification settings."))
    form = SettingsForm(request.POST or None, instance=official)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification settings are saved."))
        return HttpResponseRedirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": _("My notification settings"),
        "form": form,
        "official": official,
    }
    return TemplateResponse(request, "admin/notifications/settings.html", context)
