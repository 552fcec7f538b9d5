"""The routing model in the admin: its versions with their figures (read-only) and the operators'
setting of how sure it must be to route by itself."""

from django.contrib import admin
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .. import access
from ..routing_model.models import RoutingModelVersion, RoutingSettings
from ..routing_model.training import threshold_for


def _figure(version: RoutingModelVersion, key: str) -> str:
    value = (version.figures or {}).get(key)
    return "—" if value is None else f"{number_format(100 * value, 1)} %"


@admin.register(RoutingModelVersion)
class RoutingModelVersionAdmin(access.ScopedAdmin, admin.ModelAdmin):
    """Each training: when, on how many appeals, its cross-validated figures, in use or why not."""

    list_display = ["__str__", "trained_at", "status", "rows", "accuracy", "top3", "coverage", "reason"]
    list_filter = ["status"]
    fields = ["trained_at", "status", "rows", "accuracy", "top3", "coverage", "reason", "figures"]
    readonly_fields = fields
    show_full_result_count = False

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset.defer("artifact"))

    def has_add_permission(self, request):
        return False  # trained by `manage.py train_routing` and the daily job

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("top-1 accuracy"))
    def accuracy(self, version):
        return _figure(version, "accuracy")

    @admin.display(description=_("top-3 accuracy"))
    def top3(self, version):
        return _figure(version, "top3")

    @admin.display(description=_("routed by itself at 95 % precision"))
    def coverage(self, version):
        return _figure(version, "coverage_at_95")


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(access.ScopedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "auto_route", "min_precision", "expected"]
    fields = ["auto_route", "min_precision"]

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)

    def has_add_permission(self, request):
        return False  # one row, made when the list is first opened (no query on every admin page)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        RoutingSettings.get()  # the one row exists before anyone looks for it
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("routed by itself (held-out appeals)"))
    def expected(self, settings):
        from ..routing_model.store import current

        model = current()
        if model is None:
            return _("no model trained yet")
        entry = model.metadata.get("thresholds", {}).get(str(settings.min_precision)) or [None, 0.0]
        if threshold_for(model, settings.min_precision) is None:
            return _("none: the model never reached this precision")
        return f"{number_format(100 * entry[1], 1)} %"
