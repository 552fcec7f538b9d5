"""Notifications in the admin: every reminder, escalation, digest and spike alert with its delivery,
and an appeal's own on its page (added to the appeals' admin here: appeals knows nothing of
notifications)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from appeals import access
from appeals.admin.common import ReadOnlyInline, appeal_link, list_time
from appeals.models import Appeal
from govfeedback.paginator import CappedCountPaginator

from . import services
from .models import Notification


def delivery_state(notification: Notification) -> str:
    labels = {"sent": _("sent"), "failed": _("failed"), "pending": _("waiting")}
    when = notification.sent_at or notification.gave_up_at or notification.next_attempt_at
    state = format_html(
        '<span class="gf-delivery gf-delivery-{}">{}</span> {}',
        notification.state,
        labels[notification.state],
        list_time(when),
    )
    if notification.sent_with_id and notification.sent_at:
        state = format_html("{} {}", state, _("in one message with #%(id)s") % {"id": notification.sent_with_id})
    if notification.channel == Notification.Channel.ADMIN:
        read = _("read") if notification.read_at else _("not read yet")
        state = format_html("{} ({})", state, read)
    return state


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("pending", _("waiting")), ("sent", _("sent")), ("failed", _("failed"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.pending()
        if value == "sent":
            return queryset.filter(sent_at__isnull=False)
        if value == "failed":
            return queryset.filter(gave_up_at__isnull=False, sent_at__isnull=True)
        return queryset


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = ["created_at", "kind", "channel", "recipient_name", "address", "delivery", "attempts", "last_error"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    verbose_name_plural = _("reminders and escalations")

    @admin.display(description=_("delivery"))
    def delivery(self, notification):
        return delivery_state(notification)


@admin.register(Notification)
class NotificationAdmin(access.ScopedAdmin, access.ReadOnlyAdmin, admin.ModelAdmin):
    """Every reminder, escalation and digest, with its delivery: what was sent, what failed and why."""

    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient_name",
        "address",
        "appeal_link",
        "delivery",
        "attempts",
        "error",
    ]
    list_filter = [DeliveryFilter, "kind", "channel", "created_at"]
    search_fields = ["recipient_name", "address", "=appeal__id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100
    actions = ["retry"]

    def scope_queryset(self, request, queryset):
        return access.notifications_for(request.user, queryset)

    class Media:
        css = {"all": ["appeals/admin.css"]}

    @admin.display(description=_("appeal"), ordering="appeal_id")
    def appeal_link(self, notification):
        return appeal_link(notification.appeal_id)

    @admin.display(description=_("delivery"))
    def delivery(self, notification):
        return delivery_state(notification)

    @admin.display(description=_("last error"))
    def error(self, notification):
        return Truncator(notification.last_error).chars(80)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not access.scope_for(request.user).is_operator:
            actions.pop("retry", None)
        return actions

    @admin.action(description=_("Send again"), permissions=["view"])
    def retry(self, request, queryset):
        count = services.retry(queryset)
        self.message_user(
            request,
            ngettext("%(count)d notification will be sent again.", "%(count)d notifications will be sent again.", count)
            % {"count": count},
        )


# The appeal's page shows its notifications last, after its conversation and its history.
_appeals = admin.site.get_model_admin(Appeal)
_appeals.inlines = [*_appeals.inlines, NotificationInline]
