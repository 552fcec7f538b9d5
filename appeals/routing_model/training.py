"""Training and measuring the routing model, on numpy alone (a worker without scikit-learn retrains it).

``train`` cross-validates before it fits on everything: the out-of-fold predictions fit the
temperature that turns scores into probabilities, give the figures a model is judged by (top-1 and
top-3 accuracy of the body, the share routed automatically at 95 % precision), and give the
threshold of confidence for each precision an operator may ask for (``thresholds``, percent →
threshold and coverage). ``measure`` computes the same figures on appeals the model has not seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.translation import ngettext

from .model import ALPHA, PRIOR_WEIGHT, Route, RoutingModel, RoutingModelError, fit, softmax

FOLDS = 5
SEED = 0
# The precisions (percent) an operator may ask auto-routing for; the thresholds are kept for each.
PRECISIONS = range(50, 101)
# Temperatures tried when calibrating the probabilities on the out-of-fold predictions.
TEMPERATURES = np.geomspace(0.05, 20.0, 60)
# Below this many appeals the figures of a cross-validation say nothing.
MIN_ROWS = 20
# A threshold is kept for a precision only where the held-out precision above it reaches it by the
# lower Wilson bound at this z (one-sided, 84 %), not merely on average: a few right appeals at the
# top must not promise what unseen appeals would not keep.
Z = 1.0


def train(
    documents: Sequence[Sequence[str]],
    routes: Sequence[Route],
    *,
    folds: int = FOLDS,
    seed: int = SEED,
    alpha: float = ALPHA,
    prior_weight: float = PRIOR_WEIGHT,
) -> RoutingModel:
    """Cross-validate, calibrate and fit on all of ``documents`` (each a list of ``model.terms``)."""
    if len(documents) < MIN_ROWS:
        message = ngettext(
            "%(rows)s appeal of history is too few to learn from (at least %(min)s are needed)",
            "%(rows)s appeals of history are too few to learn from (at least %(min)s are needed)",
            len(documents),
        )
        raise RoutingModelError(message % {"rows": len(documents), "min": MIN_ROWS})
    held_out = cross_validate(documents, routes, folds=folds, seed=seed, alpha=alpha, prior_weight=prior_weight)
    model = fit(documents, routes, alpha=alpha, prior_weight=prior_weight, temperature=held_out["temperature"])
    model.metadata = {
        "rows": len(documents),
        "bodies": len(model.body_names),
        "routes": len(model.bodies),
        "terms": len(model.vocabulary),
        "alpha": alpha,
        "prior_weight": prior_weight,
        "cross_validation": {key: value for key, value in held_out.items() if key != "thresholds"},
        "thresholds": held_out["thresholds"],
    }
    return model


def cross_validate(
    documents: Sequence[Sequence[str]],
    routes: Sequence[Route],
    *,
    folds: int = FOLDS,
    seed: int = SEED,
    alpha: float = ALPHA,
    prior_weight: float = PRIOR_WEIGHT,
) -> dict:
    """Figures of ``folds``-fold cross-validation (random folds of a fixed ``seed``), the temperature
    that calibrates the probabilities best on them, and the threshold for each precision."""
    order = np.random.default_rng(seed).permutation(len(documents))
    held_out: list[tuple[RoutingModel, np.ndarray, str]] = []
    for fold in range(folds):
        test = set(order[fold::folds].tolist())
        train_rows = [i for i in range(len(documents)) if i not in test]
        model = fit(
            [documents[i] for i in train_rows],
            [routes[i] for i in train_rows],
            alpha=alpha,
            prior_weight=prior_weight,
        )
        held_out += [(model, model.scores(documents[i]), routes[i].body) for i in sorted(test)]
    temperature = calibrate(held_out)
    ranked = [_ranked(model, scores / temperature) for model, scores, _ in held_out]
    truth = [body for _, _, body in held_out]
    figures = figures_of(truth, ranked)
    return {"folds": folds, "seed": seed, "temperature": round(temperature, 6), **figures}


def calibrate(held_out: list[tuple[RoutingModel, np.ndarray, str]]) -> float:
    """The temperature under which the held-out appeals' true bodies are likeliest (log-loss)."""
    losses = []
    for temperature in TEMPERATURES:
        loss = 0.0
        for model, scores, body in held_out:
            probabilities = model.body_probabilities(softmax(scores / temperature))
            where = np.flatnonzero(model.body_names == body)
            loss -= np.log(max(probabilities[where[0]], 1e-9)) if len(where) else np.log(1e-9)
        losses.append(loss)
    return float(TEMPERATURES[int(np.argmin(losses))])


def _ranked(model: RoutingModel, scores: np.ndarray) -> list[tuple[str, float]]:
    probabilities = model.body_probabilities(softmax(scores))
    best = np.argsort(-probabilities, kind="stable")[:3]
    return [(str(model.body_names[i]), float(probabilities[i])) for i in best]


def figures_of(truth: Sequence[str], ranked: Sequence[list[tuple[str, float]]]) -> dict:
    """Top-1 and top-3 accuracy, the coverage at 95 % precision and the thresholds per precision."""
    correct = [bool(top) and top[0][0] == body for body, top in zip(truth, ranked, strict=True)]
    confidence = [top[0][1] if top else 0.0 for top in ranked]
    top3 = [body in {b for b, _ in top[:3]} for body, top in zip(truth, ranked, strict=True)]
    thresholds = {}
    for percent in PRECISIONS:
        coverage, threshold = coverage_at_precision(correct, confidence, percent / 100)
        thresholds[str(percent)] = [threshold, round(coverage, 4)]
    point, _ = coverage_at_precision(correct, confidence, 0.95, z=0.0)
    return {
        "rows": len(truth),
        "accuracy": round(float(np.mean(correct)), 4) if truth else 0.0,
        "top3": round(float(np.mean(top3)), 4) if truth else 0.0,
        "coverage_at_95": thresholds["95"][1],
        "coverage_at_95_on_average": round(point, 4),
        "thresholds": thresholds,
    }


def threshold_for(model: RoutingModel, percent: int) -> float | None:
    """The confidence from which the model's routes were right ``percent`` % of the time on
    held-out appeals, or None if no share of them was that precise."""
    entry = model.metadata.get("thresholds", {}).get(str(int(percent)))
    return None if not entry or entry[0] is None else float(entry[0])


def measure(model: RoutingModel, documents: Sequence[Sequence[str]], truth: Sequence[str], percent: int = 95) -> dict:
    """The figures on appeals the model has not seen; ``auto_*``: what the threshold the model
    calibrated for ``percent`` % precision routes of them, and how precisely."""
    ranked = [[(body, p) for body, _, p in model.rank(found, k=3)] for found in documents]
    figures = figures_of(truth, ranked)
    threshold = threshold_for(model, percent)
    auto = [
        top[0][0] == body
        for body, top in zip(truth, ranked, strict=True)
        if threshold is not None and top[0][1] >= threshold
    ]
    return {
        "rows": figures["rows"],
        "accuracy": figures["accuracy"],
        "top3": figures["top3"],
        "auto_coverage": round(len(auto) / len(truth), 4) if truth else 0.0,
        "auto_precision": round(float(np.mean(auto)), 4) if auto else None,
        "auto_threshold": threshold,
        "best_coverage_at_95": figures["coverage_at_95"],
    }


def coverage_at_precision(
    correct: Sequence[bool], confidence: Sequence[float], target: float, z: float = Z
) -> tuple[float, float | None]:
    """The largest share of appeals, taken by decreasing confidence (ties together), among which the
    right ones are at least ``target`` by the Wilson lower bound at ``z`` (``z=0``: on average), and
    the confidence from which they are taken; (0.0, None) if no share is.
    """
    ranked = sorted(zip(confidence, correct, strict=True), key=lambda pair: -pair[0])
    best, threshold, right = 0, None, 0
    for i, (value, is_right) in enumerate(ranked, start=1):
        right += bool(is_right)
        tie_follows = i < len(ranked) and ranked[i][0] == value
        if not tie_follows and wilson_lower(right, i, z) >= target - 1e-12:
            best, threshold = i, value
    return (best / len(ranked) if ranked else 0.0), threshold


def wilson_lower(right: int, total: int, z: float) -> float:
    """The lower bound of the Wilson score interval of the share ``right / total``."""
    if total == 0:
        return 0.0
    share = right / total
    if z == 0:
        return share
    centre = share + z * z / (2 * total)
    margin = z * np.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    return float((centre - margin) / (1 + z * z / total))
