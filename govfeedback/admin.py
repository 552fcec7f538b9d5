"""The back-office's admin site: Django's, in Russian, with the analytics pages added."""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _


class GovAdminSite(admin.AdminSite):
    site_header = site_title = _("Citizens' appeals: press service")
    index_title = _("Back-office")
    # The appeals list is wide; the page needs the room more than a second menu.
    enable_nav_sidebar = False

    def get_urls(self):
        from analytics import views

        return [
            path("analytics/dashboard/", self.admin_view(views.dashboard), name="analytics_dashboard"),
            path("appeals/appeal/export/", self.admin_view(views.export_appeals), name="appeals_appeal_export"),
            *super().get_urls(),
        ]
