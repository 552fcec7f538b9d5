"""The back-office's admin site: Django's, in Russian, with the analytics pages added."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _


class GovAdminSite(admin.AdminSite):
    site_header = site_title = _("Citizens' appeals: press service")
    index_title = _("Back-office")
    # The appeals list is wide; the page needs the room more than a second menu.
    enable_nav_sidebar = False
    # No public site behind the back-office: no «Открыть сайт» link.
    site_url = None

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model's admin speaks of it in correct Russian (govfeedback.admin_texts)."""
        from .admin_texts import in_russian

        return super().register(model_or_iterable, in_russian(admin_class or admin.ModelAdmin), **options)

    def login(self, request, extra_context=None):
        """After logging in (or coming back logged in), people land on their work, not on the
        index: an operator on the triage queue, a head on the ministry's open queue, a specialist
        on their own appeals (appeals.admin.queues). An address asked for explicitly is kept."""
        response = super().login(request, extra_context)
        if isinstance(response, HttpResponseRedirect) and response.url == reverse("admin:index", current_app=self.name):
            from appeals.admin.queues import landing_url

            return HttpResponseRedirect(landing_url(request.user))
        return response

    def index(self, request, extra_context=None):
        from appeals.admin.queues import work_links

        return super().index(request, {"work_links": work_links(request.user), **(extra_context or {})})

    def get_urls(self):
        from analytics import views
        from notifications import views as notices

        return [
            path("analytics/dashboard/", self.admin_view(views.dashboard), name="analytics_dashboard"),
            path("appeals/appeal/export/", self.admin_view(views.export_appeals), name="appeals_appeal_export"),
            *notices.admin_urls(self),
            *super().get_urls(),
        ]
