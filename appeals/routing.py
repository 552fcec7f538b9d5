"""Routing of a new appeal: its topic (the classifier), its municipality (the gazetteer) and its
ministry (the first matching routing rule). Called by the services when an appeal arrives.

The gazetteer's patterns are operators' Python patterns run on RE2, in time linear in the text
(``appeals.patterns``).
"""

import logging
import time
from functools import lru_cache

from django.conf import settings

from .models import Municipality, RoutingRule, Topic
from .patterns import Pattern, PatternError, compile_pattern

logger = logging.getLogger(__name__)
_warned = False


@lru_cache(maxsize=1)
def _gazetteer(version: int) -> list[tuple[int, Pattern]]:
    compiled = []
    for municipality in Municipality.objects.filter(is_active=True):
        for line in municipality.patterns.splitlines():
            if not line.strip():
                continue
            try:
                compiled.append((municipality.pk, compile_pattern(line)))
            except PatternError as error:  # saved before patterns were checked for RE2: the others still work
                logger.warning("The pattern %r of %s is skipped: %s", line, municipality, error.reason)
    return compiled


def detect_municipality(text: str) -> int | None:
    """The id of the municipality named first in ``text``, or None. Cached for a minute."""
    return first_named(text, _gazetteer(int(time.monotonic() // 60)))


def first_named(text: str, gazetteer: list[tuple[int, Pattern]]) -> int | None:
    """The id of the gazetteer's municipality whose pattern matches first in ``text``, or None."""
    data = text.encode("utf-8", "replace")  # once for all the patterns (offsets in bytes keep the order)
    found = [(start, pk) for pk, pattern in gazetteer if (start := pattern.find(data)) is not None]
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
    """Drop this process's cached patterns (other processes refresh within a minute)."""
    _gazetteer.cache_clear()
