from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from appeals import access
from appeals.models import Appeal
from audit.log import record_access

from . import reports
from .exports import XLSX
from .models import SpikeAlert, WeeklyReport


@admin.register(SpikeAlert)
class SpikeAlertAdmin(access.ScopedAdmin, access.ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["window_end", "topic", "municipality", "count", "baseline", "ratio_display", "acknowledged"]
    list_filter = ["topic", "municipality", ("acknowledged_at", admin.EmptyFieldListFilter)]
    list_select_related = ["topic", "municipality", "acknowledged_by"]
    fields = [
        "topic",
        "municipality",
        "window_start",
        "window_end",
        "count",
        "baseline",
        "created_at",
        "acknowledged",
    ]
    readonly_fields = fields
    actions = ["acknowledge"]

    def scope_queryset(self, request, queryset):
        return access.spike_alerts_within(access.scope_for(request.user), queryset)

    @admin.display(description=_("times the usual"))
    def ratio_display(self, alert):
        return f"×{alert.ratio:.1f}"

    @admin.display(description=_("acknowledged"))
    def acknowledged(self, alert):
        if alert.acknowledged_at is None:
            return format_html('<span class="gf-late">{}</span>', _("no"))
        return f"{timezone.localtime(alert.acknowledged_at):%d.%m.%Y %H:%M}, {alert.acknowledged_by or ''}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The appeals that make the spike, as far as the person may see them.
        appeals = (
            Appeal.objects.filter(spike_alerts__pk=object_id) if str(object_id).isdigit() else Appeal.objects.none()
        )
        extra_context = {
            **(extra_context or {}),
            "spike_appeals": access.appeals_for(request.user, appeals).order_by("received_at").only("pk", "text")[:500],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_actions(self, request):
        # Acknowledging is for whoever sees the alert and manages (operators, heads).
        actions = super().get_actions(request)
        if not access.scope_for(request.user).manages:
            actions.pop("acknowledge", None)
        return actions

    @admin.action(description=_("Acknowledge: the alert leaves the dashboard"))
    def acknowledge(self, request, queryset):
        count = queryset.filter(acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=request.user
        )
        self.message_user(
            request,
            ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", count) % {"count": count},
            messages.SUCCESS,
        )


class WeekForm(forms.Form):
    """A week that has ended, the latest first (``reports.completed_weeks``)."""

    week = forms.TypedChoiceField(label=_("Week"), coerce=date.fromisoformat)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = [
            (monday.isoformat(), f"{monday:%d.%m.%Y} – {monday + timedelta(days=6):%d.%m.%Y}")
            for monday in reports.completed_weeks()
        ]


@admin.register(WeeklyReport)
class WeeklyReportAdmin(access.ScopedAdmin, access.ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["__str__", "received", "created_at", "download"]
    fields = ["week_start", "week_end", "received", "created_at", "download"]
    readonly_fields = fields
    actions = ["regenerate"]
    change_list_template = "admin/analytics/weeklyreport/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "week_form": WeekForm() if self._may_generate(request) else None}
        return super().changelist_view(request, extra_context)

    def _may_generate(self, request) -> bool:
        return access.scope_for(request.user).is_operator

    def generate_view(self, request):
        """The report of the chosen week, made now from today's data (again, if it exists)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self._may_generate(request):
            raise PermissionDenied
        form = WeekForm(request.POST)
        back = reverse("admin:analytics_weeklyreport_changelist")
        if not form.is_valid():
            messages.error(request, _("Choose one of the weeks in the list."))
            return HttpResponseRedirect(back)
        report = reports.build(form.cleaned_data["week"], replace=True)
        url = reverse("admin:analytics_weeklyreport_download", args=[report.pk])
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The report of the week %(week)s is ready:") % {"week": report},
                url,
                report.filename,
            ),
        )
        return HttpResponseRedirect(back)

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description=_("workbook"))
    def download(self, report):
        url = reverse("admin:analytics_weeklyreport_download", args=[report.pk])
        return format_html('<a href="{}">{}</a>', url, report.filename)

    def get_urls(self):
        return [
            path(
                "generate/",
                self.admin_site.admin_view(self.generate_view),
                name="analytics_weeklyreport_generate",
            ),
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="analytics_weeklyreport_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk):
        report = self.get_object(request, str(pk))
        if report is None or not self.has_view_permission(request, report):
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        # The report lists the worst overdue appeals with their texts: the download is logged.
        record_access(request.user, "export", [], detail=report.filename, request=request)
        response = HttpResponse(
            bytes(WeeklyReport.objects.values_list("content", flat=True).get(pk=pk)), content_type=XLSX
        )
        response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
        return response

    @admin.action(description=_("Generate again with today's data"))
    def regenerate(self, request, queryset):
        weeks = list(queryset.values_list("week_start", flat=True))
        for week_start in weeks:
            reports.build(week_start, replace=True)
        self.message_user(request, _("Reports generated again: %(count)d.") % {"count": len(weeks)}, messages.SUCCESS)
