"""The routing model of this installation: learnt from its own history, kept as versions in the
database (every web server and worker reads the same one), switched in only when it is no worse.

- ``history``: what the model learns from — the appeals whose ministry a person chose or confirmed
  (resolved there, or assigned by a person: the operators' corrections included), newest first;
- ``retrain``: train, judge against the model in use, record the version (in use, not switched in,
  or failed, with the reason);
- ``current``: the model in use, read from the database when its version changes; one that cannot
  be loaded leaves the one loaded before in place (the log says why).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Appeal, AppealEvent
from .model import Route, RoutingModel, RoutingModelError, terms
from .models import RoutingModelVersion
from .training import train

logger = logging.getLogger(__name__)

# The newest appeals of the history it learns from: who handles what changes over time.
HISTORY_LIMIT = 20_000
# A new model replaces the one in use unless its top-1 or top-3 accuracy is lower by more than this.
TOLERANCE = 0.005


def history(limit: int = HISTORY_LIMIT) -> tuple[list[list[str]], list[Route]]:
    """The terms of each appeal a person routed or that was resolved, and the route it took
    (its ministry and the official it was assigned to at the end)."""
    by_person = AppealEvent.objects.filter(appeal=OuterRef("pk"), kind=AppealEvent.Kind.ASSIGNED, actor__isnull=False)
    rows = (
        Appeal.objects.exclude(ministry=None)
        .exclude(status=Appeal.Status.REJECTED)
        .filter(Q(status=Appeal.Status.RESOLVED) | Exists(by_person))
        .order_by("-received_at", "-pk")
        .values_list("text", "municipality__name", "ministry_id", "assignee_id")[:limit]
    )
    documents, routes = [], []
    for text, municipality, ministry, official in rows.iterator(chunk_size=2000):
        documents.append(terms(text, municipality))
        routes.append(Route(str(ministry), str(official or "")))
    return documents, routes


@dataclass
class Outcome:
    version: RoutingModelVersion
    switched_in: bool
    message: str


def retrain(*, force: bool = False, dry_run: bool = False, now=None) -> Outcome:
    """Train on the history; switch the new model in unless it is worse than the one in use
    (``force`` switches it in anyway). A failure is recorded with its reason; the model in use stays.
    ``dry_run`` trains and judges but records nothing."""
    now = now or timezone.now()
    version = RoutingModelVersion(trained_at=now)
    try:
        documents, routes = history()
        version.rows = len(documents)
        model = train(documents, routes)
        data = model.to_bytes()
        RoutingModel.from_bytes(data)  # what is stored must load
    except (RoutingModelError, MemoryError, ValueError) as error:
        version.status, version.reason = RoutingModelVersion.Status.FAILED, str(error)
        if not dry_run:
            version.save()
        return Outcome(version, False, _("Training failed: %(error)s; the model in use stays.") % {"error": error})
    version.figures = {**model.metadata["cross_validation"], "thresholds": model.metadata["thresholds"]}
    version.artifact = data
    in_use = RoutingModelVersion.objects.filter(status=RoutingModelVersion.Status.CURRENT).defer("artifact").first()
    worse = worse_than(version.figures, in_use.figures) if in_use else ""
    if worse and not force:
        version.status, version.reason = RoutingModelVersion.Status.REJECTED, worse
        version.artifact = b""
        message = _("Not switched in: %(why)s.") % {"why": worse}
    else:
        version.status = RoutingModelVersion.Status.CURRENT
        message = _("Switched in although %(why)s (forced).") % {"why": worse} if worse else _("Switched in.")
    if dry_run:
        would = _("it would be switched in") if version.status == RoutingModelVersion.Status.CURRENT else worse
        return Outcome(version, False, _("A dry run, nothing recorded: %(outcome)s.") % {"outcome": would})
    try:
        with transaction.atomic():
            if version.status == RoutingModelVersion.Status.CURRENT:
                RoutingModelVersion.objects.filter(status=RoutingModelVersion.Status.CURRENT).update(
                    status=RoutingModelVersion.Status.RETIRED
                )
            version.save()
    except IntegrityError:  # another training switched its model in meanwhile: that one stays
        version.pk, version.status, version.artifact = None, RoutingModelVersion.Status.FAILED, b""
        version.reason = _("another training switched its model in at the same time")
        version.save()
        return Outcome(
            version, False, _("Training failed: %(error)s; the model in use stays.") % {"error": version.reason}
        )
    return Outcome(version, version.status == RoutingModelVersion.Status.CURRENT, message)


def worse_than(new: dict, old: dict) -> str:
    """Why the ``new`` figures are worse than the ``old`` ones, or ""."""
    reasons = {
        "accuracy": _("its top-1 accuracy %(new).3f is below the model in use's %(old).3f"),
        "top3": _("its top-3 accuracy %(new).3f is below the model in use's %(old).3f"),
    }
    for key, reason in reasons.items():
        if old.get(key) is not None and new.get(key, 0.0) < old[key] - TOLERANCE:
            return reason % {"new": new.get(key, 0.0), "old": old[key]}
    return ""


# ---------------------------------------------------------------------------------------------
# The model in use, in this process
# ---------------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    key: tuple | None = None  # (version id, trained_at) of the model loaded
    model: RoutingModel | None = None
    failed: tuple | None = None  # the version that could not be loaded (reported once)


_loaded = _Loaded()
_lock = threading.Lock()


def current() -> RoutingModel | None:
    """The model in use (None before the first training): one query for which version it is; the
    model itself is read from the database only when that version changes."""
    key = (
        RoutingModelVersion.objects.filter(status=RoutingModelVersion.Status.CURRENT)
        .values_list("pk", "trained_at")
        .first()
    )
    with _lock:
        if key is None:
            _loaded.key, _loaded.model = None, None
        elif key != _loaded.key and key != _loaded.failed:
            data = RoutingModelVersion.objects.filter(pk=key[0]).values_list("artifact", flat=True).first()
            try:
                _loaded.model = RoutingModel.from_bytes(data or b"")
                _loaded.key = key
            except RoutingModelError as error:
                _loaded.failed = key
                kept = f"version {_loaded.key[0]} stays in use" if _loaded.model else "no routing suggestions meanwhile"
                logger.error("Routing model version %s cannot be loaded (%s); %s.", key[0], error, kept)
        return _loaded.model
