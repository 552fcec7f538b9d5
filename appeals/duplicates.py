"""Likely duplicates of an appeal: the same complaint under several accounts and networks, or by
several neighbours. Suggestions only; an operator confirms one with a click (``services.reject``
as a duplicate of the original).

Candidates come from one bounded query (appeals received within GOVFEEDBACK_DUPLICATE_DAYS of this
one, by the same author or about the same topic or place, newest first, at most 200); the texts
are compared in Python on word shingles.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Appeal

WORD = re.compile(r"[a-zа-яё0-9]+")
# Reasons, strongest first.
SAME_AUTHOR = _("the same author")
SAME_TEXT = _("nearly the same text")
SAME_PLACE = _("the same problem in the same place")


@dataclass
class Candidate:
    appeal: Appeal
    similarity: float
    reason: str


def words(text: str) -> list[str]:
    return [word[:6] for word in WORD.findall(text.lower().replace("ё", "е"))]  # a crude stem: the first 6 letters


def shingles(text: str, size: int = 2) -> set[tuple[str, ...]]:
    tokens = words(text)
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the texts' word pairs (0 … 1)."""
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def candidates(appeal: Appeal, queryset=None, limit: int = 5) -> list[Candidate]:
    queryset = Appeal.objects.all() if queryset is None else queryset
    window = timedelta(days=settings.GOVFEEDBACK_DUPLICATE_DAYS)
    near = Q(topic_id=appeal.topic_id) if appeal.topic_id else Q()
    if appeal.municipality_id:
        near |= Q(municipality_id=appeal.municipality_id)
    if appeal.author_external_id:
        near |= Q(author_external_id=appeal.author_external_id) | Q(author_name=appeal.author_name)
    pool = (
        queryset.filter(near, received_at__range=(appeal.received_at - window, appeal.received_at + window))
        .exclude(pk=appeal.pk)
        .exclude(status=Appeal.Status.REJECTED, rejection_reason__in=["spam", "not_appeal"])
        .select_related("account")
        .order_by("-received_at")[:200]
    )
    found = []
    for other in pool:
        score = similarity(appeal.text, other.text)
        same_author = bool(appeal.author_name) and (
            (
                appeal.author_external_id
                and other.author_external_id == appeal.author_external_id
                and other.account_id != appeal.account_id
            )
            or (other.author_name == appeal.author_name and other.account_id != appeal.account_id)
        )
        if score >= settings.GOVFEEDBACK_DUPLICATE_TEXT_SIMILARITY:
            found.append(Candidate(other, score, SAME_TEXT))
        elif same_author and score >= 0.15:
            found.append(Candidate(other, score, SAME_AUTHOR))
        elif (
            appeal.municipality_id
            and other.municipality_id == appeal.municipality_id
            and other.topic_id == appeal.topic_id
            and score >= 0.3
        ):
            found.append(Candidate(other, score, SAME_PLACE))
    found.sort(key=lambda candidate: -candidate.similarity)
    return found[:limit]


def is_duplicate(first: str, second: str) -> bool:
    """The text rule alone, as ``duplicates_eval`` measures it."""
    return similarity(first, second) >= settings.GOVFEEDBACK_DUPLICATE_TEXT_SIMILARITY
