"""The committed model: small, and free of the development data's people and places."""

import json

from appeals.classifier import get_classifier
from appeals.classifier.model import METADATA_FILE, MODEL_DIR, MODEL_FILE, TOPICS

# Places of the development data's region and common Russian names and surnames.
PLACES_AND_PEOPLE = {
    "курск",
    "курский",
    "курская",
    "железногорск",
    "курчатов",
    "льговский",
    "радуга",
    "иван",
    "иванов",
    "мария",
    "петрович",
    "сергей",
    "ленин",
    "урицкий",
}


def test_it_keeps_no_names_of_people_or_places():
    model = get_classifier()
    words = {word for term in model.word_index for word in term.split()}
    assert not PLACES_AND_PEOPLE & words
    assert len(model.word_index) > 1000  # a real model, not an empty one


def test_it_is_small_and_says_how_it_was_made():
    model_file = MODEL_DIR / MODEL_FILE
    assert model_file.stat().st_size < 5 * 1024 * 1024
    metadata = json.loads((MODEL_DIR / METADATA_FILE).read_text())
    assert metadata["file"] == MODEL_FILE
    assert metadata["min_df"] >= 3
    assert metadata["rows"] >= 1000
    assert metadata["cross_validation"]["folds"] == 5
    assert set(metadata["topics"]) == set(TOPICS)


def test_it_loads_without_pickle():
    import numpy as np

    with np.load(MODEL_DIR / MODEL_FILE, allow_pickle=False) as arrays:
        assert {"word_terms", "char_terms", "weights"} <= set(arrays.files)
        assert all(arrays[name].dtype != object for name in arrays.files)  # plain numbers and strings
