"""The answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE), in the interface language."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

STATUS = 429


def message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed login attempts. Try again in %(minutes)d minutes or ask an administrator to unlock the login."
    ) % {"minutes": minutes}


def locked_out(request, original_response=None, credentials=None):
    """A page for the admin's login form; JSON for the API."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message()}, status=STATUS)
    else:
        context = {"title": _("Login locked"), "message": message()}
        response = render(request, "audit/locked_out.html", context, status=STATUS)
    response["Retry-After"] = retry_after
    return response
