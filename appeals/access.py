"""Who may see and change which appeals: the one permission module of the admin and the API.

- An operator (the press-service group) or a superuser sees and changes every appeal.
- A ministry head (or deputy) sees every appeal of their ministry, current and past, and takes
  every step on them; assigns only within the ministry.
- A specialist sees their ministry's appeals and works only on those assigned to them.
- Anybody else sees nothing.

``scope_for`` reads the role once per request (one query) and caches it on the user object.
The services call ``require`` for every change a person makes, so no screen can bypass it.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from ministries.models import Ministry, Official
from ministries.roles import OPERATORS_GROUP

OPERATOR, HEAD, SPECIALIST, NOBODY = "operator", "head", "specialist", "nobody"

# The steps a specialist may take on an appeal assigned to them.
SPECIALIST_STEPS = {"start", "ask_citizen", "reply", "resolve", "comment"}


@dataclass(frozen=True)
class Scope:
    role: str
    ministry_id: int | None = None
    official_id: int | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR

    @property
    def manages(self) -> bool:
        """May assign, extend, reject and run bulk actions (operators and heads)."""
        return self.role in (OPERATOR, HEAD)


NO_ACCESS = Scope(NOBODY)


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_govfeedback_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(OPERATOR)
    else:
        from django.contrib.auth import get_user_model

        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(is_operator=Exists(user.groups.model.objects.filter(user=OuterRef("pk"), name=OPERATORS_GROUP)))
            .values("is_operator", "official__id", "official__ministry_id", "official__role", "official__is_active")
            .first()
        )
        if row is None:
            scope = NO_ACCESS
        elif row["is_operator"]:
            scope = Scope(OPERATOR)
        elif row["official__id"] and row["official__is_active"]:
            role = SPECIALIST if row["official__role"] == Official.Role.SPECIALIST else HEAD
            scope = Scope(role, row["official__ministry_id"], row["official__id"])
        else:
            scope = NO_ACCESS
    user._govfeedback_scope = scope
    return scope


def _within_ministry(user, queryset: QuerySet, ministry_field: str) -> QuerySet:
    """All of ``queryset`` for operators, the user's ministry's rows for officials, else nothing."""
    return within_scope(scope_for(user), queryset, ministry_field)


def within_scope(scope: Scope, queryset: QuerySet, ministry_field: str = "ministry_id") -> QuerySet:
    """The rows of ``queryset`` a person with ``scope`` sees (for jobs that act for a scope)."""
    if scope.is_operator:
        return queryset
    if scope.ministry_id is None:
        return queryset.none()
    return queryset.filter(**{ministry_field: scope.ministry_id})


def appeals_for(user, queryset: QuerySet) -> QuerySet:
    """The appeals of ``queryset`` that ``user`` may see."""
    return _within_ministry(user, queryset, "ministry_id")


def related_for(user, queryset: QuerySet, appeal_path: str = "appeal") -> QuerySet:
    """Rows attached to an appeal (history, notifications) that ``user`` may see."""
    return _within_ministry(user, queryset, f"{appeal_path}__ministry_id")


def officials_for(user, queryset: QuerySet | None = None) -> QuerySet:
    return _within_ministry(user, Official.objects.all() if queryset is None else queryset, "ministry_id")


def ministries_for(user, queryset: QuerySet | None = None) -> QuerySet:
    return _within_ministry(user, Ministry.objects.all() if queryset is None else queryset, "pk")


def refusal(user, appeal, step: str, *, ministry: Ministry | None = None) -> str | None:
    """Why ``user`` may not take ``step`` on ``appeal`` (None when they may).

    ``ministry`` is where an assignment would send the appeal.
    """
    scope = scope_for(user)
    if scope.is_operator:
        return None
    if scope.ministry_id is None:
        return _("You have no access to appeals: ask the press service to link your login to an official.")
    if appeal.ministry_id != scope.ministry_id:
        return _("Appeal #%(id)s belongs to another ministry.") % {"id": appeal.pk}
    if scope.role == HEAD:
        if ministry is not None and ministry.pk != scope.ministry_id:
            return _(
                "You can assign appeals only within your ministry; the press service reassigns between ministries."
            )
        return None
    if step not in SPECIALIST_STEPS:
        return _("Only the ministry head or the press service can do this.")
    if appeal.assignee_id != scope.official_id:
        return _("Appeal #%(id)s is assigned to somebody else: you can work only on your own appeals.") % {
            "id": appeal.pk
        }
    return None


def may(user, appeal, step: str) -> bool:
    return refusal(user, appeal, step) is None


class ReadOnlyAdmin:
    """A ModelAdmin mixin for rows the system writes (history, notifications, raw requests, logs,
    alerts): shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdmin:
    """A ModelAdmin mixin: the rows a person sees are limited by their scope.

    Every admin of citizens' data declares its scoping by defining ``scope_queryset``; a test
    fails for any registered admin of these apps that does not. Rows outside the scope answer
    404 (list, change, history, delete, actions and autocomplete all go through get_queryset).
    """

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError(f"{type(self).__name__} must declare its scoping.")

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "does not exist"; outside one's scope it is a 404.
        from django.http import Http404

        raise Http404(_("Not found."))
