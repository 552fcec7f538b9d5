"""The appeals in the admin: the list (its queues, counters, search and bulk steps), the appeal's
page with its conversation, history and notifications, the step pages, the duplicates and the import."""

from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.forms import ModelForm, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from govfeedback.paginator import CappedCountPaginator
from ministries.models import SocialAccount

from .. import access, answers, duplicates, forms, services, sla
from ..intake import batch, safe_url
from ..models import (
    Appeal,
    AppealEvent,
    AppealMessage,
    InboundEvent,
    Topic,
)
from .answering import answer_panel, approvals_view
from .common import PLATFORM_BADGES, ReadOnlyInline, bulk_form_page, list_time
from .erasure import anonymise_citizens
from .fast_rows import FastRowsAdmin, FastRowsChangeList, FiltersOnlyChangeList
from .filters import AssigneeFilter, DeadlineFilter, PlatformFilter, QueueFilter
from .queues import counter_querysets, counters_for
from .triage import advice_context, next_in_queue, triage_queue, triage_view


class AppealEventInline(ReadOnlyInline):
    model = AppealEvent
    fields = ["at", "who", "kind", "change", "note"]
    readonly_fields = fields
    ordering = ["at", "id"]
    verbose_name_plural = _("history")

    @admin.display(description=_("who"))
    def who(self, event):
        return event.who

    @admin.display(description=_("change"))
    def change(self, event):
        return describe_change(event)


def _show(field: str, value):
    """A value from an event's data, as a person reads it."""
    if value in (None, ""):
        return "—"
    if field == "status":
        return Appeal.Status(value).label
    if field == "due_at":
        return date_format(timezone.localtime(datetime.fromisoformat(value)), "d.m.Y H:i")
    return value


def describe_change(event: AppealEvent) -> str:
    """ "Status: new → assigned; ministry: — → Минстрой" from the event's [old, new] pairs."""
    parts = []
    for field, value in event.data.items():
        if isinstance(value, list) and len(value) == 2 and value[0] != value[1]:
            try:
                label = capfirst(Appeal._meta.get_field(field).verbose_name)
            except FieldDoesNotExist:
                label = field
            parts.append(f"{label}: {_show(field, value[0])} → {_show(field, value[1])}")
    return "; ".join(parts)


class AppealMessageInline(ReadOnlyInline):
    model = AppealMessage
    fields = ["created_at", "direction", "author_name", "text", "link"]
    readonly_fields = fields
    verbose_name_plural = _("conversation")

    @admin.display(description=_("link"))
    def link(self, message):
        """The published reply's place on the platform (http(s) only: ``safe_url``)."""
        url = safe_url(message.url)
        if not url:
            return ""
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("open on the platform"))


class AppealForm(ModelForm):
    """The appeal's page edits only routing (topic, ministry, assignee); services do the change."""

    class Meta:
        model = Appeal
        fields = ["text", "author_name", "received_at", "account", "topic", "ministry", "assignee"]

    def clean(self):
        data = super().clean()
        if {"ministry", "assignee"} & set(self.changed_data) and (data.get("ministry") or data.get("assignee")):
            if self.instance.pk and not self.instance.can("assign"):
                raise ValidationError(_("A closed appeal cannot be reassigned: reopen it first."))
            try:
                services.check_assignment(data.get("ministry"), data.get("assignee"))
            except services.Refused as refused:
                raise ValidationError(refused.message) from None
        return data


def bulk_step(form_class: type[forms.StepForm], description):
    """An admin action that asks for the step's form once, then applies it to every selected appeal."""

    def action(modeladmin, request, queryset):
        form = form_class(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_bound and form.is_valid():
            done, refusals = 0, []
            for pk in queryset.values_list("pk", flat=True):
                try:
                    form.apply(pk, request.user)
                    done += 1
                except services.Refused as refused:
                    refusals.append(refused.message)
            modeladmin.message_user(
                request,
                ngettext("%(count)d appeal changed.", "%(count)d appeals changed.", done) % {"count": done},
                messages.SUCCESS if done else messages.WARNING,
            )
            for message in refusals[:10]:
                modeladmin.message_user(request, message, messages.ERROR)
            if len(refusals) > 10:
                modeladmin.message_user(
                    request, _("…and %(count)d more refused.") % {"count": len(refusals) - 10}, messages.ERROR
                )
            return None
        return bulk_form_page(modeladmin, request, queryset, form)

    action.__name__ = f"bulk_{form_class.__name__.removesuffix('Form').lower()}"
    return admin.action(description=description)(action)


class AppealChangeList(FastRowsChangeList):
    """The appeals list; each row knows the person's scope and the list's address for its «start
    work» button (``AppealAdmin.status_label``), and the headers mark the order the list really has
    (Django marks the model's default order, not the queue's)."""

    def __init__(self, request, *args, **kwargs):
        self._request = request
        super().__init__(request, *args, **kwargs)

    def _get_default_ordering(self):
        # Only the first field is marked: the tie-breaker (the number) would only crowd its header.
        return (self.model_admin.get_ordering(self._request) or super()._get_default_ordering())[:1]

    def get_results(self, request):
        # Each row's answer that keeps it open («ответ на согласовании»...), in the page's own query
        # (the list's selection, ``queryset``, stays the one the dashboard and the export apply).
        queryset = self.queryset
        self.queryset = queryset.with_answer_state()
        try:
            super().get_results(request)
        finally:
            self.queryset = queryset
        scope, back = access.scope_for(request.user), request.get_full_path()
        head, _zero, tail = reverse("admin:appeals_appeal_triage_one", args=[0]).rpartition("/0/")
        for appeal in self.result_list:
            appeal.list_scope, appeal.list_back = scope, back
            appeal.list_triage = f"{head}/{appeal.pk}/{tail}"


@admin.register(Appeal)
class AppealAdmin(FastRowsAdmin, access.ScopedAdmin, admin.ModelAdmin):
    form = AppealForm
    # The deadline and the status first: they are what an operator scans the list for.
    list_display = [
        "number",
        "deadline",
        "status_label",
        "excerpt",
        "topic",
        "ministry",
        "assignee_name",
        "source",
        "received",
    ]
    list_display_links = ["number", "excerpt"]
    list_select_related = ["account", "topic", "ministry", "assignee"]
    list_filter = [QueueFilter, "status", DeadlineFilter, "topic", "ministry", PlatformFilter, "account", "received_at"]
    search_fields = ["text", "author_name", "=external_id"]
    search_help_text = _("Search in the text and the author's name; a number finds the appeal with that №.")
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    autocomplete_fields = ["account", "ministry", "assignee"]
    # The notifications app adds the appeal's reminders (notifications.admin).
    inlines = [AppealMessageInline, AppealEventInline]
    change_list_template = "admin/appeals/appeal/change_list.html"
    actions = [
        bulk_step(forms.TriageForm, _("Set the topic and the ministry")),
        bulk_step(forms.AssignMinistryForm, _("Assign to a ministry")),
        bulk_step(forms.AssignOfficialForm, _("Assign to an official")),
        bulk_step(forms.SetTopicForm, _("Set the topic")),
        bulk_step(forms.ExtendForm, _("Extend the deadline")),
        bulk_step(forms.RejectForm, _("Reject")),
        anonymise_citizens,
    ]

    class Media:
        css = {"all": ["appeals/admin.css", "appeals/answer.css"]}
        js = ["appeals/triage.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Routing picks existing topics, ministries and officials; it does not edit them.
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and hasattr(formfield.widget, "can_add_related"):
            formfield.widget.can_add_related = formfield.widget.can_change_related = False
            formfield.widget.can_delete_related = formfield.widget.can_view_related = False
        return formfield

    # --- scoping -----------------------------------------------------------------------------

    def scope_queryset(self, request, queryset):
        return access.appeals_for(request.user, queryset)

    def has_change_permission(self, request, obj=None):
        # A specialist opens a colleague's appeal read-only; nobody changes another ministry's.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.may(request.user, obj, "comment"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ministry":
            kwargs["queryset"] = access.ministries_for(request.user).filter(is_active=True)
        elif db_field.name == "assignee":
            kwargs["queryset"] = access.officials_for(request.user).filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- the list -------------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        # The dashboard and the export want the list's filters, not its page (analytics.views).
        return FiltersOnlyChangeList if getattr(request, "filters_only", False) else AppealChangeList

    def get_list_display(self, request):
        """The columns that tell something to this role: a ministry's people do not need the
        ministry (always theirs) nor the account the appeal came through; the list fits 1,366 px."""
        scope = access.scope_for(request.user)
        if scope.is_operator:
            return self.list_display
        hidden = {"ministry", "source"}
        if request.GET.get("queue") in {"mine", "mine_closed"}:
            hidden.add("assignee_name")  # always the person
        return [column for column in self.list_display if column not in hidden]

    def get_list_filter(self, request):
        scope = access.scope_for(request.user)
        if scope.is_operator:
            return self.list_filter
        if scope.role == access.HEAD:
            return [QueueFilter, "status", DeadlineFilter, "topic", AssigneeFilter, PlatformFilter, "received_at"]
        return [QueueFilter, "status", DeadlineFilter, "topic", "received_at"]

    def get_ordering(self, request):
        # A ministry's queue and every queue of the press service are worked in the order of the deadlines.
        if access.scope_for(request.user).is_operator and not request.GET.get("queue"):
            return super().get_ordering(request)
        return ["due_at", "id"]

    def changelist_view(self, request, extra_context=None):
        scope = access.scope_for(request.user)
        if request.method == "GET" and not request.GET and scope.ministry_id is not None:
            # A head starts from the ministry's open queue, a specialist from their own appeals.
            queue = "mine" if scope.role == access.SPECIALIST else "open"
            return HttpResponseRedirect(f"{request.path}?queue={queue}")
        extra_context = {
            **(extra_context or {}),
            "import_allowed": scope.is_operator and self.has_add_permission(request),
            "approvals_allowed": scope.manages,
        }
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # Counted by the paginator, in the same query as the list (see get_paginator).
            paginator = changelist.paginator
            response.context_data["counters"] = [
                (
                    counter.label,
                    paginator.figure(counter.name),
                    counter.query,
                    counter.name,
                    counter.is_current(request.GET),
                )
                for counter in counters_for(scope)
            ]
            response.context_data["triage_allowed"] = scope.manages
        return response

    def changelist_title(self, request, changelist) -> str | None:
        """The queue shown, by its name («Обращения: новые, не распределены»)."""
        for spec in changelist.filter_specs:
            if isinstance(spec, QueueFilter) and spec.value():
                label = dict(spec.lookup_choices).get(spec.value())
                if label:
                    return _("Appeals: %(queue)s") % {"queue": label}
        return None

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        paginator.also_count = self.counter_querysets(request)
        return paginator

    def counter_querysets(self, request) -> dict:
        """The role's counters (queues.counters_for: the press service's triage, a ministry's open
        queue, a specialist's own appeals), each counted up to the limit along a partial index; the
        list links to each."""
        return counter_querysets(access.scope_for(request.user), self.get_queryset(request), timezone.now())

    def get_search_results(self, request, queryset, search_term):
        # ``queryset`` is already the person's scope with the list's filters: a number is looked up
        # in it, never in every appeal.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().lstrip("№#")
        if number.isascii() and number.isdigit():
            found |= queryset.filter(pk=int(number))
        return found, may_have_duplicates

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        scope = access.scope_for(request.user)
        if scope.is_operator:
            return actions
        if scope.role == access.HEAD:
            # Within the ministry: no handing over to another ministry; personal data: the press service.
            actions.pop("bulk_assignministry", None)
            actions.pop("anonymise_citizens", None)
            return actions
        return {}

    @admin.display(description="№", ordering="id")
    def number(self, appeal):
        return appeal.pk

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, appeal):
        # Not the field itself: the admin rebuilds the field's whole choices list for every cell.
        label = Appeal.Status(appeal.status).label
        state = getattr(appeal, "answer_state", None)
        if state in answers.ANSWER_STATES:  # what keeps it open: its answer's way to the citizen
            label = format_html(
                '{}<span class="gf-list-answer gf-list-answer-{}">{}</span>', label, state, answers.ANSWER_STATES[state]
            )
        scope = getattr(appeal, "list_scope", None)
        if scope is None:
            return label
        if appeal.is_open and (
            (scope.is_operator and appeal.status == Appeal.Status.NEW and appeal.ministry_id is None)
            or (scope.role == access.HEAD and appeal.assignee_id is None)
        ):
            # Its compact routing page, one click from the row.
            action = _("route") if scope.is_operator else _("assign")
            return format_html('{}<a class="button gf-start" href="{}">{}</a>', label, appeal.list_triage, action)
        mine = scope.official_id is not None and appeal.assignee_id == scope.official_id
        if not mine or "start" not in access.steps_within(scope, appeal):
            return label
        # «Take into work» without a page of its own: the row's button posts the list's form to the step.
        return format_html(
            '{}<button type="submit" class="button gf-start" formaction="{}" formmethod="post" name="next" value="{}">'
            "{}</button>",
            label,
            reverse("admin:appeals_appeal_step", args=[appeal.pk, "start"]),
            appeal.list_back,
            _("start work"),
        )

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, appeal):
        return list_time(appeal.received_at)

    @admin.display(description=_("source"))
    def source(self, appeal):
        account = appeal.account
        if account is None:
            return _("entered by hand")
        # The badge alone in the list (the account in its title); the page adds the handle.
        return format_html(
            '<span class="gf-platform gf-platform-{}" title="{}">{}</span>',
            account.platform,
            f"{SocialAccount.Platform(account.platform).label}: {account.title}",
            PLATFORM_BADGES[account.platform],
        )

    @admin.display(description=_("assignee"), ordering="assignee__full_name")
    def assignee_name(self, appeal):
        return appeal.assignee.short_name if appeal.assignee else "—"

    @admin.display(description=_("text"))
    def excerpt(self, appeal):
        # The author under the text: a column of its own would not fit 1,366 px.
        text = appeal.text if len(appeal.text) <= 70 else appeal.text[:69] + "…"
        if not appeal.author_name:
            return text
        return format_html('{}<span class="gf-author">{}</span>', text, appeal.author_name)

    @admin.display(description=_("deadline"), ordering="due_at")
    def deadline(self, appeal):
        """The coloured badge with the time left or overdue in words, the deadline itself below."""
        state = appeal.deadline_state()
        labels = {
            "overdue": _("overdue"),
            "due_soon": _("due soon"),
            "paused": _("clock stopped: waiting for the citizen"),
            "on_time": "",
            "closed": "",
        }
        _hours, mode, _pause = sla.policy(appeal.topic)
        counted = Topic.SlaMode(mode).label
        words = sla.time_left(appeal)
        if not words:
            return format_html('<span class="gf-deadline gf-deadline-{}">{}</span>', state, list_time(appeal.due_at))
        return format_html(
            '<span class="gf-deadline gf-deadline-{}" title="{}">{}</span><span class="gf-due-at" title="{}">{}</span>',
            state,
            labels[state],
            words,
            counted,
            list_time(appeal.due_at),
        )

    @admin.display(description=_("first answer"))
    def first_answer(self, appeal):
        if appeal.first_answered_at:
            answered = list_time(appeal.first_answered_at)
            late = appeal.first_answer_due_at and appeal.first_answered_at > appeal.first_answer_due_at
            return format_html(
                '<span class="gf-deadline gf-deadline-{}">{}</span>',
                "late" if late else "closed",
                _("answered %(when)s") % {"when": answered},
            )
        if appeal.first_answer_due_at is None:
            return "—"
        return format_html(
            '<span class="gf-deadline gf-deadline-{}">{}</span>',
            appeal.first_answer_state(),
            _("due %(when)s") % {"when": list_time(appeal.first_answer_due_at)},
        )

    # --- one appeal ---------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (_("Appeal"), {"fields": ["text", "author_name", "received_at", "account"]}),
                (_("Routing"), {"fields": ["topic", "ministry", "assignee"]}),
            ]
        return [
            (_("Source"), {"fields": ["source_link", "author", "written_at", "received_at", "text"]}),
            (_("Routing"), {"fields": ["topic", "ministry", "assignee"]}),
            (
                _("Status and deadlines"),
                {
                    "fields": [
                        "status",
                        "first_answer",
                        "deadline",
                        "extension_reason",
                        "paused_at",
                        "overdue_since",
                        "escalated_at",
                    ]
                },
            ),
            (_("Answer"), {"fields": ["answer", "answer_url", "resolved_at", "rejection_reason", "duplicate_of"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = [
            "first_answer",
            "paused_at",
            "escalated_at",
            "source_link",
            "author",
            "written_at",
            "received_at",
            "text",
            "status",
            "deadline",
            "extension_reason",
            "overdue_since",
            "answer",
            "answer_url",
            "resolved_at",
            "rejection_reason",
            "duplicate_of",
        ]
        scope = access.scope_for(request.user)
        if not obj.can("assign") or not scope.manages:
            readonly += ["ministry", "assignee"]
        elif not scope.is_operator:
            readonly += ["ministry"]  # a head reassigns within the ministry only
        if not scope.manages:
            readonly += ["topic"]
        return readonly

    @admin.display(description=_("source"))
    def source_link(self, appeal):
        source = self.source(appeal)
        if appeal.account is not None:
            source = format_html("{} {}", source, appeal.account.title)
        if safe_url(appeal.permalink):
            return format_html(
                '{} — <a href="{}" target="_blank" rel="noopener">{}</a>',
                source,
                safe_url(appeal.permalink),
                _("open the original"),
            )
        return source

    @admin.display(description=_("author"))
    def author(self, appeal):
        name = appeal.author_name or _("unknown")
        if safe_url(appeal.author_url):
            return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', safe_url(appeal.author_url), name)
        return name

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            appeal, _created = services.create_appeal(
                text=data["text"],
                account=data.get("account"),
                received_at=data.get("received_at"),
                topic=data.get("topic"),
                author_name=data.get("author_name", ""),
                actor=request.user,
            )
            obj.pk = appeal.pk
            obj._state.adding = False
        topic = data.get("topic") if change and "topic" in form.changed_data else None
        routed = bool({"ministry", "assignee"} & set(form.changed_data if change else data)) and bool(
            data.get("ministry") or data.get("assignee")
        )
        if topic is not None or routed:
            # The topic and the routing together, as the triage page does (one code path).
            services.triage(
                obj.pk,
                topic=topic,
                ministry=data.get("ministry") if routed else None,
                official=data.get("assignee") if routed else None,
                actor=request.user,
            )

    def has_delete_permission(self, request, obj=None):
        # Appeals are never deleted: reject them as spam, not an appeal or a duplicate.
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            if obj.is_open and access.may(request.user, obj, "reject"):
                context["duplicates"] = duplicates.candidates(obj, self.get_queryset(request))
            allowed = access.allowed_steps(request.user, obj)
            context["steps"] = [
                (step, forms.STEP_FORMS[step].title)
                for step in allowed
                if step in forms.STEP_FORMS and step not in forms.ANSWER_STEP_FORMS and step != "dismiss_reaction"
            ]
            context.update(answer_panel(request.user, obj, allowed))
            context["time_left"] = sla.time_left(obj)
            form = context["adminform"].form
            if obj.is_open and "topic" in form.fields:
                # The routing fields with the classifier's suggestion and the rules' opinion, and
                # «save and open the next new» for the person who triages.
                context.update(advice_context(obj, form, request.user))
                context["save_and_next"] = access.scope_for(request.user).manages
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if "_savenext" in request.POST:
            queue = triage_queue(request, self.get_queryset(request))
            following = next_in_queue(queue, obj)
            if following is None:
                self.message_user(request, _("Saved. There are no more new appeals."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:appeals_appeal_changelist"))
            self.message_user(request, _("Appeal #%(id)s saved.") % {"id": obj.pk}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:appeals_appeal_change", args=[following.pk]))
        return super().response_change(request, obj)

    def get_urls(self):
        step_view = self.admin_site.admin_view(self.step_view)
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="appeals_appeal_import"),
            path("duplicates/", self.admin_site.admin_view(self.duplicates_view), name="appeals_appeal_duplicates"),
            path(
                "<path:object_id>/duplicate-of/<int:other_id>/",
                self.admin_site.admin_view(self.confirm_duplicate_view),
                name="appeals_appeal_confirm_duplicate",
            ),
            path("<path:object_id>/step/<str:step>/", step_view, name="appeals_appeal_step"),
            path(
                "approvals/",
                self.admin_site.admin_view(lambda request: approvals_view(self, request)),
                name="appeals_appeal_approvals",
            ),
            path("triage/", self.admin_site.admin_view(self.triage_view), name="appeals_appeal_triage"),
            path(
                "<path:object_id>/triage/",
                self.admin_site.admin_view(self.triage_view),
                name="appeals_appeal_triage_one",
            ),
            *super().get_urls(),
        ]

    def triage_view(self, request, object_id=None):
        return triage_view(self, request, object_id)

    def confirm_duplicate_view(self, request, object_id, other_id):
        """One click: the newer of the two appeals is rejected as a duplicate of the older one."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        first, second = self.get_object(request, object_id), self.get_object(request, str(other_id))
        if first is None or second is None:
            raise Http404(_("No such appeal."))
        original, copy = sorted([first, second], key=lambda appeal: (appeal.received_at, appeal.pk))
        try:
            services.reject(copy, reason="duplicate", duplicate_of=original.pk, actor=request.user)
        except services.Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("Appeal #%(copy)s is a duplicate of #%(original)s: answering the original answers both.")
                % {"copy": copy.pk, "original": original.pk},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:appeals_appeal_change", args=[original.pk]))

    def duplicates_view(self, request):
        """The newest open appeals in the user's scope that have likely duplicates."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        scoped = self.get_queryset(request)
        recent = scoped.open().select_related("account", "topic").order_by("-received_at")[:100]
        rows = [(appeal, found) for appeal in recent if (found := duplicates.candidates(appeal, scoped, limit=3))]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Likely duplicates"),
            "opts": self.model._meta,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/appeals/appeal/duplicates.html", context)

    def import_view(self, request):
        """Appeals from a CSV or XLSX file (monitoring exports, Twitter): operators only."""
        if not access.scope_for(request.user).is_operator or not self.has_add_permission(request):
            raise PermissionDenied
        form = forms.ImportForm(request.POST or None, request.FILES or None)
        results = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            event = InboundEvent.objects.create(
                platform="import",
                account_key=upload.name[:128],
                body=content,
                authenticated=True,
                headers={"uploaded_by": request.user.get_username()},
            )
            try:
                rows = batch.read_file(upload.name, content)
            except ValueError as error:
                form.add_error("file", str(error))
                event.outcome, event.reason = InboundEvent.Outcome.REJECTED, str(error)
                event.save(update_fields=["outcome", "reason"])
            else:
                results = batch.ingest(event, rows)
                self.message_user(
                    request, _("Imported %(rows)d rows: %(summary)s.") % {"rows": len(results), "summary": event.reason}
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import appeals from a CSV or XLSX file"),
            "form": form,
            "opts": self.model._meta,
            "results": results,
            "columns": batch.FIELDS,
        }
        return TemplateResponse(request, "admin/appeals/appeal/import.html", context)

    def step_view(self, request, object_id, step):
        """One next step of an appeal (start, ask, extend, resolve, reject, reopen, comment)."""
        form_class = forms.STEP_FORMS.get(step)
        appeal = self.get_object(request, object_id)
        if form_class is None or appeal is None:
            raise Http404(_("No such appeal or step."))
        if not super().has_change_permission(request, appeal) or not access.may(request.user, appeal, step):
            raise PermissionDenied
        change_url = reverse("admin:appeals_appeal_change", args=[appeal.pk])
        # Bound on every POST: «start work» posts nothing but the token (or not even that).
        # An answer's step acts on the answer the panel's link names (forms.PublicationStepForm).
        initial = {"publication_id": request.GET.get("publication_id")}
        form = form_class(
            request.POST if request.method == "POST" else None, user=request.user, appeal=appeal, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                form.apply(appeal.pk, request.user)
            except services.Refused as refused:
                services.record_refusal(appeal, step=step, message=refused.message, actor=request.user)
                form.add_error(None, refused.message)
            else:
                self.message_user(request, _("Appeal #%(id)s: done.") % {"id": appeal.pk}, messages.SUCCESS)
                back = request.POST.get("next", "")
                if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
                    return HttpResponseRedirect(back)  # «start work» from a row of the list: back to it
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{form.title}: {appeal}",
            "form": form,
            "appeal": appeal,
            "opts": self.model._meta,
            "original": appeal,
            "change_url": change_url,
            "media": self.media + form.media,
            "step": step,
            "card": self.appeal_card(appeal),
            "conversation": list(appeal.messages.all()),
            "shortcuts": self.deadline_shortcuts(appeal) if "due_at" in form.fields else [],
            **form.page_context(),
        }
        return TemplateResponse(request, form.template_name, context)

    def appeal_card(self, appeal) -> dict:
        """The appeal's source, author and deadline as the step and triage pages show them."""
        return {"source": self.source_link(appeal), "author": self.author(appeal), "deadline": self.deadline(appeal)}

    @staticmethod
    def deadline_shortcuts(appeal, now=None) -> list[tuple[int, datetime]]:
        """+1, +3 and +5 working days (the holidays calendar) from the current deadline, or from now
        when it has passed: the extension form's one-click choices."""
        now = now or timezone.now()
        base = max(appeal.due_at, now)
        return [(days, timezone.localtime(sla.add_working_days(base, days))) for days in (1, 3, 5)]
