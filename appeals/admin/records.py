"""What the system writes about the appeals, read-only: the history, the notifications, the raw
requests of the intake."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from govfeedback.paginator import CappedCountPaginator

from .. import access
from ..intake import masked_body, processing
from ..models import (
    AppealEvent,
    InboundEvent,
)
from .common import appeal_link, list_time


@admin.register(AppealEvent)
class AppealEventAdmin(access.ScopedAdmin, access.ReadOnlyAdmin, admin.ModelAdmin):
    """The whole history, read-only: who did what to which appeal and when."""

    list_display = ["at", "appeal_link", "kind", "who", "note_excerpt"]
    ordering = ["-at", "-id"]

    def scope_queryset(self, request, queryset):
        return access.related_for(request.user, queryset)

    list_filter = ["kind", "at"]
    search_fields = ["=appeal__id"]
    search_help_text = _("The appeal's number finds its history.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100

    @admin.display(description=_("appeal"), ordering="appeal_id")
    def appeal_link(self, event):
        return appeal_link(event.appeal_id)

    @admin.display(description=_("who"))
    def who(self, event):
        return event.who

    @admin.display(description=_("note"))
    def note_excerpt(self, event):
        return Truncator(event.note).chars(80)


@admin.register(InboundEvent)
class InboundEventAdmin(access.ScopedAdmin, access.ReadOnlyAdmin, admin.ModelAdmin):
    """Every request the intake endpoints received, stored before parsing, with its outcome."""

    class WaitsForFilter(admin.SimpleListFilter):
        """The events whose processing failed: put off for an automatic retry, or stopped for a person."""

        title = _("waits for")
        parameter_name = "waits_for"

        def lookups(self, request, model_admin):
            return [("retry", _("an automatic retry")), ("person", _("a person"))]

        def queryset(self, request, queryset):
            if self.value() == "retry":
                return queryset.retrying()
            if self.value() == "person":
                return queryset.needing_a_person()
            return queryset

    class SourceFilter(admin.SimpleListFilter):
        """The intake path, by its name in the interface (the field holds the path's code)."""

        title = _("platform")
        parameter_name = "platform"

        def lookups(self, request, model_admin):
            return list(InboundEvent.SOURCES.items())

        def queryset(self, request, queryset):
            return queryset.filter(platform=self.value()) if self.value() in InboundEvent.SOURCES else queryset

    list_display = [
        "received_at",
        "source",
        "account",
        "outcome_badge",
        "reason_excerpt",
        "next_step",
        "appeal_link",
    ]
    list_filter = ["outcome", WaitsForFilter, SourceFilter, "received_at"]
    list_select_related = ["account"]
    search_fields = ["=dedup_key", "=appeal__id", "reason"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100
    actions = ["replay"]
    fields = [
        "received_at",
        "source",
        "account",
        "account_key",
        "headers",
        "payload",
        "dedup_key",
        "authenticated",
        "outcome",
        "reason",
        "appeal",
        "processed_at",
        "failed_attempts",
        "retry_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["appeals/admin.css"]}

    def scope_queryset(self, request, queryset):
        return access.operators_only(request.user, queryset)

    @admin.display(description=_("platform"), ordering="platform")
    def source(self, event):
        return event.source_label()

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_badge(self, event):
        return format_html(
            '<span class="gf-outcome gf-outcome-{}">{}</span>', event.outcome, event.get_outcome_display()
        )

    @admin.display(description=_("reason"))
    def reason_excerpt(self, event):
        return Truncator(event.reason).chars(90)

    @admin.display(description=_("next step"))
    def next_step(self, event):
        if event.needs_a_person():
            return _("needs a person: replay it after a fix")
        if event.retry_at is not None and event.processed_at is None:
            return _("tried again automatically at %(time)s (attempt %(attempt)d of %(attempts)d)") % {
                "time": list_time(event.retry_at),
                "attempt": event.failed_attempts + 1,
                "attempts": processing.MAX_ATTEMPTS,
            }
        return "—"

    @admin.display(description=_("appeal"), ordering="appeal_id")
    def appeal_link(self, event):
        return appeal_link(event.appeal_id)

    @admin.display(description=_("raw body"))
    def payload(self, event):
        return format_html(
            "<pre style='white-space:pre-wrap;max-height:40em;overflow:auto'>{}</pre>", masked_body(event)
        )

    @admin.action(description=_("Process again (after a fix)"), permissions=["view"])
    def replay(self, request, queryset):
        done, refused = 0, 0
        for event in queryset.exclude(platform__in=["import", "batch"]):
            if not event.authenticated:
                refused += 1
                continue
            try:
                outcome = processing.process(event, replay=True)
            except Exception as error:  # a replay reports, it never breaks the page
                outcome, event.reason = InboundEvent.Outcome.REJECTED, str(error)
            if outcome == InboundEvent.Outcome.REJECTED:
                self.message_user(
                    request, _("Event %(id)s: %(error)s") % {"id": event.pk, "error": event.reason}, messages.ERROR
                )
                continue
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d event processed again.", "%(count)d events processed again.", done) % {"count": done},
        )
        if refused:
            self.message_user(
                request,
                _("%(count)d event(s) never passed the secret or signature check and cannot be replayed.")
                % {"count": refused},
                messages.WARNING,
            )
