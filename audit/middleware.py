"""Logs each successful opening of one appeal: its admin page and history, and its API answers;
moves a working session's end on."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .log import record_access

# How often a working session's end is moved on (one session write at most this often).
SESSION_REFRESH_SECONDS = 15 * 60
REFRESHED = "govfeedback_refreshed"

# URL names (with their namespace) that show one appeal's personal data, and the URL argument
# that holds its number.
LOGGED_VIEWS = {
    "admin:appeals_appeal_change": "object_id",
    "admin:appeals_appeal_history": "object_id",
    "admin:appeals_appeal_step": "object_id",
    "api:appeal-detail": "pk",
    "api:appeal-history": "pk",
    "api:appeal-messages": "pk",
}


def _context(response) -> dict:
    """What a page showed (a page that failed to build, Django's "invalid filter" one, shows nothing)."""
    return getattr(response, "context_data", None) or {}


def _changelist(response) -> list[int]:
    changelist = _context(response).get("cl")
    return [appeal.pk for appeal in changelist.result_list] if changelist is not None else []


def _duplicates(response) -> list[int]:
    rows = _context(response).get("rows", [])
    return [pk for appeal, found in rows for pk in (appeal.pk, *(c.appeal.pk for c in found))]


def _spike(response) -> list[int]:
    return [appeal.pk for appeal in _context(response).get("spike_appeals", [])]


def _api_page(response) -> list[int]:
    return [row["id"] for row in response.data.get("results", [])]


# Pages that show many appeals' personal data at once, and how to read which.
LISTED_VIEWS = {
    "admin:appeals_appeal_changelist": _changelist,
    "admin:appeals_appeal_duplicates": _duplicates,
    "admin:analytics_spikealert_change": _spike,
    "api:appeal-list": _api_page,
}


class AccessLogMiddleware:
    """After a GET of a logged view answered 200, write who saw which appeals: a "view" of one
    appeal's page, a "list" of the appeals a list showed (a 404 showed nothing, nor does an
    empty list)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method != "GET" or response.status_code != 200 or match is None:
            return response
        detail = request.get_full_path()[:500]
        argument = LOGGED_VIEWS.get(match.view_name)
        number = str(match.kwargs.get(argument, ""))
        if argument and number.isdigit():
            record_access(request.user, "view", [int(number)], detail=detail, request=request)
        listed = LISTED_VIEWS.get(match.view_name)
        if listed is not None:
            ids = list(dict.fromkeys(listed(response)))
            if ids:
                record_access(request.user, "list", ids, detail=detail, request=request)
        return response


class SessionExpiryMiddleware:
    """A session expires SESSION_COOKIE_AGE after its person's last activity: the end is moved on
    (the session saved) at most every SESSION_REFRESH_SECONDS, not written on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        working = session is not None and session.get("_auth_user_id") is not None
        if working and time.time() - session.get(REFRESHED, 0) > SESSION_REFRESH_SECONDS:
            session[REFRESHED] = int(time.time())  # saved, with a new end, after the response
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="govfeedback-session-refreshed")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[REFRESHED] = int(time.time())
