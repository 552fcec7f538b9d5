"""Training (``manage.py train_classifier``): two TF-IDF views of the words — lemmas with their
pairs, and character n-grams of the words as written (typos, words the dictionary does not know) —
feed linear SVMs whose scores are calibrated into probabilities by cross-validation. The fitted
scikit-learn model is then compiled into the plain arrays of ``Classifier``, which predicts without it.

Only features of at least ``MIN_DF`` training texts are kept. scikit-learn and scipy are imported
inside the functions that fit: they are in requirements/train.txt, not in what production installs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .evaluation import evaluate
from .model import CHAR_NGRAMS, FALLBACK_TOPIC, MIN_DF, WORD_NGRAMS, Classifier, ClassifierError
from .text import tokens

# LinearSVC's regularisation, and the folds of the calibration and of the cross-validation.
SVM_C = 0.5
FOLDS = 5


def train(texts: Sequence[str], labels: Sequence[str]) -> Classifier:
    """Fit the model on ``texts`` with topic codes ``labels`` (each topic needs 2 texts)."""
    labels = np.asarray(labels)
    topics, counts = np.unique(labels, return_counts=True)
    if len(topics) < 2:
        raise ClassifierError("The training data must have at least two topics.")
    if counts.min() < 2:
        rare = ", ".join(str(t) for t, n in zip(topics, counts, strict=True) if n < 2)
        raise ClassifierError(f"Each topic needs at least two training texts; too few for: {rare}.")
    words, chars, model = fit(*documents(texts), labels, folds=int(min(FOLDS, counts.min())))
    return compile_model(words, chars, model)


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
    for fold, (train_rows, test_rows) in enumerate(splits, start=1):
        if progress:
            progress(fold, folds)
        model = train([texts[i] for i in train_rows], [labels[i] for i in train_rows])
        for i, prediction in zip(test_rows, model.classify_many([texts[i] for i in test_rows]), strict=True):
            predictions[i] = prediction
    return {"folds": folds, "seed": seed, **evaluate(labels, predictions)}


def documents(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Each text as two documents: its lemmas, and its words as written (space-separated)."""
    lemma_docs, word_docs = [], []
    for text in texts:
        kept = tokens(text)
        lemma_docs.append(" ".join(lemma for _, lemma in kept))
        word_docs.append(" ".join(word for word, _ in kept))
    return lemma_docs, word_docs


def fit(lemma_docs: list[str], word_docs: list[str], labels, folds: int):
    """The scikit-learn pipeline: two TF-IDF vectorizers and a calibrated linear SVM."""
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


def compile_model(words, chars, model) -> Classifier:
    """Plain arrays from the fitted vectorizers and CalibratedClassifierCV."""
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
    return Classifier(
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


def _terms(vectorizer) -> list[str]:
    """The vectorizer's vocabulary in column order (only terms of at least ``min_df`` texts)."""
    return [term for term, _ in sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])]
