"""The dashboard and the exports, as admin pages (govfeedback.admin.GovAdminSite adds their URLs).

Both take the appeals list's own filters from the query string: the list's ChangeList applies
them, with the same scoping, so "this selection" means the same thing on the list, the
dashboard and in a file. Operators see every ministry; a head or a specialist their ministry.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import access
from appeals.models import Appeal
from audit.log import record_access

from . import exports, snapshots
from .figures import PERIODS, PeriodError, parse_period
from .models import SpikeAlert

# The dashboard's own parameters; everything else in the query string is a filter of the list.
DASHBOARD_PARAMS = ("period", "from", "to", "export", "table", "format", "fresh")


def filtered_appeals(request, drop=DASHBOARD_PARAMS):
    """(appeals, error): the appeals list's filters applied to what the user may see."""
    appeals, error, _words = selection(request, drop)
    return appeals, error


def selection(request, drop=DASHBOARD_PARAMS):
    """(appeals, error, words): the appeals list's filters applied to what the user may see, and
    what they select in words (``filter_words``).

    Django's own change list of the appeals, built by the list's ModelAdmin as for the list page,
    without running its page (``filters_only``: no count, no rows); a filter it does not know gives
    every appeal in scope and a message instead of an error page.
    """
    model_admin = admin.site.get_model_admin(Appeal)
    request = copy.copy(request)
    request.GET = request.GET.copy()
    for key in drop:
        request.GET.pop(key, None)
    request.filters_only = True
    try:
        changelist = model_admin.get_changelist_instance(request)
    except (IncorrectLookupParameters, DisallowedModelAdminLookup):
        error = _("The filter in the address is not known; all appeals are shown.")
        return model_admin.get_queryset(request), error, []
    return changelist.queryset, None, filter_words(changelist)


def filter_words(changelist) -> list[tuple[str, str]]:
    """The list's filters in use, as the list's own sidebar names them: (filter, what is chosen),
    and the search."""
    words = []
    for spec in changelist.filter_specs:
        if not getattr(spec, "used_parameters", None):
            continue
        chosen = [str(choice["display"]) for choice in spec.choices(changelist) if choice.get("selected")]
        if not chosen:  # values the filter offers no choice for (e.g. dates typed into the address)
            chosen = [
                ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
                for value in spec.used_parameters.values()
            ]
        words.append((str(spec.title), ", ".join(chosen)))
    if changelist.query:
        words.append((_("search text"), f"«{changelist.query}»"))
    return words


def list_query(request) -> str:
    """The appeals list's part of the query string (its filters, search and order)."""
    query = request.GET.copy()
    for key in DASHBOARD_PARAMS:
        query.pop(key, None)
    return query.urlencode()


def _require_scope(request) -> access.Scope:
    scope = access.scope_for(request.user)
    if scope.role == access.NOBODY:
        raise PermissionDenied
    return scope


@contextmanager
def _time_limit():
    """On PostgreSQL, stop any of the dashboard's queries after GOVFEEDBACK_DASHBOARD_TIMEOUT_SECONDS,
    and let its sorts (the medians) use memory rather than disk."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), set_config('work_mem', '64MB', true)",
                    [str(settings.GOVFEEDBACK_DASHBOARD_TIMEOUT_SECONDS * 1000)],
                )
        yield


def dashboard(request):
    scope = _require_scope(request)
    appeals, filter_error, words = selection(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "periods": PERIODS.items(),
        "period_key": request.GET.get("period", "month"),
        "first": request.GET.get("from", ""),
        "last": request.GET.get("to", ""),
        "list_query": list_query(request),
        "hidden": [(k, v) for k, values in request.GET.lists() if k not in DASHBOARD_PARAMS for v in values],
        "is_operator": scope.is_operator,
        "filter_words": words,
        "figures": None,
    }
    if filter_error:
        messages.warning(request, filter_error)
    try:
        period = parse_period(context["period_key"], context["first"], context["last"])
    except PeriodError as error:
        context["period_error"] = str(error)
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)
    try:
        with _time_limit():
            figures, computed_at = snapshots.figures_for(
                scope, appeals, period, context["list_query"], fresh=bool(request.GET.get("fresh"))
            )
            alerts = list(_alerts_for(scope))
    except OperationalError:
        context["period_error"] = _(
            "These figures take too long to compute: choose a shorter period or a narrower filter."
        )
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        wanted = request.GET.get("table", "")
        tables = [t for t in figures.tables if t.key == wanted] or (figures.tables if fmt == "xlsx" else [])
        if not tables:
            messages.error(request, _("Choose a table to export as CSV."))
            return HttpResponseRedirect(request.path)
        name = f"dashboard-{wanted or 'all'}-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}"
        return exports.table_response(tables, fmt, name)
    query = request.GET.copy()
    for key in ("format", "table", "fresh"):
        query.pop(key, None)
    context.update(
        figures=figures,
        computed_at=computed_at,
        period=period,
        alerts=alerts,
        query=query.urlencode(),
        charts=[{"key": t.key, **t.chart} for t in figures.tables if t.chart and t.rows],
    )
    return TemplateResponse(request, "admin/analytics/dashboard.html", context)


def _alerts_for(scope: access.Scope):
    """Spike alerts of the last day not yet acknowledged: all for operators, a ministry's topics
    for its people."""
    alerts = SpikeAlert.objects.filter(
        acknowledged_at__isnull=True, window_end__gte=timezone.now() - timedelta(days=1)
    ).select_related("topic", "municipality")
    return access.spike_alerts_within(scope, alerts).order_by("-window_end")[:10]


def export_appeals(request):
    """The appeals list as it is filtered, as XLSX or CSV; the export is written to the access log."""
    _require_scope(request)
    fmt = request.GET.get("format", "xlsx")
    appeals, filter_error = filtered_appeals(request)
    back = reverse("admin:appeals_appeal_changelist")
    if filter_error or fmt not in exports.FORMATS:
        messages.error(request, filter_error or _("Choose XLSX or CSV."))
        return HttpResponseRedirect(back)
    query = list_query(request)
    if fmt == "xlsx":
        limit = settings.GOVFEEDBACK_EXPORT_MAX_ROWS
        if appeals.order_by()[: limit + 1].count() > limit:
            messages.error(
                request,
                _("More than %(limit)s appeals: narrow the filter, or export them as CSV.") % {"limit": limit},
            )
            return HttpResponseRedirect(f"{back}?{query}")
    record_access(request.user, "export", appeals, detail=f"{request.path}?{query}" if query else fmt, request=request)
    name = f"appeals-{timezone.localdate():%Y%m%d}"
    rows = exports.appeal_rows(appeals)
    if fmt == "csv":
        return exports.csv_response(exports.appeal_headers(), rows, f"{name}.csv")
    content = exports.workbook_bytes([(_("Appeals"), exports.appeal_headers(), rows)])
    return exports.xlsx_response(content, f"{name}.xlsx")
