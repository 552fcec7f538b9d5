"""The model: the committed artifact loaded once per process, and prediction on numpy alone.

The artifact is plain arrays beside this module (``model-vN.npz``, no pickle) with its
description (``VERSION.json``); ``manage.py train_classifier`` rebuilds both (``training.py``).
Nothing here imports scikit-learn or scipy: production does not install them.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .text import tokens

TOPICS = ("housing_utilities_landscaping", "waste_reform", "roads_transport", "ecology", "other")
FALLBACK_TOPIC = "other"

MODEL_DIR = Path(__file__).resolve().parent
# The version of the model's design (features, learner); a retrained model keeps it.
MODEL_VERSION = 1
MODEL_FILE = f"model-v{MODEL_VERSION}.npz"
METADATA_FILE = "VERSION.json"

# A feature must occur in at least this many different training texts to be kept: rarer words
# (a street, a surname the dictionary does not know) never reach the committed artifact.
MIN_DF = 3
# The features: lemmas and their pairs, and character n-grams of the words as written.
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


class ClassifierError(Exception):
    """The model cannot be trained or loaded (a message for the person running the command)."""


class Classifier:
    """A trained model, as plain arrays: what ``training.train`` fitted with scikit-learn, without it.

    Features: TF-IDF (sublinear, L2-normalised) of the lemmas and their pairs, and of the
    character n-grams of the words. Scores: each of the calibration folds' linear SVMs gives one
    score per topic, a sigmoid turns it into a probability; those are normalised to sum to one
    and averaged over the folds (what ``CalibratedClassifierCV(method="sigmoid")`` computes).
    """

    def __init__(self, *, topics, word_terms, word_idf, char_terms, char_idf, weights, intercepts, a, b, metadata=None):
        self.topics: tuple[str, ...] = tuple(str(code) for code in topics)
        self.word_terms, self.char_terms = np.asarray(word_terms), np.asarray(char_terms)
        self.word_index = {str(term): i for i, term in enumerate(self.word_terms)}
        self.char_index = {str(term): i + len(self.word_index) for i, term in enumerate(self.char_terms)}
        self.idf = np.concatenate([word_idf, char_idf]).astype(np.float32)
        # weights: (features, folds × topics); intercepts, a, b: (folds, topics).
        self.weights, self.intercepts = np.asarray(weights, dtype=np.float32), np.asarray(intercepts)
        self.a, self.b = np.asarray(a), np.asarray(b)
        self.metadata = metadata or {}
        self._char_cache: dict[str, list[int]] = {}

    # --- prediction ---------------------------------------------------------------------------

    def classify(self, text: str) -> tuple[str, float]:
        """(topic code, confidence in [0, 1]); ("other", 0.0) when the text has no known word."""
        probabilities = self.probabilities(text)
        if probabilities is None:
            return FALLBACK_TOPIC, 0.0
        best = int(probabilities.argmax())
        return self.topics[best], round(float(probabilities[best]), 4)

    def classify_many(self, texts: Iterable[str]) -> list[tuple[str, float]]:
        return [self.classify(text) for text in texts]

    def probabilities(self, text: str) -> np.ndarray | None:
        """The probability of each topic (in the order of ``topics``), or None if nothing is known."""
        # A capital letter keeps a word out of training (a local name must not be learnt), but here
        # it must not hide a word the model knows ("Здравствуйте, Мусор не вывозят").
        kept = tokens(str(text or ""), capitals_are_names=False)
        terms = [lemma for _, lemma in kept]
        terms += [f"{a} {b}" for a, b in itertools.pairwise(terms)]  # the lemmas and their pairs
        word_columns = [self.word_index[term] for term in terms if term in self.word_index]
        char_columns = [i for word, _ in kept for i in self._char_columns(word)]
        if not word_columns and not char_columns:
            return None
        indices, values = self._tfidf(word_columns, char_columns)
        scores = (values @ self.weights[indices]).reshape(self.intercepts.shape) + self.intercepts
        probabilities = 1.0 / (1.0 + np.exp(self.a * scores + self.b))
        totals = probabilities.sum(axis=1, keepdims=True)
        uniform = np.full_like(probabilities, 1 / len(self.topics))
        probabilities = np.divide(probabilities, totals, out=uniform, where=totals != 0)
        return np.clip(probabilities.mean(axis=0), 0.0, 1.0)

    def _char_columns(self, word: str) -> list[int]:
        """The columns of the word's known character n-grams (remembered: words repeat)."""
        columns = self._char_cache.get(word)
        if columns is None:
            if len(self._char_cache) > 100_000:
                self._char_cache.clear()
            columns = [self.char_index[g] for g in char_ngrams(word) if g in self.char_index]
            self._char_cache[word] = columns
        return columns

    def _tfidf(self, *blocks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The distinct columns of the blocks and their sublinear TF-IDF values, each block
        L2-normalised on its own (as each vectorizer did in training)."""
        indices, values = [], []
        for columns in blocks:
            counts = Counter(columns)
            if not counts:
                continue
            block = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (1.0 + np.log(tf)) * self.idf[block]
            indices.append(block)
            values.append(weights / np.sqrt(weights @ weights))  # idf >= 1: never zero
        return np.concatenate(indices), np.concatenate(values)

    # --- the artifact -------------------------------------------------------------------------

    def save(self, directory: Path | str, **metadata) -> Path:
        """Write the model (``model-vN.npz``: arrays, no pickle) and ``VERSION.json`` into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        self.metadata = {
            "version": MODEL_VERSION,
            "file": MODEL_FILE,
            "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "topics": list(self.topics),
            "features": {"lemma_ngrams": len(self.word_terms), "char_ngrams": len(self.char_terms)},
            "word_ngrams": list(WORD_NGRAMS),
            "char_ngrams": list(CHAR_NGRAMS),
            "min_df": MIN_DF,
            **metadata,
        }
        with open(path.with_suffix(".tmp"), "wb") as f:
            np.savez_compressed(
                f,
                topics=np.asarray(self.topics),
                word_terms=self.word_terms,
                word_idf=self.idf[: len(self.word_terms)],
                char_terms=self.char_terms,
                char_idf=self.idf[len(self.word_terms) :],
                weights=self.weights,
                intercepts=self.intercepts,
                a=self.a,
                b=self.b,
            )
        path.with_suffix(".tmp").replace(path)
        (directory / METADATA_FILE).write_text(json.dumps(self.metadata, ensure_ascii=False, indent=2) + "\n")
        return path

    @classmethod
    def load(cls, directory: Path | str = MODEL_DIR) -> Classifier:
        directory = Path(directory)
        try:
            metadata = json.loads((directory / METADATA_FILE).read_text())
            if metadata.get("version") != MODEL_VERSION:
                raise ValueError(f"model version {metadata.get('version')}, this code reads {MODEL_VERSION}")
            with np.load(directory / metadata["file"], allow_pickle=False) as arrays:
                return cls(**{name: arrays[name] for name in arrays.files}, metadata=metadata)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ClassifierError(
                f"No usable classifier in {directory} ({error}); build one with `manage.py train_classifier`."
            ) from None


def char_ngrams(document: str) -> list[str]:
    """Character n-grams (n = 2..5) inside each word padded with spaces (scikit-learn's char_wb)."""
    grams = []
    for word in document.split():
        padded = f" {word} "
        for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            grams += [padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1)]
            if len(padded) <= n:  # a short word counts once
                break
    return grams


# ---------------------------------------------------------------------------------------------
# The model of this process
# ---------------------------------------------------------------------------------------------

_loaded: Classifier | None = None
_loading = threading.Lock()


def get_classifier() -> Classifier:
    """The committed model, loaded on first use and kept for the life of the process."""
    global _loaded
    if _loaded is None:
        with _loading:
            if _loaded is None:
                _loaded = Classifier.load(MODEL_DIR)
    return _loaded


def classify(text: str) -> tuple[str, float]:
    """The topic code of an appeal's text and the confidence in it, in [0, 1]."""
    return get_classifier().classify(text)


def classify_many(texts: Iterable[str]) -> list[tuple[str, float]]:
    """``classify`` for each of the texts."""
    return get_classifier().classify_many(texts)
