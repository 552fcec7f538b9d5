"""The intake endpoints: ``/intake/<platform>/<account id>/``.

Every request is stored as an ``InboundEvent`` before anything else is done with it; then the
platform module authenticates and parses it, and ``process`` records the outcome. No request
ends in a server error: a problem is an outcome with its reason.
"""

import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ministries.models import SocialAccount

from .. import services
from ..models import Appeal, InboundEvent
from . import Draft, Ignored, Rejected, meta, ok, ratelimit, telegram, too_long, vk

logger = logging.getLogger(__name__)

MODULES = {"vk": vk, "telegram": telegram, "meta": meta, "ok": ok}
# The headers worth keeping with a stored request (never the secrets themselves).
KEPT_HEADERS = ["Content-Type", "User-Agent", "X-Hub-Signature-256", "X-Forwarded-For"]
Outcome = InboundEvent.Outcome
# When one delivery holds several messages, the event shows the most telling outcome.
PRIORITY = [Outcome.CREATED, Outcome.MESSAGE, Outcome.UPDATED, Outcome.DUPLICATE]


def _account(platform: str, key: str) -> SocialAccount | None:
    return SocialAccount.objects.filter(
        platform__in=MODULES[platform].ACCOUNT_PLATFORMS, external_id=key, is_active=True
    ).first()


def _clean(draft: Draft) -> Draft:
    """A platform's draft as the database stores it: an over-long id or link is refused, a name cut."""
    reason = too_long(draft)
    if reason:
        raise Rejected(reason)
    draft.author_name = draft.author_name[: Appeal._meta.get_field("author_name").max_length]
    return draft


def process(event: InboundEvent, headers: dict, *, replay: bool = False) -> tuple[str, str]:
    """Authenticate, parse and record one stored event; return (outcome, text to answer).

    ``headers`` are the request's (with the secrets) when it arrives; a replay has no secrets
    and is allowed only for events that were authenticated when they arrived.
    """
    module = MODULES[event.platform]
    account = event.account
    answer = "ok" if event.platform == "vk" else ""
    try:
        if account is None:
            raise Rejected(f"No active {event.platform} account with id {event.account_key!r}.", status=404)
        try:
            payload = require_payload(bytes(event.body))
        except ValueError as error:
            raise Rejected(f"Malformed JSON: {error}") from None
        if not replay:
            module.authenticate(account, payload, headers, bytes(event.body))
            event.authenticated = True
        event.dedup_key = module.dedup_key(payload)
        if event.dedup_key and not replay and _delivered_before(event):
            return _finish(event, Outcome.DUPLICATE, "The platform delivered this event before."), answer
        drafts = [_clean(draft) for draft in module.parse(account, payload)]
        results = [services.receive_message(account, draft) for draft in drafts]
        outcome = min((result for result, _appeal in results), key=PRIORITY.index)
        event.appeal = next(appeal for result, appeal in results if result == outcome)
        return _finish(event, outcome), answer
    except vk.Confirmation as confirmation:
        return _finish(event, Outcome.IGNORED, "VK confirmation request answered."), str(confirmation)
    except Ignored as ignored:
        return _finish(event, Outcome.IGNORED, str(ignored)), answer
    except Rejected as rejected:
        _finish(event, Outcome.REJECTED, rejected.reason)
        raise


def _delivered_before(event: InboundEvent) -> bool:
    return (
        InboundEvent.objects.filter(account=event.account, dedup_key=event.dedup_key, authenticated=True)
        .exclude(pk=event.pk)
        .exclude(outcome__in=[Outcome.RECEIVED, Outcome.REJECTED])
        .exists()
    )


def _finish(event: InboundEvent, outcome: str, reason: str = "") -> str:
    event.outcome, event.reason, event.processed_at = outcome, reason, timezone.now()
    event.save(update_fields=["outcome", "reason", "processed_at", "appeal", "dedup_key", "authenticated"])
    return outcome


def require_payload(body: bytes) -> dict:
    payload = json.loads(body.decode("utf-8"))
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


def _refuse_over_rate(event: InboundEvent, secrets: dict) -> JsonResponse:
    """Store the event as refused (429); if it passes the platform's check it can be replayed."""
    module = MODULES[event.platform]
    try:
        module.authenticate(event.account, require_payload(bytes(event.body)), secrets, bytes(event.body))
        event.authenticated = True
    except Exception:  # a malformed or forged request stays not replayable
        event.authenticated = False
    limit = settings.GOVFEEDBACK_INTAKE_RATE_PER_MINUTE
    _finish(
        event,
        Outcome.REJECTED,
        f"More than {limit} requests a minute to this account (GOVFEEDBACK_INTAKE_RATE_PER_MINUTE)"
        + ("; stored and can be replayed." if event.authenticated else "."),
    )
    response = JsonResponse({"detail": event.reason}, status=429)
    response["Retry-After"] = "60"
    return response


def _headers(request) -> dict:

    kept = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    return kept


@csrf_exempt
@transaction.non_atomic_requests
def webhook(request, platform: str, account_key: str):
    account_key = services.clean(account_key)
    if platform not in MODULES:
        return JsonResponse({"detail": f"Unknown platform {platform!r}."}, status=404)
    if request.method == "GET" and platform == "meta":
        account = get_object_or_404(SocialAccount, platform__in=meta.ACCOUNT_PLATFORMS, external_id=account_key)
        challenge = meta.verify_subscription(account, request.GET)
        if challenge is None:
            return HttpResponse("Wrong verify token.", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    account = _account(platform, account_key)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    too_big = length > settings.GOVFEEDBACK_INTAKE_MAX_BODY
    event = InboundEvent.objects.create(
        platform=platform,
        account=account,
        account_key=account_key[:128],
        headers=_headers(request),
        body=b"" if too_big else request.body,
    )
    if too_big:
        _finish(
            event,
            Outcome.REJECTED,
            f"The body of {length} bytes is over the limit of "
            f"{settings.GOVFEEDBACK_INTAKE_MAX_BODY} (GOVFEEDBACK_INTAKE_MAX_BODY).",
        )
        return JsonResponse({"detail": event.reason}, status=413)
    secrets = {
        **request.headers,
        telegram.SECRET_HEADER: request.headers.get(telegram.SECRET_HEADER),
        "query": request.GET,
    }
    if account is not None and ratelimit.over_limit(account.pk):
        return _refuse_over_rate(event, secrets)
    try:
        outcome, answer = process(event, secrets)
    except Rejected as rejected:
        return JsonResponse({"detail": rejected.reason}, status=rejected.status)
    except Exception:  # never a 500 to a platform: the event stays stored for a replay
        logger.exception("Intake event %s failed", event.pk)
        _finish(event, Outcome.RECEIVED, "Processing failed; the event is stored and can be replayed.")
        answer, outcome = ("ok" if platform == "vk" else ""), Outcome.RECEIVED
    if platform == "vk":
        return HttpResponse(answer, content_type="text/plain")
    return JsonResponse({"ok": True, "outcome": outcome, "event": event.pk})
