"""Routing learned from history: which ministry and which official an appeal should go to.

- ``model.py``: what the model reads of an appeal (lemmas, places kept, people's names dropped, and
  the municipality named) and the model itself on numpy alone — fitting is counting, so any worker
  retrains it without scikit-learn;
- ``training.py``: cross-validation, calibration, the figures and the threshold for each precision;
- ``store.py``: the history it learns from, its versions in the database, the one in use;
- ``models.py``: ``RoutingModelVersion`` and the operators' ``RoutingSettings``.

``suggest(appeal_or_text, k=3)`` gives the ``k`` likeliest routes, best first (an empty list before
the first training); ``auto_route(appeal)`` the route the intake takes by itself when the model is
as sure as the precision the operators set (``RoutingSettings.min_precision``). Routing rules are
asked first (``services._route``): where one matches, the model is not asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    """One suggested route: the ministry, the official within it (None: the ministry's head decides)
    and the model's confidence that the appeal belongs to that ministry, in [0, 1]."""

    ministry: object  # ministries.models.Ministry
    official: object | None  # ministries.models.Official
    confidence: float

    @property
    def percent(self) -> int:
        return round(100 * self.confidence)


def suggest(appeal_or_text, k: int = 3) -> list[Suggestion]:
    """The ``k`` likeliest routes of an appeal (or of a text), best first; inactive ministries and
    officials are left out. One query before the first training (which version is in use), three
    or four after (and the municipality's name, for a text or an appeal that has one)."""
    from .store import current

    model = current()
    return _suggest(model, appeal_or_text, k) if model is not None else []


def _suggest(model, appeal_or_text, k: int) -> list[Suggestion]:
    from ministries.models import Ministry, Official

    from .. import routing
    from ..models import Municipality
    from .model import terms

    if isinstance(appeal_or_text, str):
        text, municipality_id = appeal_or_text, routing.detect_municipality(appeal_or_text)
    else:
        text, municipality_id = appeal_or_text.text, appeal_or_text.municipality_id
    municipality = (
        Municipality.objects.filter(pk=municipality_id).values_list("name", flat=True).first()
        if municipality_id
        else None
    )
    ranked = model.rank(terms(text, municipality), k=k + 3)  # a few more: some may have closed
    ministries = Ministry.objects.filter(is_active=True).in_bulk([int(body) for body, _, _ in ranked])
    people = [int(person) for _, person, _ in ranked if person]
    officials = Official.objects.filter(is_active=True).in_bulk(people) if people else {}
    found = []
    for body, person, confidence in ranked:
        ministry = ministries.get(int(body))
        if ministry is None:
            continue
        official = officials.get(int(person)) if person else None
        if official is not None and official.ministry_id != ministry.pk:
            official = None
        found.append(Suggestion(ministry, official, round(confidence, 4)))
    return found[:k]


def auto_route(appeal) -> Suggestion | None:
    """The route to take without an operator: the likeliest, when the operators allow it and the
    model's confidence reaches the threshold calibrated for their precision. Never raises: the
    model must not stop an appeal from arriving."""
    from .models import RoutingSettings
    from .store import current
    from .training import threshold_for

    try:
        model = current()
        if model is None:
            return None
        settings = RoutingSettings.get()
        if not settings.auto_route:
            return None
        threshold = threshold_for(model, settings.min_precision)
        best = _suggest(model, appeal, k=1)
        if threshold is None or not best or best[0].confidence < threshold:
            return None
        return best[0]
    except Exception:
        logger.exception("The routing model failed on appeal #%s; it waits for the operators.", appeal.pk)
        return None


__all__ = ["Suggestion", "auto_route", "suggest"]
