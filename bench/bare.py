"""The framework's floor for the API: a bare Django view with the same query and the same JSON.

No Django REST framework around it: the session's user from Django's middleware, the page is the
same scoped query (newest first, 50 rows with the shown columns of the account, topic, ministry and
assignee: ``AppealSerializer.select``) and each row is written by the serializer's own row writer
(``AppealSerializer.to_representation``, generated from its declared fields), without DRF's view,
pagination or response around it, and the page written to the access log as the API's is. Mounted
only by ``bench.urls``.
"""

from django.http import JsonResponse
from django.utils import timezone

from appeals import access
from appeals.api.serializers import AppealSerializer
from appeals.models import Appeal
from audit.log import record_access

PAGE = 50


def bare_appeals(request):
    # The same session as the API's requests in the benchmark (Django's own middleware reads it).
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    write = AppealSerializer(context={"request": request, "now": timezone.now()}).to_representation
    queryset = access.appeals_for(request.user, AppealSerializer.select(Appeal.objects))
    rows = list(queryset.order_by("-received_at", "-id")[: PAGE + 1])
    # Who saw which appeals, as the API's page is logged (audit.middleware): the same work.
    shown = [row.pk for row in rows[:PAGE]]
    record_access(request.user, "list", shown, detail=request.get_full_path(), request=request)
    return JsonResponse(
        {"next": "…" if len(rows) > PAGE else None, "previous": None, "results": [write(row) for row in rows[:PAGE]]},
        json_dumps_params={"ensure_ascii": False},
    )
