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

# How many answers a page of the approvers' queue lists, oldest first.
APPROVALS_PER_PAGE = 50


def answer_panel(user, appeal: Appeal, allowed: list[str]) -> dict:
    """What the appeal's page shows of its answer to publish and of the citizen's reply after it."""
    publication = Publication.objects.filter(appeal=appeal).select_related("drafted_by", "approved_by").first()
    actions, edit_step = [], None
    if publication is not None:
        approval = answers.approval_for(appeal)
        may_approve = access.approval_refusal(user, appeal, approval) is None
        for step, form_class in forms.ANSWER_STEP_FORMS.items():
            if step not in allowed or publication.status not in form_class.for_statuses:
                continue
            if step in ("approve_answer", "return_answer") and not may_approve:
                continue
            actions.append((step, form_class.title))
        if publication.status in (Publication.Status.DRAFT, Publication.Status.RETURNED):
            step = "resolve" if publication.resolves else "reply"
            edit_step = step if step in allowed else None
    reply = None
    if appeal.reacted_at is not None:
        reply = (
            AppealMessage.objects.filter(appeal=appeal, direction=AppealMessage.Direction.CITIZEN)
            .order_by("-created_at", "-id")
            .first()
        )
    return {
        "answer": publication,
        "answer_actions": actions,
        "answer_edit_step": edit_step,
        "answer_approval": Approval(answers.approval_for(appeal)).label if publication is not None else None,
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
        access.approvable(request.user, Publication.objects.filter(status=Publication.Status.AWAITING_APPROVAL))
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
