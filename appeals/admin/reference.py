"""The reference tables the press service keeps: topics, routing rules, the gazetteer."""

from django.contrib import admin

from .. import access
from ..models import (
    AppealEvent,
    Municipality,
    RoutingRule,
    Settlement,
    Topic,
)


@admin.register(Topic)
class TopicAdmin(access.ScopedAdmin, admin.ModelAdmin):
    change_list_template = "admin/appeals/topic/change_list.html"
    list_display = [
        "name",
        "code",
        "default_ministry",
        "sla_hours",
        "sla_mode",
        "pause_when_awaiting",
        "position",
        "is_active",
    ]
    # Not the ministry: a select per row would query the ministries once per row.
    list_editable = ["sla_hours", "sla_mode", "pause_when_awaiting", "position", "is_active"]
    list_select_related = ["default_ministry"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}

    def scope_queryset(self, request, queryset):
        return queryset  # topics are the same for everybody (changed by operators only)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "classifier": AppealEvent.objects.classifier_accuracy()}
        return super().changelist_view(request, extra_context)


@admin.register(RoutingRule)
class RoutingRuleAdmin(access.ScopedAdmin, admin.ModelAdmin):
    """Ordered rules that give a new appeal its ministry; the first whose conditions hold wins."""

    list_display = [
        "position",
        "name",
        "account",
        "topic",
        "municipality",
        "keywords",
        "ministry",
        "official",
        "is_active",
    ]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_select_related = ["account", "topic", "municipality", "ministry", "official"]
    autocomplete_fields = ["account", "ministry", "official"]

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)


@admin.register(Municipality)
class MunicipalityAdmin(access.ScopedAdmin, admin.ModelAdmin):
    """The gazetteer: the region's cities and districts and how they are written."""

    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset  # geography is the same for everybody (changed by operators only)


@admin.register(Settlement)
class SettlementAdmin(access.ScopedAdmin, admin.ModelAdmin):
    """The region's settlements from the official register, each with its municipality: what
    finds an appeal's municipality from the place it names (``manage.py load_gazetteer``)."""

    list_display = ["name", "kind", "municipality", "oktmo"]
    list_filter = ["municipality"]
    list_select_related = ["municipality"]
    search_fields = ["name", "oktmo"]
    autocomplete_fields = ["municipality"]
    fields = ["name", "kind", "municipality", "oktmo", "fias_id"]
    show_full_result_count = False

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)
