"""API authentication and rate limits.

Tokens are django-rest-knox's: only a SHA-512 digest is stored, the token itself is shown once
(``manage.py issue_token LOGIN``). A wrong token counts as a failed login for django-axes, so an
address that keeps guessing is locked out like one that guesses passwords in the admin.
"""

import logging

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# The "username" django-axes counts a wrong token against (per address: AXES_LOCKOUT_PARAMETERS).
AXES_USERNAME = "api-token"


class LockedOut(exceptions.Throttled):
    default_detail = _("Too many failed login attempts. Try again later or ask an administrator to unlock the login.")


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's token check, plus the login throttling of django-axes, and no per-request cleanup
    of the login's other expired tokens (one query per request, not two)."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            # Counted by django-axes; past AXES_FAILURE_LIMIT the address gets 429 instead of 401.
            # (A right token is never refused: 64 random characters are not guessed.)
            credentials, django_request = {"username": AXES_USERNAME}, request._request
            user_login_failed.send(sender=__name__, credentials=credentials, request=django_request)
            if not AxesProxyHandler.is_allowed(django_request, credentials):
                raise LockedOut() from None
            raise

    def _cleanup_token(self, auth_token) -> bool:
        """An expired token is deleted when it is used; the others stay until then."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The schema's "Authorization: Token ..." security scheme for this class."""

    target_class = "appeals.api.authentication.TokenAuthentication"
    name = "tokenAuth"


class TokenRateThrottle(SimpleRateThrottle):
    """Requests a minute per token (an admin session counts per login): ``GOVFEEDBACK_API_RATE``."""

    scope = "token"

    def allow_request(self, request, view) -> bool:
        """When the cache cannot be reached the request is allowed: the API keeps answering."""
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("API rate limit not applied: the cache is unreachable.", exc_info=True)
            return True

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous requests are refused before they cost anything
        token = getattr(request.auth, "digest", None)
        ident = f"token:{token[:32]}" if token else f"user:{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
