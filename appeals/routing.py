"""Routing of a new appeal: its topic (the classifier), its municipality (the gazetteer: the
region's settlements and municipalities, ``appeals.gazetteer``) and its ministry (the first
matching routing rule). Called by the services when an appeal arrives.

The operators' patterns of a municipality are Python patterns run on RE2, in time linear in the
text (``appeals.patterns``).
"""

import logging
import time
from functools import lru_cache

from django.conf import settings

from . import gazetteer
from .models import RoutingRule, Topic
from .patterns import Pattern

logger = logging.getLogger(__name__)
_warned = False


@lru_cache(maxsize=1)
def _places(version: int) -> gazetteer.Gazetteer:
    return gazetteer.Gazetteer.from_database()


def detect_municipality(text: str) -> int | None:
    """The id of the municipality ``text`` is about (``gazetteer.detect`` on the active
    municipalities and their settlements), or None. The gazetteer is cached for a minute."""
    places = _places(int(time.monotonic() // 60))
    found = gazetteer.detect(text, places)
    return places.ids.get(found.municipality) if found else None


def first_named(text: str, patterns: list[tuple[int, Pattern]]) -> int | None:
    """The id of the municipality whose operator's pattern matches first in ``text``, or None
    (what the patterns alone answer; ``detect_municipality`` weighs them with the settlements)."""
    data = text.encode("utf-8", "replace")  # once for all the patterns (offsets in bytes keep the order)
    found = [(start, pk) for pk, pattern in patterns if (start := pattern.find(data)) is not None]
    return min(found)[1] if found else None


def predict_topic(text: str) -> tuple[str | None, float]:
    """The classifier's topic code and confidence; (None, 0.0) when unsure, unavailable or failing."""
    from .classifier import classify  # numpy and the model load with the first appeal, not with Django

    try:
        code, confidence = classify(text)
    except Exception:  # the classifier must never stop an appeal from arriving
        global _warned
        if not _warned:  # once a process: a missing model would otherwise flood the log
            logger.exception("The classifier failed; appeals go to the operators' triage until it is fixed.")
            _warned = True
        return None, 0.0
    return code or None, float(confidence or 0.0)


def active_topic(code: str | None) -> Topic | None:
    return Topic.objects.filter(code=code, is_active=True).first() if code else None


def confident(confidence: float) -> bool:
    return confidence >= settings.GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE


def first_rule(appeal) -> RoutingRule | None:
    for rule in RoutingRule.objects.filter(is_active=True).select_related("official", "ministry"):
        if rule.ministry.is_active and rule.matches(appeal):
            return rule
    return None


def forget_gazetteer(**kwargs) -> None:
    """Drop this process's cached gazetteer (other processes refresh within a minute)."""
    _places.cache_clear()
