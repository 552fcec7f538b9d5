"""Measuring the classifier: the one place where its accuracy, macro-F1, per-topic precision and
recall and coverage at 95 % precision are computed — for the cross-validation figures that
training writes into ``VERSION.json`` and for what ``manage.py classify_eval`` prints.

scikit-learn's metrics are imported inside ``evaluate``: measuring needs requirements/train.txt,
importing this module does not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from .model import TOPICS, Classifier

PRECISION_TARGET = 0.95


def coverage_at_precision(
    correct: Sequence[bool], confidences: Sequence[float], target: float = PRECISION_TARGET
) -> tuple[float, float | None]:
    """The largest share of texts, taken by decreasing confidence, among which ``target`` are right.

    Returns (coverage, threshold): the texts with a confidence of at least ``threshold`` are that
    share. Texts of equal confidence are taken together. (0.0, None) if no share is good enough.
    """
    ranked = sorted(zip(confidences, correct, strict=True), key=lambda pair: -pair[0])
    best, threshold, right = 0, None, 0
    for i, (confidence, is_right) in enumerate(ranked, start=1):
        right += bool(is_right)
        tie_follows = i < len(ranked) and ranked[i][0] == confidence
        if not tie_follows and right >= target * i:
            best, threshold = i, confidence
    return (best / len(ranked) if ranked else 0.0), threshold


def evaluate(truth: Sequence[str], predictions: Sequence[tuple[str, float]]) -> dict:
    """Accuracy, macro-F1, per-topic precision and recall, and the coverage at 95 % precision."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    predicted = [code for code, _ in predictions]
    present = set(truth) | set(predicted)
    topics = [code for code in TOPICS if code in present] + sorted(present - set(TOPICS))
    precision, recall, _, support = precision_recall_fscore_support(truth, predicted, labels=topics, zero_division=0)
    correct = [t == p for t, p in zip(truth, predicted, strict=True)]
    coverage, threshold = coverage_at_precision(correct, [c for _, c in predictions])
    return {
        "rows": len(truth),
        "accuracy": _round(accuracy_score(truth, predicted)),
        "macro_f1": _round(f1_score(truth, predicted, labels=topics, average="macro", zero_division=0)),
        "per_topic": {
            code: {"precision": _round(p), "recall": _round(r), "support": int(n)}
            for code, p, r, n in zip(topics, precision, recall, support, strict=True)
        },
        "coverage_at_95_precision": _round(coverage),
        "threshold_at_95_precision": threshold,
    }


def measure(
    classifier: Classifier,
    rows: Sequence[tuple[str, str]],
    batch: int = 1000,
    progress: Callable[[int, int], None] | None = None,
    alternatives: Sequence[str] | None = None,
) -> dict:
    """``evaluate`` of ``classifier`` on (text, topic code) rows, with its speed in appeals per second
    of this process's CPU time and the model measured (what ``manage.py classify_eval`` prints).
    ``progress(done, total)`` is called after each ``batch`` of appeals. ``alternatives``: a second
    reasonable topic of each row ("" for none), for ``accuracy_with_alternative``."""
    predictions: list[tuple[str, float]] = []
    cpu = time.process_time()
    for start in range(0, len(rows), batch):
        predictions += classifier.classify_many(text for text, _ in rows[start : start + batch])
        if progress:
            progress(len(predictions), len(rows))
    cpu = time.process_time() - cpu
    result = evaluate([code for _, code in rows], predictions)
    if alternatives is not None:
        right = [
            predicted in (code, alternative)
            for (_, code), (predicted, _), alternative in zip(rows, predictions, alternatives, strict=True)
        ]
        result["accuracy_with_alternative"] = _round(sum(right) / len(right)) if right else 0.0
    result["appeals_per_second"] = round(len(rows) / cpu) if cpu > 0 else None
    result["model"] = {key: classifier.metadata.get(key) for key in ("version", "trained_at", "rows")}
    return result


def _round(value: float) -> float:
    return round(float(value), 4)
