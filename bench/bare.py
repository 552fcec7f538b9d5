"""The framework's floor for the API: a bare Django view with the same query and the same JSON.

No Django REST framework: the session's user from Django's middleware, the page is the same scoped query
(newest first, 50 rows with the shown columns of the account, topic, ministry and assignee joined:
``AppealSerializer.select``) and each row is written out by hand with the same fields as
``AppealSerializer``. Mounted only by ``bench.urls``.
"""

from django.http import JsonResponse
from django.utils import timezone

from appeals import access
from appeals.api.serializers import AppealSerializer, iso_time
from appeals.models import Appeal

PAGE = 50


def _row(appeal: Appeal, scope, now, zone, labels) -> dict:
    def _time(value):
        return None if value is None else iso_time(value, zone)

    return {
        "id": appeal.pk,
        "status": appeal.status,
        "status_label": labels[appeal.status],
        "platform": appeal.shown_platform,
        "account": {"id": appeal.account_id, "title": appeal.shown_account_title} if appeal.account_id else None,
        "external_id": appeal.external_id,
        "thread_id": appeal.thread_id,
        "permalink": appeal.permalink,
        "author_name": appeal.author_name,
        "author_url": appeal.author_url,
        "text": appeal.text,
        "written_at": _time(appeal.written_at),
        "received_at": _time(appeal.received_at),
        "topic": {"code": appeal.shown_topic_code, "name": appeal.shown_topic_name} if appeal.topic_id else None,
        "ministry": (
            {"id": appeal.ministry_id, "short_name": appeal.shown_ministry_name} if appeal.ministry_id else None
        ),
        "assignee": (
            {"id": appeal.assignee_id, "full_name": appeal.shown_assignee_name} if appeal.assignee_id else None
        ),
        "due_at": _time(appeal.due_at),
        "first_answer_due_at": _time(appeal.first_answer_due_at),
        "first_answered_at": _time(appeal.first_answered_at),
        "overdue": appeal.is_overdue(now),
        "overdue_since": _time(appeal.overdue_since),
        "paused_at": _time(appeal.paused_at),
        "extension_reason": appeal.extension_reason,
        "resolved_at": _time(appeal.resolved_at),
        "answer": appeal.answer,
        "answer_url": appeal.answer_url,
        "rejection_reason": appeal.rejection_reason,
        "duplicate_of": appeal.duplicate_of_id,
        "allowed_steps": access.steps_within(scope, appeal),
    }


def bare_appeals(request):
    # The same session as the API's requests in the benchmark (Django's own middleware reads it).
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    user, now, zone = request.user, timezone.now(), timezone.get_current_timezone()
    scope, labels = access.scope_for(user), {value: str(label) for value, label in Appeal.Status.choices}
    queryset = access.appeals_for(user, AppealSerializer.select(Appeal.objects))
    rows = list(queryset.order_by("-received_at", "-id")[: PAGE + 1])
    return JsonResponse(
        {
            "next": "…" if len(rows) > PAGE else None,
            "previous": None,
            "results": [_row(appeal, scope, now, zone, labels) for appeal in rows[:PAGE]],
        },
        json_dumps_params={"ensure_ascii": False},
    )
