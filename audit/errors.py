"""The server-error page (``handler500``): the database out of reach is a clear 503, not a 500.

While PostgreSQL restarts, requests in flight fail; the client is told to retry shortly (an
intake platform redelivers, an integration retries) instead of getting a server error. Nothing
else changes: any other error is the usual 500 page, never a traceback (DEBUG is off).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

RETRY_AFTER = "5"


# PostgreSQL's code for a statement stopped by statement_timeout (a web request's time limit).
QUERY_CANCELED = "57014"


def _database_error() -> Exception | None:
    """The lost or refused connection (or the stopped statement) behind the error being handled."""
    error, seen = sys.exc_info()[1], 0
    while error is not None and seen < 10:
        if isinstance(error, OperationalError | InterfaceError):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def database_unavailable() -> bool:
    """Whether the error being handled is a lost or refused database connection."""
    return _database_error() is not None


def server_error(request, *args, **kwargs):
    error = _database_error()
    if error is None:
        return django_server_error(request, *args, **kwargs)
    if getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED:
        message = _("This request took too long and was stopped: narrow the filter or the search, then try again.")
    else:
        message = _("The service is temporarily unavailable. Please try again in a few seconds.")
    if request.path.startswith(("/api/", "/intake/")):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = RETRY_AFTER
    return response
