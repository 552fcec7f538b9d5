"""``record_access``: the one way to write the access log (views, exports, anonymisation)."""

from collections.abc import Iterable
from functools import reduce
from operator import or_
from urllib.parse import quote, quote_plus

from django.conf import settings
from django.db.models import Q, QuerySet

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


# What an erased term becomes in the access log's details.
FORGOTTEN = "[…]"


def forget(terms: Iterable[str]) -> int:
    """Erase a citizen's name words and platform ids from the access log's details (the searches
    and filters people typed), as written and as the address encoded them; the entries stay.

    The one change ever made to the append-only log: personal data erased on request or at the
    end of the retention period must not survive in it. Returns how many entries changed.
    """
    forms = set()
    for term in terms:
        for variant in {term, term.lower(), term.capitalize(), term.upper()}:
            forms |= {variant, quote(variant), quote_plus(variant)}
    forms = sorted((form for form in forms if form), key=len, reverse=True)
    if not forms:
        return 0
    changed = 0
    entries = AccessLog.objects.filter(reduce(or_, (Q(detail__contains=form) for form in forms)))
    for pk, detail in entries.values_list("pk", "detail"):
        for form in forms:
            detail = detail.replace(form, FORGOTTEN)
        changed += AccessLog.objects.filter(pk=pk).update(detail=detail)  # not save(): append-only
    return changed


def forget_searches(before) -> int:
    """The retention job's part: entries written before ``before`` keep the page, not what was
    searched or filtered (the query string, which may name a citizen). One UPDATE."""
    from django.db.models import Value
    from django.db.models.functions import Left, StrIndex

    return (
        AccessLog.objects.filter(at__lt=before, detail__contains="?")
        .exclude(detail__endswith="?")
        .update(detail=Left("detail", StrIndex("detail", Value("?"))))
    )


def personal_terms(name: str, *ids: str) -> list[str]:
    """The words of a citizen's name (three letters or more) and their platform ids (five
    characters or more: shorter ones would match appeal numbers) to ``forget``."""
    words = [word.strip(".,") for word in name.split()]
    return [word for word in words if len(word) >= 3] + [value for value in ids if value and len(value) >= 5]
