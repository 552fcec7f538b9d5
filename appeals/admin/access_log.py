"""The access log in the admin (its model lives in ``audit``): superusers read it, nobody changes it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLog

from .. import access


@admin.register(AccessLog)
class AccessLogAdmin(access.ScopedAdmin, access.ReadOnlyAdmin, admin.ModelAdmin):
    """Superusers read the access log; nobody changes or deletes it."""

    list_display = ["at", "username", "action", "appeals", "count", "ip", "detail"]
    list_filter = ["action", "at"]
    search_fields = ["=username", "detail"]
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = ["at", "user", "username", "action", "appeal_ids", "count", "detail", "ip"]

    def scope_queryset(self, request, queryset):
        """Scoping: the whole log, to superusers only (the permission checks below)."""
        return queryset if request.user.is_superuser else queryset.none()

    @admin.display(description=_("appeals"))
    def appeals(self, entry):
        shown = ", ".join(f"№{pk}" for pk in entry.appeal_ids[:5])
        return shown + (" …" if entry.count > 5 else "")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
