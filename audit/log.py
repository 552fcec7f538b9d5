"""``record_access``: the one way to write the access log (views, exports, anonymisation)."""

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import AccessLog

# An export of a million appeals keeps the first numbers and the total, not the whole list.
MAX_IDS = 1000


def client_ip(request) -> str | None:
    """The client's address as the server saw it (REMOTE_ADDR; behind a proxy, the proxy sets it)."""
    if request is None:
        return None
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
