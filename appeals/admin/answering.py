"""Answering in the admin: the answer panel of an appeal's page (where its answer stands and what
can be done with it), the approvers' queue «ожидают согласования», and the answer templates."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from ministries.models import Approval

from .. import access, answers, forms
from ..models import AnswerTemplate, Appeal, AppealMessage, Publication
from ..steps import OPEN_STATUSES

# How many answers a page of the approvers' queue lists, oldest first.
APPROVALS_PER_PAGE = 50


# How many of an appeal's answers the page reads (newest first): more never wait at once.
ANSWERS_SHOWN = 20


def answer_panel(user, appeal: Appeal, allowed: list[str]) -> dict:
    """What the appeal's page shows of its answers to publish and of the citizen's reply after it:
    every answer not published yet (a draft, returned, awaiting approval, queued, failed, unknown),
    each with its own actions (their links name it: the step forms and the services act on that
    row), or else the newest published one. One query."""
    rows = list(Publication.objects.filter(appeal=appeal).select_related("drafted_by", "approved_by")[:ANSWERS_SHOWN])
    pending = [row for row in rows if row.status != Publication.Status.PUBLISHED]
    shown = pending or rows[:1]
    approval = answers.approval_for(appeal) if shown else None
    may_approve = shown and access.approval_refusal(user, appeal, approval) is None
    items = []
    for publication in shown:
        actions, edit_step = [], None
        for step, form_class in forms.ANSWER_STEP_FORMS.items():
            if step not in allowed or publication.status not in form_class.for_statuses:
                continue
            if step in ("approve_answer", "return_answer") and not may_approve:
                continue
            actions.append((step, form_class.title))
        if publication.status in (Publication.Status.DRAFT, Publication.Status.RETURNED):
            step = "resolve" if publication.resolves else "reply"
            edit_step = step if step in allowed else None
        items.append({"answer": publication, "actions": actions, "edit_step": edit_step})
    reply = None
    if appeal.reacted_at is not None:
        reply = (
            AppealMessage.objects.filter(appeal=appeal, direction=AppealMessage.Direction.CITIZEN)
            .order_by("-created_at", "-id")
            .first()
        )
    first = items[0] if items else {"answer": None, "actions": [], "edit_step": None}
    return {
        "answers": items,
        # The first of them, as the step pages and older callers read it.
        "answer": first["answer"],
        "answer_actions": first["actions"],
        "answer_edit_step": first["edit_step"],
        "answer_approval": Approval(approval).label if shown else None,
        "reaction": reply,
        "reaction_steps": [step for step in ("reopen", "dismiss_reaction") if step in allowed],
    }


def approvals_view(model_admin, request):
    """«Ответы ждут согласования»: the answers this person may approve (``access.approvable``, the
    rule the services check), oldest first, a page at a time."""
    scope = access.scope_for(request.user)
    if not scope.manages or not model_admin.has_view_permission(request):
        raise PermissionDenied
    waiting = (
        access.approvable(
            request.user,
            Publication.objects.filter(status=Publication.Status.AWAITING_APPROVAL, appeal__status__in=OPEN_STATUSES),
        )
        .select_related("appeal__account", "appeal__ministry", "drafted_by")
        .order_by("created_at", "id")
    )
    page = Paginator(waiting, APPROVALS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Answers awaiting approval"),
        "opts": model_admin.model._meta,
        "page": page,
        "rows": page.object_list,
    }
    return TemplateResponse(request, "admin/appeals/appeal/approvals.html", context)


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(access.ScopedAdmin, admin.ModelAdmin):
    """The press service keeps every template; a ministry's head keeps their ministry's and sees the
    common ones; a specialist reads those they may use."""

    list_display = ["title", "topic", "ministry", "position", "is_active"]
    list_filter = ["topic", "ministry", "is_active"]
    list_select_related = ["topic", "ministry"]
    search_fields = ["title", "text"]
    fields = ["title", "text", "topic", "ministry", "position", "is_active"]

    def scope_queryset(self, request, queryset):
        scope = access.scope_for(request.user)
        if scope.is_operator:
            return queryset
        if scope.ministry_id is None:
            return queryset.none()
        return queryset.filter(ministry__isnull=True) | queryset.filter(ministry_id=scope.ministry_id)

    def _keeps(self, request, obj) -> bool:
        scope = access.scope_for(request.user)
        if scope.is_operator:
            return True
        return scope.role == access.HEAD and (obj is None or obj.ministry_id == scope.ministry_id)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._keeps(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._keeps(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._keeps(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ministry":
            kwargs["queryset"] = access.ministries_for(request.user).filter(is_active=True)
            if not access.scope_for(request.user).is_operator:
                kwargs["required"] = True  # a head's templates are their ministry's
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
