"""The list filters of the appeals and their records."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ministries.models import SocialAccount

from .. import access


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("overdue")),
            ("due_soon", _("due soon")),
            ("due_today", _("due today")),
            ("extended", _("extended")),
            ("first_answer_overdue", _("no first answer in time")),
            ("paused", _("clock stopped")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "overdue":
            return queryset.overdue(now)
        if value == "due_soon":
            return queryset.due_soon(now)
        if value == "due_today":
            return queryset.due_today(now)
        if value == "extended":
            return queryset.extended()
        if value == "first_answer_overdue":
            return queryset.first_answer_overdue(now)
        if value == "paused":
            return queryset.paused()
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """The queues people start from (``queues.landing_url``): the press service's triage, a ministry's
    open and unassigned appeals, a person's own open appeals (their closed ones on request)."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        scope = access.scope_for(request.user)
        choices = []
        if scope.is_operator:
            choices.append(("triage", _("new, not routed")))
        choices.append(("open", _("open")))
        if scope.official_id:
            choices += [("mine", _("assigned to me")), ("mine_closed", _("assigned to me, closed"))]
        if scope.manages:
            choices.append(("unassigned", _("unassigned in my ministry") if scope.ministry_id else _("unassigned")))
            choices.append(("approval", _("answers awaiting approval")))
        choices.append(("reacted", _("the citizen replied after the answer")))
        choices.append(("not_published", _("answer not published")))
        return choices

    def queryset(self, request, queryset):
        scope = access.scope_for(request.user)
        value = self.value()
        if value == "triage":
            return queryset.untriaged()
        if value == "open":
            return queryset.open()
        if value == "mine":
            return queryset.open().filter(assignee_id=scope.official_id)
        if value == "mine_closed":
            return queryset.closed().filter(assignee_id=scope.official_id)
        if value == "unassigned":
            return queryset.open().filter(assignee__isnull=True)
        if value == "approval":  # those this person approves (the approvers' queue's rule)
            return access.approvable(request.user, queryset.answer_awaiting_approval(), appeal_path="")
        if value == "reacted":
            return queryset.reacted()
        if value == "not_published":
            return queryset.answer_not_published()
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Who in my ministry has it (heads); the officials are the head's own ministry's."""

    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        officials = access.officials_for(request.user).filter(is_active=True).order_by("full_name")
        return [(str(pk), name) for pk, name in officials.values_list("pk", "full_name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(assignee_id=int(self.value()))
        return queryset


class PlatformFilter(admin.SimpleListFilter):
    title = _("platform")
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        return [*SocialAccount.Platform.choices, ("manual", _("entered by hand"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "manual":
            return queryset.filter(account__isnull=True)
        if value in SocialAccount.Platform.values:
            return queryset.filter(account__platform=value)
        return queryset
