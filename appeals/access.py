"""Who may see and change which appeals: the one permission module of the admin and the API.

- An operator (the press-service group) or a superuser sees and changes every appeal.
- A ministry head (or deputy) sees every appeal of their ministry, current and past, and takes
  every step on them; assigns only within the ministry.
- A specialist sees their ministry's appeals and works only on those assigned to them.
- Anybody else sees nothing.

``scope_for`` reads the role once per request (one query) and caches it on the user object.
The services check ``refusal`` for every change a person makes, so no screen can bypass it.
"""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ministries.models import Approval, Ministry, Official
from ministries.roles import OPERATORS_GROUP

from .answers import approval_expression
from .steps import STEPS

OPERATOR, HEAD, SPECIALIST, NOBODY = "operator", "head", "specialist", "nobody"


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
        with connection.cursor() as cursor:
            cursor.execute(_scope_sql(), {"user": user.pk, "group": OPERATORS_GROUP})
            is_operator, official_id, ministry_id, role, active = cursor.fetchone()
        if is_operator:
            scope = Scope(OPERATOR)
        elif official_id and active:
            scope = Scope(SPECIALIST if role == Official.Role.SPECIALIST else HEAD, ministry_id, official_id)
        else:
            scope = NO_ACCESS
    user._govfeedback_scope = scope
    return scope


@cache
def _scope_sql() -> str:
    """Whether the login is an operator, and its official: one row, whatever the login has.

    Written in SQL because every API request and admin page asks it: the ORM spent more time
    building the statement than the database answering it.
    """
    from django.contrib.auth import get_user_model

    user_groups = get_user_model().groups.through
    group_table = user_groups._meta.get_field("group").related_model._meta.db_table
    return f"""
        SELECT EXISTS (
                   SELECT 1 FROM {user_groups._meta.db_table} ug JOIN {group_table} g ON g.id = ug.group_id
                   WHERE ug.user_id = %(user)s AND g.name = %(group)s
               ),
               o.id, o.ministry_id, o.role, o.is_active
        FROM (SELECT 1) AS one LEFT JOIN {Official._meta.db_table} o ON o.user_id = %(user)s
    """


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


def notifications_for(user, queryset: QuerySet) -> QuerySet:
    """Reminders and digests: all for operators; a ministry's people see their ministry's
    reminders and the digests addressed to them."""
    scope = scope_for(user)
    if scope.is_operator:
        return queryset
    if scope.ministry_id is None:
        return queryset.none()
    return queryset.filter(Q(appeal__ministry_id=scope.ministry_id) | Q(recipient_official_id=scope.official_id))


def spike_alerts_within(scope: Scope, queryset: QuerySet) -> QuerySet:
    """Spike alerts: all for operators; a ministry's people the alerts of the topics it handles."""
    return within_scope(scope, queryset, "topic__default_ministry_id")


def operators_only(user, queryset: QuerySet) -> QuerySet:
    """What only the press service sees: raw requests (every ministry's citizens' data), the
    accounts (their webhook secrets), routing rules, the government-wide weekly report."""
    return queryset if scope_for(user).is_operator else queryset.none()


# Why a step is refused, by the rule that refuses it.
REFUSALS = {
    "no_official": gettext_lazy(
        "You have no access to appeals: ask the press service to link your login to an official."
    ),
    "other_ministry": gettext_lazy("Appeal #%(id)s belongs to another ministry."),
    "assign_outside": gettext_lazy(
        "You can assign appeals only within your ministry; the press service reassigns between ministries."
    ),
    "heads_only": gettext_lazy("Only the ministry head or the press service can do this."),
    "not_yours": gettext_lazy("Appeal #%(id)s is assigned to somebody else: you can work only on your own appeals."),
    "approved_by_press_service": gettext_lazy(
        "Answers to appeal #%(id)s are approved by the press service: it will approve or return this one."
    ),
    "approved_by_head": gettext_lazy(
        "Answers to appeal #%(id)s are approved by the ministry's head or the press service."
    ),
}


def _refused_by(scope: Scope, appeal, step: str, ministry: Ministry | None = None) -> str | None:
    """The rule (a key of REFUSALS) that refuses ``step`` to a person with ``scope``, or None."""
    if scope.is_operator:
        return None
    if scope.ministry_id is None:
        return "no_official"
    if appeal.ministry_id != scope.ministry_id:
        return "other_ministry"
    if scope.role == HEAD:
        if ministry is not None and ministry.pk != scope.ministry_id:
            return "assign_outside"
        return None
    if not STEPS[step].specialist:
        return "heads_only"
    if appeal.assignee_id != scope.official_id:
        return "not_yours"
    return None


def refusal(user, appeal, step: str, *, ministry: Ministry | None = None) -> str | None:
    """Why ``user`` may not take ``step`` on ``appeal`` (None when they may).

    ``ministry`` is where an assignment would send the appeal.
    """
    rule = _refused_by(scope_for(user), appeal, step, ministry)
    return None if rule is None else str(REFUSALS[rule]) % {"id": appeal.pk}


# --- who approves an answer before it is published ------------------------------------------------
# One rule, read for one appeal (``approval_refusal``: the services and the appeal's page) and for
# rows (``approvable``: the approvers' queue, the list's filter, any counter); what an appeal's answer
# needs is ``answers.approval_for`` (``answers.approval_expression`` in SQL).
# ``tests/appeals/test_approvers_parity.py`` holds the two equal.


def _approves(scope: Scope) -> tuple[frozenset[str], int | None] | None:
    """What a person with ``scope`` approves: the approval values (``ministries.models.Approval``),
    and the ministry they must be in (None: any). The press service approves every answer; a
    ministry's head or deputy their ministry's answers that name the head or need no approval;
    nobody else (specialists draft)."""
    if scope.is_operator:
        return frozenset(Approval.values), None
    if scope.role == HEAD and scope.ministry_id is not None:
        return frozenset({Approval.HEAD, Approval.NONE}), scope.ministry_id
    return None


def may_approve(user, appeal, approval: str) -> bool:
    """Whether ``user`` may approve (or return) an answer to ``appeal`` that needs ``approval``."""
    rule = _approves(scope_for(user))
    return rule is not None and approval in rule[0] and rule[1] in (None, appeal.ministry_id)


def approvable(user, queryset: QuerySet, appeal_path: str = "appeal") -> QuerySet:
    """The rows of ``queryset`` (publications; appeals with ``appeal_path=""``) whose answer ``user``
    may approve: ``may_approve`` for rows."""
    rule = _approves(scope_for(user))
    if rule is None:
        return queryset.none()
    values, ministry_id = rule
    at = f"{appeal_path}__" if appeal_path else ""
    if ministry_id is not None:
        queryset = queryset.filter(**{f"{at}ministry_id": ministry_id})
    if values != frozenset(Approval.values):
        queryset = queryset.alias(_approval=approval_expression(appeal_path)).filter(_approval__in=sorted(values))
    return queryset


def approval_refusal(user, appeal, approval: str) -> str | None:
    """Why ``user`` may not approve an answer to ``appeal`` that needs ``approval`` (None when they
    may, or when nobody needs to: then the step's own rule decides, and it is checked first)."""
    if approval == Approval.NONE or may_approve(user, appeal, approval):
        return None
    key = "approved_by_head" if approval == Approval.HEAD else "approved_by_press_service"
    return str(REFUSALS[key]) % {"id": appeal.pk}


def may(user, appeal, step: str) -> bool:
    return _refused_by(scope_for(user), appeal, step) is None


def allowed_steps(user, appeal) -> list[str]:
    """The steps ``user`` may take on ``appeal`` now (its status allows them, and so does the scope)."""
    return steps_within(scope_for(user), appeal)


def steps_within(scope: Scope, appeal) -> list[str]:
    """``allowed_steps`` for a person whose scope is already known (a page of appeals)."""
    return [step for step in appeal.allowed_steps() if _refused_by(scope, appeal, step) is None]


# The lookups Django's list filters and date hierarchy write into the address.
FILTER_LOOKUPS = {"exact", "isnull", "isempty", "gte", "lt", "year", "month", "day"}


def _filter_lookup(lookup: str, path: str) -> bool:
    """Whether ``lookup`` is one a list filter on the field ``path`` writes: ``path`` itself,
    ``path__<lookup>``, or ``path__id__<lookup>`` for a related row."""
    if lookup == path:
        return True
    if not lookup.startswith(path + "__"):
        return False
    rest = lookup[len(path) + 2 :].split("__")
    return rest[-1] in FILTER_LOOKUPS and rest[:-1] in ([], ["id"])


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

    def lookup_allowed(self, lookup, value, request=None):
        """Only the list's declared filters, each with the lookups Django's own filters put into the
        address (``status__exact``, ``topic__id__exact``, ``received_at__gte``…): nobody runs another
        lookup on the table from the address (``?text__regex=…``)."""
        fields, parameters = [self.date_hierarchy] if self.date_hierarchy else [], set()
        for item in self.get_list_filter(request):
            if isinstance(item, str):
                fields.append(item)
            elif isinstance(item, tuple | list):
                fields.append(item[0])
            else:  # a SimpleListFilter: its own parameter, which it reads itself
                parameters.add(item.parameter_name)
        if lookup not in parameters and not any(_filter_lookup(lookup, path) for path in fields):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "does not exist"; outside one's scope it is a 404.
        from django.http import Http404

        raise Http404(_("Not found."))
