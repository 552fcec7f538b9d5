"""Snapshots of the dashboard's figures: computed once, read by everyone for a few minutes.

A year of a million appeals takes seconds to aggregate, which is too slow for a page. The
figures of a scope (the whole government, or one ministry), a filter of the appeals list and a
period are kept in ``DashboardSnapshot`` for GOVFEEDBACK_DASHBOARD_SNAPSHOT_SECONDS: the first
person to ask computes them, the others read them. A beat job computes the usual views ahead
(every scope, no filter, 7, 30 and 365 days), so that nobody waits for them. "Today" is always
computed live (it is small), and the page can recompute any view on demand.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from appeals import access
from appeals.models import Appeal
from ministries.models import Ministry

from .figures import Figures, Period, compute, parse_period
from .models import DashboardSnapshot

AHEAD = ("week", "month", "year")


def scope_key(scope: access.Scope) -> str:
    return "all" if scope.is_operator else f"ministry-{scope.ministry_id}"


def key_for(scope: access.Scope, period: Period, query: str) -> str:
    """A filtered view is the person's own (``queue=mine`` differs from one specialist to the
    next); the unfiltered views are shared by the scope."""
    if not query:
        return f"{scope_key(scope)}|{period.key}|{period.first_day}|{period.last_day}|-"
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    person = f"official-{scope.official_id}" if scope.official_id else "-"
    return f"{scope_key(scope)}|{person}|{period.key}|{period.first_day}|{period.last_day}|{digest}"


def figures_for(
    scope: access.Scope, appeals: QuerySet, period: Period, query: str = "", *, fresh: bool = False, now=None
) -> tuple[Figures, datetime]:
    """The figures and when they were computed: a recent snapshot, or computed now and kept."""
    now = now or timezone.now()
    key = key_for(scope, period, query)
    if not fresh and period.key != "today":
        oldest = now - timedelta(seconds=settings.GOVFEEDBACK_DASHBOARD_SNAPSHOT_SECONDS)
        snapshot = DashboardSnapshot.objects.filter(key=key, computed_at__gte=oldest).first()
        if snapshot is not None:
            return Figures.from_payload(snapshot.payload), snapshot.computed_at
    return _compute_and_keep(key, appeals, period, now), now


def _compute_and_keep(key: str, appeals: QuerySet, period: Period, now: datetime) -> Figures:
    started = time.perf_counter()
    figures = compute(appeals, period, now)
    DashboardSnapshot.objects.update_or_create(
        key=key,
        defaults={"computed_at": now, "seconds": time.perf_counter() - started, "payload": figures.to_payload()},
    )
    return figures


def refresh(now: datetime | None = None) -> int:
    """Compute the usual views of every scope ahead; forget snapshots of past days. Returns how
    many views were computed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    DashboardSnapshot.objects.filter(computed_at__lt=now - timedelta(days=1)).delete()
    scopes = [access.Scope(access.OPERATOR)] + [
        access.Scope(access.HEAD, ministry_id)
        for ministry_id in Ministry.objects.filter(is_active=True).values_list("pk", flat=True)
    ]
    done = 0
    for scope in scopes:
        appeals = access.within_scope(scope, Appeal.objects.all())
        for key in AHEAD:
            period = parse_period(key, today=today)
            _compute_and_keep(key_for(scope, period, ""), appeals, period, now)
            done += 1
    return done
