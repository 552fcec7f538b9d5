"""Answers to similar resolved appeals, offered in the reply form: a person reads one, takes it
into the answer and edits it; nothing here is ever published by itself.

The candidates come from one bounded query in the person's scope (the newest resolved appeals of
the same topic, at most ``POOL``, along the resolved appeals' index); their texts are compared with
this appeal's in Python, on the word stems ``appeals.duplicates`` compares duplicates on.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from .duplicates import shingles
from .models import Appeal

POOL = 200
# Jaccard similarity of the two texts' word stems from which an answer is worth offering.
MIN_SIMILARITY = 0.12


@dataclass
class Suggestion:
    appeal: Appeal
    similarity: float

    @property
    def percent(self) -> int:
        return round(100 * self.similarity)


def similar_answers(appeal: Appeal, scoped: QuerySet, limit: int = 3) -> list[Suggestion]:
    """The answers of the resolved appeals in ``scoped`` (the person's scope) whose texts are most
    like ``appeal``'s, best first."""
    pool = scoped.filter(status=Appeal.Status.RESOLVED).exclude(pk=appeal.pk).exclude(answer="")
    if appeal.topic_id:
        pool = pool.filter(topic_id=appeal.topic_id)
    pool = pool.only("pk", "text", "answer", "resolved_at", "topic_id").order_by("-resolved_at")[:POOL]
    words = shingles(appeal.text, size=1)
    if not words:
        return []
    found = []
    for other in pool:
        theirs = shingles(other.text, size=1)
        score = len(words & theirs) / len(words | theirs) if theirs else 0.0
        if score >= MIN_SIMILARITY:
            found.append(Suggestion(other, score))
    found.sort(key=lambda suggestion: -suggestion.similarity)
    return found[:limit]
