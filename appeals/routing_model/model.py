"""The routing model on numpy alone: an appeal's words (and the municipality it names) → the
probability of each route (a body, or a person of that body), learnt from who handled what.

Features: the lemmas of the text and their pairs (places and streets kept — they tell which town's
or district's administration handles it; people's names dropped), seen in at least ``MIN_DF``
training texts, as sublinear TF-IDF normalised to unit length, and a token for the municipality
named in the text. Learner: multinomial naive Bayes on those weights, with the class prior raised
to ``prior_weight``; its scores divided by a temperature fitted on held-out predictions give
calibrated probabilities. Fitting is counting, so training needs numpy alone too: a worker that
runs the app (requirements/base.txt) can retrain it.

A model is bytes (``to_bytes``/``from_bytes``: an ``.npz`` of plain arrays, no pickle, with its
description and figures as JSON).
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from appeals.classifier.text import READ_CHARS, clean, lemma_of

# The design of the features and the learner; a model of another version is not loaded.
MODEL_VERSION = 1
# A term must occur in at least this many training texts to be kept (a rare surname or house
# number never reaches the model).
MIN_DF = 2
# The municipality's token counts as this many words of the text.
MUNICIPALITY_WEIGHT = 3
ALPHA = 0.03  # additive smoothing of the terms' weights per route
PRIOR_WEIGHT = 0.5

_WORD_RE = re.compile(r"[а-яё]+|[a-z]+", re.IGNORECASE)


class RoutingModelError(Exception):
    """A model that cannot be trained or loaded (the message says why)."""


def terms(text: str, municipality: str | None = None) -> list[str]:
    """What the model reads of an appeal: lemmas and their pairs, and the municipality's token."""
    words = _WORD_RE.findall(clean((text or "")[:READ_CHARS]).lower())
    lemmas = []
    for word in words:
        if len(word) < 2:
            continue
        lemma, is_person = lemma_of(word)
        if not is_person:
            lemmas.append(lemma)
    found = lemmas + [f"{a} {b}" for a, b in itertools.pairwise(lemmas)]
    if municipality:
        found += [f"@{municipality}"] * MUNICIPALITY_WEIGHT
    return found


@dataclass(frozen=True)
class Route:
    """A route the model knows: a body (ministry id, or an executor's name) and optionally a person."""

    body: str
    person: str = ""


class RoutingModel:
    def __init__(
        self, *, bodies, persons, vocabulary, idf, log_likelihood, log_prior, prior_weight, temperature, metadata
    ):
        self.bodies = np.asarray(bodies, dtype=str)
        self.persons = np.asarray(persons, dtype=str)
        self.vocabulary = np.asarray(vocabulary, dtype=str)
        self.index = {str(term): i for i, term in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.log_likelihood = np.asarray(log_likelihood, dtype=np.float32)  # (routes, terms)
        self.log_prior = np.asarray(log_prior, dtype=np.float64)
        self.prior_weight = float(prior_weight)
        self.temperature = float(temperature)
        self.metadata: dict = dict(metadata or {})
        self.body_names, self.body_of_route = np.unique(self.bodies, return_inverse=True)

    # --- prediction ---------------------------------------------------------------------------

    def vector(self, found: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(self.index[term] for term in found if term in self.index)
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[columns]
        return columns, weights / np.sqrt(weights @ weights)

    def scores(self, found: Sequence[str]) -> np.ndarray:
        """Each route's score before the temperature (log-likelihood of the terms and the prior)."""
        columns, weights = self.vector(found)
        return self.log_likelihood[:, columns] @ weights + self.prior_weight * self.log_prior

    def route_probabilities(self, found: Sequence[str]) -> np.ndarray:
        return softmax(self.scores(found) / self.temperature)

    def body_probabilities(self, route_probabilities: np.ndarray) -> np.ndarray:
        """Each body's probability (in the order of ``body_names``): the sum over its routes."""
        return np.bincount(self.body_of_route, weights=route_probabilities, minlength=len(self.body_names))

    def rank(self, found: Sequence[str], k: int = 3) -> list[tuple[str, str, float]]:
        """The ``k`` likeliest bodies, best first: (body, its likeliest person or "", probability).

        A body's person is named only when that person's routes outweigh the body's routes
        without a person (else the body's head decides)."""
        routes = self.route_probabilities(found)
        bodies = self.body_probabilities(routes)
        ranked = []
        for b in np.argsort(-bodies, kind="stable")[:k]:
            mine = np.flatnonzero(self.body_of_route == b)
            best = mine[np.argmax(routes[mine])]
            ranked.append((str(self.body_names[b]), str(self.persons[best]), float(bodies[b])))
        return ranked

    # --- the artifact -------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            bodies=self.bodies,
            persons=self.persons,
            vocabulary=self.vocabulary,
            idf=self.idf,
            log_likelihood=self.log_likelihood,
            log_prior=self.log_prior,
            parameters=np.asarray([self.prior_weight, self.temperature]),
            metadata=np.asarray(json.dumps({**self.metadata, "version": MODEL_VERSION}, ensure_ascii=False)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RoutingModel:
        try:
            with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as arrays:
                metadata = json.loads(str(arrays["metadata"]))
                if metadata.get("version") != MODEL_VERSION:
                    raise ValueError(f"model version {metadata.get('version')}, this code reads {MODEL_VERSION}")
                prior_weight, temperature = (float(x) for x in arrays["parameters"])
                model = cls(
                    **{
                        name: arrays[name]
                        for name in ("bodies", "persons", "vocabulary", "idf", "log_likelihood", "log_prior")
                    },
                    prior_weight=prior_weight,
                    temperature=temperature,
                    metadata=metadata,
                )
        except (OSError, ValueError, KeyError, TypeError, EOFError) as error:
            raise RoutingModelError(_("the routing model cannot be read (%(error)s)") % {"error": error}) from None
        if model.log_likelihood.shape != (len(model.bodies), len(model.vocabulary)) or not np.isfinite(
            model.temperature
        ):
            raise RoutingModelError(_("the routing model's arrays do not fit together"))
        return model


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def fit(
    documents: Sequence[Sequence[str]],
    routes: Sequence[Route],
    *,
    alpha: float = ALPHA,
    prior_weight: float = PRIOR_WEIGHT,
    temperature: float = 1.0,
    min_df: int = MIN_DF,
) -> RoutingModel:
    """Count the model from the terms of each training text and the route it took (numpy only)."""
    if len({route.body for route in routes}) < 2:
        raise RoutingModelError(_("the history names fewer than two bodies: nothing to choose between"))
    df = Counter(term for found in documents for term in set(found))
    vocabulary = sorted(term for term, n in df.items() if n >= min(min_df, len(documents)))
    if not vocabulary:
        raise RoutingModelError(_("the training texts have no words to learn from"))
    index = {term: i for i, term in enumerate(vocabulary)}
    n = len(documents)
    idf = (np.log((1 + n) / (1 + np.asarray([df[term] for term in vocabulary], dtype=np.float64))) + 1).astype(
        np.float32
    )
    labels = sorted(set(routes), key=lambda route: (route.body, route.person))
    label_index = {route: i for i, route in enumerate(labels)}
    weights = np.zeros((len(labels), len(vocabulary)), dtype=np.float64)
    model = RoutingModel(
        bodies=[route.body for route in labels],
        persons=[route.person for route in labels],
        vocabulary=vocabulary,
        idf=idf,
        log_likelihood=np.zeros((len(labels), len(vocabulary)), dtype=np.float32),
        log_prior=np.zeros(len(labels)),
        prior_weight=prior_weight,
        temperature=temperature,
        metadata={},
    )
    counts = np.zeros(len(labels))
    for found, route in zip(documents, routes, strict=True):
        row = label_index[route]
        counts[row] += 1
        columns, values = model.vector([term for term in found if term in index])
        np.add.at(weights[row], columns, values)
    smoothed = weights + alpha
    model.log_likelihood = np.log(smoothed / smoothed.sum(axis=1, keepdims=True)).astype(np.float32)
    model.log_prior = np.log(counts / counts.sum())
    return model
