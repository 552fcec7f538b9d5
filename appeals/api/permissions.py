"""Who may call the API at all; which rows they see is ``appeals/access.py``'s business."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .. import access


class HasRole(permissions.BasePermission):
    """An operator, or an official of a ministry. A login with no role gets 403, not empty lists."""

    message = _("You have no access to appeals: ask the press service to link your login to an official.")

    def has_permission(self, request, view) -> bool:
        return access.scope_for(request.user).role != access.NOBODY


class OperatorWrites(HasRole):
    """Everybody with a role reads; only the press-service operators change."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        # DRF makes a permission object per request: the message is this request's.
        self.message = _("Only the press service can change this.")
        return access.scope_for(request.user).is_operator


class OperatorsOnly(permissions.BasePermission):
    """The social accounts hold webhook secrets: the press service's business only."""

    message = _("Only the press service can see the social accounts.")

    def has_permission(self, request, view) -> bool:
        return access.scope_for(request.user).is_operator
