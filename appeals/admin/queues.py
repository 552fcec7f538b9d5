"""Where each person's work is: the queue they land on after logging in, and the counters above the
appeals list — the press service's triage, a ministry head's open queue, a specialist's own appeals."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .. import access

# The queue (QueueFilter's value) each role starts from; the list orders every queue by deadline.
LANDING_QUEUE = {access.OPERATOR: "triage", access.HEAD: "open", access.SPECIALIST: "mine"}


def landing_url(user) -> str:
    """The page a person starts from: their queue, or the admin's index for anybody else."""
    queue = LANDING_QUEUE.get(access.scope_for(user).role)
    if queue is None:
        return reverse("admin:index")
    return f"{reverse('admin:appeals_appeal_changelist')}?queue={queue}"


@dataclass(frozen=True)
class Counter:
    name: str
    label: Promise
    query: str  # the list's address that shows the counted appeals

    def is_current(self, params) -> bool:
        shown = {key: value for key, value in params.items() if key not in {"o", "p"}}
        return dict(parse_qsl(self.query.lstrip("?"))) == shown


# The deadline counters an operator and a head share, over everything they see.
DEADLINE_COUNTERS = [
    Counter("due_today", _("due today"), "?deadline=due_today"),
    Counter("overdue", _("overdue"), "?deadline=overdue"),
    Counter("extended", _("extended"), "?deadline=extended"),
]
OPERATOR_COUNTERS = [
    Counter("triage", _("new, not routed"), "?queue=triage"),
    Counter("open", _("open"), "?queue=open"),
    *DEADLINE_COUNTERS,
]
HEAD_COUNTERS = [
    Counter("open", _("open"), "?queue=open"),
    Counter("unassigned", _("no assignee"), "?queue=unassigned"),
    *DEADLINE_COUNTERS,
]
# A specialist's own work: each counter keeps the «mine» queue.
SPECIALIST_COUNTERS = [
    Counter("open", _("my open"), "?queue=mine"),
    Counter("due_today", _("due today"), "?queue=mine&deadline=due_today"),
    Counter("overdue", _("overdue"), "?queue=mine&deadline=overdue"),
]


def counters_for(scope: access.Scope) -> list[Counter]:
    if scope.role == access.SPECIALIST:
        return SPECIALIST_COUNTERS
    if scope.role == access.HEAD:
        return HEAD_COUNTERS
    return OPERATOR_COUNTERS


def counter_querysets(scope: access.Scope, appeals: QuerySet, now: datetime) -> dict[str, QuerySet]:
    """Each counter's appeals within ``appeals`` (the person's scope); a specialist's are their own."""
    if scope.role == access.SPECIALIST:
        appeals = appeals.filter(assignee_id=scope.official_id)
    querysets = {
        "triage": appeals.untriaged(),
        "open": appeals.open(),
        "unassigned": appeals.open().filter(assignee__isnull=True),
        "due_today": appeals.due_today(now),
        "overdue": appeals.overdue(now),
        "extended": appeals.extended(),
    }
    return {counter.name: querysets[counter.name] for counter in counters_for(scope)}


def work_links(user) -> list[tuple[Promise, str]]:
    """The role's queues as the admin's index lists them, above every other section."""
    scope = access.scope_for(user)
    if scope.role not in LANDING_QUEUE:
        return []
    changelist = reverse("admin:appeals_appeal_changelist")
    counters = [(counter.label, f"{changelist}{counter.query}") for counter in counters_for(scope)]
    if scope.role == access.SPECIALIST:
        return [*counters, (_("assigned to me, closed"), f"{changelist}?queue=mine_closed")]
    return [(_("Route one by one"), reverse("admin:appeals_appeal_triage")), *counters]
