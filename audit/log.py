"""``record_access``: the one way to write the access log (views, exports, anonymisation)."""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet

from .models import AccessLog

# An export of a million appeals keeps the first numbers and the total, not the whole list.
MAX_IDS = 1000


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the TLS proxy (BEHIND_TLS_PROXY=1) the last
    address in X-Forwarded-For, the one the proxy itself added (earlier ones the client can forge).
    Also django-axes' AXES_CLIENT_IP_CALLABLE."""
    if request is None:
        return None
    if settings.GOVFEEDBACK_BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or None


def record_access(user, action: str, appeal_ids: Iterable[int] | QuerySet, detail: str = "", request=None) -> AccessLog:
    """Write who did ``action`` ("view", "export", "anonymise") to which appeals.

    ``appeal_ids`` is a list of appeal numbers or a queryset of appeals (then it is counted and
    its first numbers kept, without loading it); ``detail`` says which page, filter or reason.
    """
    if action not in AccessLog.Action.values:
        raise ValueError(f"Unknown access log action {action!r}: use one of {AccessLog.Action.values}.")
    if isinstance(appeal_ids, QuerySet):
        count = appeal_ids.count()
        ids = list(appeal_ids.order_by("pk").values_list("pk", flat=True)[:MAX_IDS])
    else:
        all_ids = [int(pk) for pk in appeal_ids]
        count, ids = len(all_ids), all_ids[:MAX_IDS]
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AccessLog.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        appeal_ids=ids,
        count=count,
        detail=detail,
        ip=client_ip(request),
    )
