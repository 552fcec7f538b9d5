"""Topic classifier for citizens' appeals: ``classify(text) -> (topic code, confidence)``.

- ``text.py``: what it reads of an appeal — the first ``READ_CHARS`` characters, cleaned, split into
  words and lemmatised (pymorphy3), without names of people and places; no pattern backtracks;
- ``model.py``: the committed artifact (``VERSION.json`` and ``model-v1.npz`` beside it: plain arrays,
  features of 3+ training texts only), loaded once per process on first use, predicting on numpy;
- ``training.py``: ``manage.py train_classifier`` — scikit-learn fits, the model keeps only arrays;
- ``evaluation.py``: accuracy, macro-F1 and coverage at 95 % precision, for training's
  cross-validation and ``manage.py classify_eval``.

Predicting imports neither scikit-learn nor scipy (production does not install them). A text with
no Russian word the model knows (empty, only emoji or a link, another language) is ``("other", 0.0)``.

What the rest of the app uses is exported here; what the classifier reads of a text (``clean``,
``tokens``, ``lemmas``, ``READ_CHARS``) too, as the security audit checks it.
"""

from .model import Classifier, ClassifierError, classify, classify_many, get_classifier
from .text import READ_CHARS, clean, lemmas, load_dictionary, tokens

__all__ = [
    "READ_CHARS",
    "Classifier",
    "ClassifierError",
    "classify",
    "classify_many",
    "clean",
    "get_classifier",
    "lemmas",
    "load_dictionary",
    "tokens",
]
