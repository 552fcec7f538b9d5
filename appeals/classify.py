"""Topic classifier for citizens' appeals: ``classify(text) -> (topic code, confidence)``.

Russian text as people write it in social networks (HTML, typos, no punctuation, mixed case) is
cleaned, split into words and lemmatised with pymorphy3. Names of people and places (by the
dictionary, by a capital letter inside a sentence, by a word such as "улица" next to them) are
dropped before training, so that the model neither learns the places of the region it was trained
on nor keeps anyone's name; only features of at least ``MIN_DF`` training texts are kept. Two
TF-IDF views of the words — lemmas with their pairs, and character n-grams of the words as written
(typos, words the dictionary does not know) — feed linear SVMs whose scores are calibrated into
probabilities by cross-validation (scikit-learn, at training time only).

The classifier reads the first ``READ_CHARS`` characters of a text, and none of its patterns can
backtrack: its work on a text of any size or content is bounded and linear.

The trained model is a versioned artifact of plain arrays in ``appeals/classifier/`` (``manage.py
train_classifier`` rebuilds it); it is loaded once per process, on first use, and runs on numpy.
A text with no Russian word the model knows (empty, only emoji or a link, another language) is
``("other", 0.0)``.
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

TOPICS = ("housing_utilities_landscaping", "waste_reform", "roads_transport", "ecology", "other")
FALLBACK_TOPIC = "other"

MODEL_DIR = Path(__file__).resolve().parent / "classifier"
# The version of the model's design (features, learner); a retrained model keeps it.
MODEL_VERSION = 1
MODEL_FILE = f"model-v{MODEL_VERSION}.npz"
METADATA_FILE = "VERSION.json"

# A feature must occur in at least this many different training texts to be kept: rarer words
# (a street, a surname the dictionary does not know) never reach the committed artifact.
MIN_DF = 3
# LinearSVC's regularisation, and the folds of the calibration and of the cross-validation.
SVM_C = 0.5
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
FOLDS = 5
PRECISION_TARGET = 0.95

# ---------------------------------------------------------------------------------------------
# Text → lemmas
# ---------------------------------------------------------------------------------------------

# What the classifier reads of a text: a Telegram message or a VK comment (4,096 characters) whole,
# a VK post (up to 16,384) by its beginning, where people state the problem. It also bounds the work
# that one text can cost, whatever arrives.
READ_CHARS = 5_000

# The patterns run on citizens' text, so none may backtrack (no nested or adjacent repetitions that
# can share characters, no backreference): each position of the text is read a bounded number of times.
# A tag cannot hold "<", so a run of "<" without ">" is read once, not once from each "<".
_TAG_RE = re.compile(r"<[^<>]*>")
# A link runs to its last character that is not punctuation. An e-mail starts only at the start of
# a word or after "@" and its parts hold no "@", so no part is read again from each of its positions
# (the e-mail part of this pattern was "\S+@\S+\.\w+": cubic in a run of "@").
_URL_RE = re.compile(r"(?:https?://|www\.)\S*[^\s.,!?;:)]|(?<![^\s@])[^\s@]+@[^\s@]+\.\w+", re.IGNORECASE)
_WORD_RE = re.compile(r"[а-яёa-z]+|\d+", re.IGNORECASE)
# What ends a sentence, or starts a new line or item: the next word may be capitalised.
_BOUNDARY_RE = re.compile(r"[.!?:;\n\"«(•*-]")
_CYRILLIC_RE = re.compile(r"[а-яё]")
# Latin letters that look like Cyrillic ones: "дорoга" typed with a Latin "o".
_LOOKALIKES = str.maketrans("aceopxykmthb", "асеорхукмтнв")

# Lemmas after which the next word is the name of a street, a settlement etc. ("ул. Урицкого",
# "г. Курск", "деревня Большие Угоны"), and lemmas before which the word is one ("Льговского
# района", "Союзной улице").
_NAME_FOLLOWS = frozenset(
    {
        *("ул", "улица", "пр", "проспект", "пер", "переулок", "бульвар", "шоссе", "пл", "площадь"),
        *("мкр", "микрорайон", "г", "село", "д", "деревня", "дер", "пос", "поселок", "пгт", "хутор"),
        *("станица", "тупик", "проезд", "наб", "набережная", "снт", "тсж", "ук", "ооо", "оао", "зао", "ип"),
    }
)
_NAME_PRECEDES = frozenset(
    {
        *("улица", "переулок", "проспект", "бульвар", "шоссе", "площадь", "микрорайон", "район", "область"),
        *("край", "округ", "сельсовет", "поселение", "набережная", "проезд", "тупик"),
    }
)
# Names, surnames, patronymics and places (organisations such as "Роспотребнадзор" stay).
_PERSONAL_TAGS = frozenset({"Name", "Surn", "Patr", "Geox"})
# Places of the development data's region (Kursk) that neither the dictionary nor a capital letter
# gives away, as lemmas: the model must not learn that a district or a village means a topic.
_TRAINING_REGION_PLACES = frozenset(
    {
        *("курский", "льговский", "обоянский", "курчатовский", "железногорский", "курскводоканал"),
        *("радуга", "грибной", "глебово", "лукашевка", "клыковый", "рышковый", "кзтз", "сейм", "тускарь"),
    }
)


def load_dictionary() -> None:
    """Load pymorphy3's dictionary now (it loads on the first word otherwise)."""
    _morph()


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    logging.getLogger("pymorphy3").setLevel(logging.WARNING)  # not "Loading dictionaries..." per process
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> tuple[str, bool]:
    """The word's lemma, and whether it is (most likely) the name of a person or a place."""
    parse = _morph().parse(word)[0]
    lemma = parse.normal_form.replace("ё", "е")
    return lemma, bool(_PERSONAL_TAGS & parse.tag.grammemes) or lemma in _TRAINING_REGION_PLACES


def clean(text: str) -> str:
    """Plain text: no HTML, links or e-mails; "ё" is "е"."""
    text = html.unescape(_TAG_RE.sub(" ", text or ""))
    return _URL_RE.sub(" ", text).replace("ё", "е").replace("Ё", "Е")


@lru_cache(maxsize=200_000)
def _read(written: str) -> tuple[str, str, bool, bool]:
    """One word as written: (the word in lower case with repeated letters squeezed and Latin
    look-alikes in a Russian word mapped to Cyrillic, its lemma, whether it names a person or a
    place, whether it is a Russian word of two letters or more)."""
    word = _squeeze(written.lower())
    if not _CYRILLIC_RE.search(word):
        return word, word, False, False
    word = word.translate(_LOOKALIKES)
    lemma, is_name = _lemma(word)
    return word, lemma, is_name, len(word) >= 2 and bool(_CYRILLIC_RE.search(lemma))


def _squeeze(word: str) -> str:
    """The word with each run of three or more equal letters written once ("ммммусор" is "мусор")."""
    squeezed = []
    for letter, run in itertools.groupby(word):
        count = sum(1 for _ in run)
        squeezed.append(letter if count > 2 else letter * count)
    return "".join(squeezed)


def lemmas(text: str) -> list[str]:
    """Lemmas of the text's Russian words, without names of people, streets and places."""
    return [lemma for _, lemma in tokens(text)]


def tokens(text: str, capitals_are_names: bool = True) -> list[tuple[str, str]]:
    """(word as written, lemma) for each Russian word of the text's first ``READ_CHARS`` characters
    that the model may see.

    Numbers, words of one letter, Latin words and the words that name a person or a place (by
    the dictionary, by a capital letter inside a sentence (as names are: "на Грибной", "жители
    Радуги") unless ``capitals_are_names`` is false, or by their place next to "улица", "район"
    and the like) are dropped.
    """
    text = clean((text or "")[:READ_CHARS])
    found: list[tuple[str, str, bool, bool]] = []
    end = 0
    for match in _WORD_RE.finditer(text):
        written = match.group()
        word, lemma, is_name, usable = _read(written)
        if capitals_are_names and usable and not is_name and end > 0:
            inside = not _BOUNDARY_RE.search(text, end, match.start())
            is_name = inside and written[0].isupper() and written[1:].islower()
        end = match.end()
        found.append((word, lemma, is_name, usable))
    result = []
    last = len(found) - 1
    for i, (word, lemma, is_name, usable) in enumerate(found):
        if is_name or not usable:
            continue
        if i > 0 and _is_marker(found[i - 1][0], found[i - 1][1], _NAME_FOLLOWS) and lemma not in _NAME_PRECEDES:
            continue
        if i < last and found[i + 1][1] in _NAME_PRECEDES and lemma not in _NAME_FOLLOWS:
            continue
        result.append((word, lemma))
    return result


def _is_marker(word: str, lemma: str, markers: frozenset[str]) -> bool:
    return word in markers or lemma in markers


def _documents(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Each text as two documents: its lemmas, and its words as written (space-separated)."""
    lemma_docs, word_docs = [], []
    for text in texts:
        kept = tokens(text)
        lemma_docs.append(" ".join(lemma for _, lemma in kept))
        word_docs.append(" ".join(word for word, _ in kept))
    return lemma_docs, word_docs


def _char_ngrams(document: str) -> list[str]:
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
# The model
# ---------------------------------------------------------------------------------------------


class ClassifierError(Exception):
    """The model cannot be trained or loaded (a message for the person running the command)."""


class Classifier:
    """A trained model, as plain arrays: what ``train`` fitted with scikit-learn, without it.

    Features: TF-IDF (sublinear, L2-normalised) of the lemmas and their pairs, and of the
    character n-grams of the words. Scores: each of the calibration folds' linear SVMs gives one
    score per topic, a sigmoid turns it into a probability; those are normalised to sum to one
    and averaged over the folds (what ``CalibratedClassifierCV(method="sigmoid")`` computes).
    """

    def __init__(self, *, topics, word_terms, word_idf, char_terms, char_idf, weights, intercepts, a, b, metadata=None):
        import numpy as np

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

    # --- training -----------------------------------------------------------------------------

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> Classifier:
        """Fit the model on ``texts`` with topic codes ``labels`` (each topic needs 2 texts)."""
        import numpy as np

        labels = np.asarray(labels)
        topics, counts = np.unique(labels, return_counts=True)
        if len(topics) < 2:
            raise ClassifierError("The training data must have at least two topics.")
        if counts.min() < 2:
            rare = ", ".join(str(t) for t, n in zip(topics, counts, strict=True) if n < 2)
            raise ClassifierError(f"Each topic needs at least two training texts; too few for: {rare}.")
        words, chars, model = _fit(*_documents(texts), labels, folds=int(min(FOLDS, counts.min())))
        return cls._compile(words, chars, model)

    @classmethod
    def _compile(cls, words, chars, model) -> Classifier:
        """Plain arrays from the fitted vectorizers and CalibratedClassifierCV."""
        import numpy as np

        topics = list(model.classes_)
        weights, intercepts, a, b = [], [], [], []
        for calibrated in model.calibrated_classifiers_:
            svm, calibrators = calibrated.estimator, calibrated.calibrators
            if len(topics) == 2:  # one score, for the second topic; the first gets 1 - its probability
                (c,) = calibrators
                weights += [svm.coef_[0], svm.coef_[0]]
                intercepts += [svm.intercept_[0], svm.intercept_[0]]
                a += [-c.a_, c.a_]
                b += [-c.b_, c.b_]
                continue
            if list(svm.classes_) != topics:
                raise ClassifierError("A calibration fold missed a topic; give each topic more texts.")
            weights += list(svm.coef_)
            intercepts += list(svm.intercept_)
            a += [c.a_ for c in calibrators]
            b += [c.b_ for c in calibrators]
        folds = len(model.calibrated_classifiers_)
        return cls(
            topics=topics,
            word_terms=_terms(words),
            word_idf=words.idf_,
            char_terms=_terms(chars),
            char_idf=chars.idf_,
            weights=np.asarray(weights, dtype=np.float32).T,
            intercepts=np.reshape(intercepts, (folds, -1)),
            a=np.reshape(a, (folds, -1)),
            b=np.reshape(b, (folds, -1)),
        )

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

    def probabilities(self, text: str):
        """The probability of each topic (in the order of ``topics``), or None if nothing is known."""
        import numpy as np

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
            columns = [self.char_index[g] for g in _char_ngrams(word) if g in self.char_index]
            self._char_cache[word] = columns
        return columns

    def _tfidf(self, *blocks: list[int]):
        """The distinct columns of the blocks and their sublinear TF-IDF values, each block
        L2-normalised on its own (as each vectorizer did in training)."""
        import numpy as np

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
        import numpy as np

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
        import numpy as np

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


def _fit(lemma_docs: list[str], word_docs: list[str], labels, folds: int):
    """The scikit-learn pipeline: two TF-IDF vectorizers and a calibrated linear SVM."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    # With very little data (a test, a new region) a feature in 3 texts may not exist.
    min_df = MIN_DF if len(lemma_docs) >= 10 * MIN_DF else 1
    common = {"lowercase": False, "min_df": min_df, "sublinear_tf": True, "dtype": np.float32}
    words = TfidfVectorizer(token_pattern=r"\S+", ngram_range=WORD_NGRAMS, **common)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common)
    try:
        features = hstack([words.fit_transform(lemma_docs), chars.fit_transform(word_docs)], format="csr")
    except ValueError as error:  # no Russian word in any text
        raise ClassifierError(f"The training texts have no usable words ({error}).") from None
    svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=0)
    model = CalibratedClassifierCV(svm, method="sigmoid", cv=folds).fit(features, labels)
    return words, chars, model


def _terms(vectorizer) -> list[str]:
    """The vectorizer's vocabulary in column order (only terms of at least ``min_df`` texts)."""
    return [term for term, _ in sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])]


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


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def coverage_at_precision(correct: Sequence[bool], confidences: Sequence[float], target: float = PRECISION_TARGET):
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


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int = FOLDS,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """``evaluate`` on out-of-fold predictions of a stratified ``folds``-fold cross-validation."""
    from sklearn.model_selection import StratifiedKFold

    texts, labels = list(texts), list(labels)
    predictions: list[tuple[str, float]] = [(FALLBACK_TOPIC, 0.0)] * len(texts)
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(texts, labels)
    for fold, (train, test) in enumerate(splits, start=1):
        if progress:
            progress(fold, folds)
        model = Classifier.train([texts[i] for i in train], [labels[i] for i in train])
        for i, prediction in zip(test, model.classify_many([texts[i] for i in test]), strict=True):
            predictions[i] = prediction
    return {"folds": folds, "seed": seed, **evaluate(labels, predictions)}


def _round(value: float) -> float:
    return round(float(value), 4)
