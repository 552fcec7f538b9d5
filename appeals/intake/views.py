"""The intake endpoints: ``/intake/<platform>/<account id>/``.

A request is authenticated and checked while the platform waits (``processing.accept``), stored
as an ``InboundEvent`` with what the checks found — whatever they did, a bug in a parser
included, the raw request is stored before anything is answered — and handed to a worker that
turns it into appeals (``processing.process_stored``). No request ends in a server error: a
problem is an outcome with its reason. One write per request: the endpoint must keep up with a
platform's bursts.

What a platform sends with the right secret or signature is stored whole (it can be replayed). A
request that does not pass that check — an unknown account, a wrong secret, a malformed body, a
VK confirmation — is anybody's: it is kept as its metadata and the first ``REFUSED_BODY`` bytes,
counted per client address and in all (``ratelimit.refused_over_limit``) and, past a limit, answered
429 and not stored at all; the retention job deletes it after GOVFEEDBACK_INTAKE_REFUSED_DAYS.
"""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, ngettext
from django.views.decorators.csrf import csrf_exempt

from audit.log import client_ip
from ministries.models import SocialAccount

from .. import services
from ..models import InboundEvent
from . import Rejected, meta, ratelimit, telegram
from .processing import MODULES, accept, answer_for, enqueue, finish

logger = logging.getLogger(__name__)

# The headers worth keeping with a stored request (never the secrets themselves: Telegram's
# X-Telegram-Bot-Api-Secret-Token is not one of them; OK's secret is in the query, never stored).
KEPT_HEADERS = ["Content-Type", "Content-Length", "User-Agent", "X-Hub-Signature-256", "X-Forwarded-For"]
# Of a request that did not pass its platform's check, this much of the body is kept: enough to
# see what it was, too little to fill the database.
REFUSED_BODY = 1024
Outcome = InboundEvent.Outcome


# The accounts a process has looked up, for a few seconds: a burst of webhooks to one account
# costs one query, and a changed secret or a deactivated account counts within ACCOUNT_SECONDS
# (at once in the process that saved it).
ACCOUNT_SECONDS = 5.0
_accounts: dict[tuple[str, str], tuple[float, SocialAccount | None]] = {}


def _account(platform: str, key: str) -> SocialAccount | None:
    now = time.monotonic()
    expires, account = _accounts.get((platform, key), (0.0, None))
    if expires > now:
        return account
    account = SocialAccount.objects.filter(
        platform__in=MODULES[platform].ACCOUNT_PLATFORMS, external_id=key, is_active=True
    ).first()
    if len(_accounts) > 10_000:  # keys that scanners make up
        _accounts.clear()
    _accounts[(platform, key)] = (now + ACCOUNT_SECONDS, account)
    return account


def forget_accounts(**kwargs) -> None:
    _accounts.clear()


def _refuse_over_rate(event: InboundEvent, secrets: dict) -> str:
    """Refuse the event (429); if it passes the platform's check it can be replayed. The reason."""
    try:
        accept(event, secrets)
    except Exception:  # a malformed or forged request stays not replayable
        event.authenticated = False
    limit = settings.GOVFEEDBACK_INTAKE_RATE_PER_MINUTE
    if event.authenticated:
        reason = ngettext(
            "More than %(limit)d request a minute to this account (GOVFEEDBACK_INTAKE_RATE_PER_MINUTE); "
            "stored and can be replayed.",
            "More than %(limit)d requests a minute to this account (GOVFEEDBACK_INTAKE_RATE_PER_MINUTE); "
            "stored and can be replayed.",
            limit,
        )
    else:
        reason = ngettext(
            "More than %(limit)d request a minute to this account (GOVFEEDBACK_INTAKE_RATE_PER_MINUTE).",
            "More than %(limit)d requests a minute to this account (GOVFEEDBACK_INTAKE_RATE_PER_MINUTE).",
            limit,
        )
    finish(event, Outcome.REJECTED, reason % {"limit": limit})
    return event.reason


def _headers(request) -> dict:
    return {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}


@csrf_exempt
@transaction.non_atomic_requests
def webhook(request, platform: str, account_key: str):
    account_key = services.without_nul(account_key)
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
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # a malformed header (gunicorn and nginx refuse it earlier): nothing to store
        return JsonResponse({"detail": "Malformed Content-Length."}, status=400)
    event = InboundEvent(
        platform=platform,
        account=_account(platform, account_key),
        account_key=account_key[:128],
        headers=_headers(request),
        body=request.body if length <= settings.GOVFEEDBACK_INTAKE_MAX_BODY else b"",
    )
    over_limit = None
    try:
        status, answer, queued = _check(request, event, length)
    finally:
        # Counted before it is stored: past a limit a refused request is not stored at all.
        if not event.authenticated:
            over_limit = ratelimit.refused_over_limit(client_ip(request))
        if over_limit is None:
            _store(event)  # the request and its outcome, whatever the checks did, before the answer
    if over_limit is not None:
        status, answer, queued = 429, over_limit, False
    if queued:
        enqueue(event)
    if status != 200:
        response = JsonResponse({"detail": answer}, status=status)
        if status == 429:
            response["Retry-After"] = "60"
        return response
    if platform == "vk":
        return HttpResponse(answer, content_type="text/plain")
    return JsonResponse({"ok": True, "outcome": event.outcome, "event": event.pk})


def _store(event: InboundEvent) -> None:
    """The one write of a request. Every text in it can come from the request (the delivery id
    from the payload, a reason that quotes it, the headers) and PostgreSQL text cannot hold NUL:
    ``services.without_nul`` here, where they all pass, as it cleans the drafts' fields. Of a request
    that did not pass its platform's check only the first ``REFUSED_BODY`` bytes are kept."""
    if not event.authenticated:
        event.body = bytes(event.body[:REFUSED_BODY])
    without_nul = services.without_nul
    event.account_key, event.dedup_key = without_nul(event.account_key)[:128], without_nul(event.dedup_key)[:128]
    event.reason = without_nul(event.reason)
    event.headers = {name: without_nul(value) for name, value in event.headers.items()}
    event.save()


def _check(request, event: InboundEvent, length: int) -> tuple[int, str, bool]:
    """Check a request of ``length`` bytes: (the HTTP status, the answer or the reason of a
    refusal, whether it goes on to a worker)."""
    if length > settings.GOVFEEDBACK_INTAKE_MAX_BODY:
        limit = settings.GOVFEEDBACK_INTAKE_MAX_BODY
        reason = ngettext(
            "The body of %(length)d byte is over the limit of %(limit)d (GOVFEEDBACK_INTAKE_MAX_BODY).",
            "The body of %(length)d bytes is over the limit of %(limit)d (GOVFEEDBACK_INTAKE_MAX_BODY).",
            length,
        )
        reason %= {"length": length, "limit": limit}
        finish(event, Outcome.REJECTED, reason)
        return 413, reason, False
    secrets = {
        **request.headers,
        telegram.SECRET_HEADER: request.headers.get(telegram.SECRET_HEADER),
        "query": request.GET,
    }
    if event.account is not None and ratelimit.over_limit(event.account.pk):
        return 429, _refuse_over_rate(event, secrets), False
    try:
        answer, queued = accept(event, secrets)
    except Rejected as rejected:
        return rejected.status, rejected.reason, False
    except Exception:  # never a 500 to a platform: the event is stored for a replay
        logger.exception("Intake of a %s request to %s failed", event.platform, event.account_key)
        if not event.authenticated:  # nothing to replay: refused like any request that fails the check
            reason = gettext("The request could not be checked (an error in the intake) and is refused.")
            finish(event, Outcome.REJECTED, reason)
            return 400, reason, False
        finish(event, Outcome.RECEIVED, gettext("Processing failed; the event is stored and can be replayed."))
        return 200, answer_for(event.platform), False
    return 200, answer, queued


class HideIntakeQuery(logging.Filter):
    """runserver's request log ("django.server") writes /intake/ paths without their query string:
    the Odnoklassniki webhook's secret is in its URL (``?secret=``). Django's own warnings
    ("django.request") log the path alone; gunicorn and nginx are set in deploy/. Installed by
    ``AppealsConfig.ready``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (without_intake_query(record.args[0]), *record.args[1:])
        return True


def without_intake_query(line: str) -> str:
    """A request line with the query string of an /intake/ path cut out (plain string search: the
    path is anybody's text)."""
    start = line.find("/intake/")
    query = line.find("?", start) if start >= 0 else -1
    if query < 0:
        return line
    end = line.find(" ", query)
    return line[:query] + (line[end:] if end >= 0 else "")
