"""The people and accounts in the admin: ministries with their officials, officials, social accounts.
(Their models live in ``ministries``; the back-office admin is one, in ``appeals.admin``.)"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ministries import roles, tokens
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
    list_display = ["name", "short_name", "head", "email", "answer_approval", "is_active"]
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


class SocialAccountForm(forms.ModelForm):
    """The access token is write-only: a password field that is never filled in, left empty to keep
    the token there is; the form says only whether one is set."""

    access_token = forms.CharField(
        label=_("access token"), required=False, strip=True, widget=forms.PasswordInput(render_value=False)
    )
    clear_access_token = forms.BooleanField(label=_("remove the access token"), required=False)

    class Meta:
        model = SocialAccount
        fields = [
            "platform",
            "kind",
            "title",
            "handle",
            "external_id",
            "is_active",
            "ministry",
            "official",
            "answer_approval",
            "access_token",
            "webhook_secret",
            "confirmation_code",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("access_token", None)
        is_set = bool(self.instance.pk and self.instance.access_token)
        if is_set and not tokens.readable(self.instance.access_token):
            self.fields["access_token"].help_text = _(
                "Set, but the server's keys (GOVFEEDBACK_TOKEN_KEYS) cannot read it: nothing is published with it. "
                "Type it again, or ask the administrator to restore the key."
            )
        else:
            self.fields["access_token"].help_text = (
                _("Set. Leave empty to keep it; type a new one to replace it.")
                if is_set
                else _("Not set: answers to this account's appeals are published by hand.")
            )

    def clean_access_token(self) -> str:
        token = self.cleaned_data.get("access_token", "")
        if token and not settings.GOVFEEDBACK_TOKEN_KEYS:
            raise forms.ValidationError(
                _("Tokens cannot be stored: GOVFEEDBACK_TOKEN_KEYS is not set on the server (docs/publishing.md).")
            )
        platform = self.cleaned_data.get("platform") or self.instance.platform
        if problem := tokens.token_problem(platform, token):
            raise forms.ValidationError(problem)
        return token

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_access_token"):
            cleaned["access_token"] = ""
        elif not cleaned.get("access_token"):
            cleaned["access_token"] = self.instance.access_token if self.instance.pk else ""
        return cleaned


@admin.register(SocialAccount)
class SocialAccountAdmin(access.ScopedAdmin, admin.ModelAdmin):
    form = SocialAccountForm
    list_display = ["__str__", "platform", "kind", "handle", "ministry", "official", "is_active"]
    list_filter = ["platform", "kind", "ministry", "is_active"]
    list_select_related = ["ministry", "official"]
    search_fields = ["title", "handle", "external_id"]
    autocomplete_fields = ["ministry", "official"]
    fieldsets = [
        (None, {"fields": ["platform", "kind", "title", "handle", "external_id", "is_active"]}),
        (_("Owner"), {"fields": ["ministry", "official"]}),
        (_("Answers"), {"fields": ["answer_approval", "access_token", "clear_access_token"]}),
        (_("Webhook"), {"fields": ["webhook_secret", "confirmation_code"], "classes": ["collapse"]}),
    ]

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)
