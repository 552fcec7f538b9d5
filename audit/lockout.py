"""The answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE), in the interface language."""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
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


class AddressLimitBackend:
    """The first authentication backend: an address with AXES_ADDRESS_FAILURE_LIMIT failed logins
    (whatever the logins) within the cool-off is refused every login, with the lockout page.

    django-axes locks a login at one address after AXES_FAILURE_LIMIT failures; trying one password
    on many logins (password spraying) never reaches that. The failures are django-axes' own records,
    so an administrator's unlock (admin «Access attempts», ``axes_reset``) lifts this limit too.
    It only refuses (no ``get_user``): sessions belong to the backend that let the person in.
    """

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        from .log import client_ip

        address = client_ip(request)
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        if (failures or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # AxesMiddleware answers with locked_out()
            raise PermissionDenied
        return None
