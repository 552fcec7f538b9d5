"""The people and accounts in the admin: ministries with their officials, officials, social accounts.
(Their models live in ``ministries``; the back-office admin is one, in ``appeals.admin``.)"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ministries import roles
from ministries.models import Ministry, Official, SocialAccount

from .. import access


class OfficialInline(admin.TabularInline):
    model = Official
    fields = ["full_name", "position", "role", "email", "telegram_chat_id", "user", "is_active"]
    raw_id_fields = ["user"]
    extra = 0
    show_change_link = True


@admin.register(Ministry)
class MinistryAdmin(access.ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "short_name", "head", "email", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["head"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    autocomplete_fields = ["head"]
    inlines = [OfficialInline]

    def scope_queryset(self, request, queryset):
        return access.ministries_for(request.user, queryset)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for official in formset.new_objects + [changed for changed, _fields in formset.changed_objects]:
            roles.give_access(official)


@admin.register(Official)
class OfficialAdmin(access.ScopedAdmin, admin.ModelAdmin):
    list_display = ["full_name", "ministry", "position", "role", "email", "user", "is_active"]
    list_filter = ["ministry", "role", "is_active"]
    list_select_related = ["ministry", "user"]
    search_fields = ["full_name", "position", "email", "ministry__short_name"]
    raw_id_fields = ["user"]

    def scope_queryset(self, request, queryset):
        return access.officials_for(request.user, queryset)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete (e.g. "assign to an official") offers active officials only.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(is_active=True).select_related("ministry")
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        roles.give_access(obj)  # a linked login gets into the admin with its role's permissions


@admin.register(SocialAccount)
class SocialAccountAdmin(access.ScopedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "platform", "kind", "handle", "ministry", "official", "is_active"]
    list_filter = ["platform", "kind", "ministry", "is_active"]
    list_select_related = ["ministry", "official"]
    search_fields = ["title", "handle", "external_id"]
    autocomplete_fields = ["ministry", "official"]
    fieldsets = [
        (None, {"fields": ["platform", "kind", "title", "handle", "external_id", "is_active"]}),
        (_("Owner"), {"fields": ["ministry", "official"]}),
        (_("Webhook"), {"fields": ["webhook_secret", "confirmation_code"], "classes": ["collapse"]}),
    ]

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)
