"""``manage.py train_classifier``: a usable model from a CSV and from operators' corrections."""

import csv
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from appeals import services
from appeals.classifier import Classifier, lemmas, training
from appeals.management.commands.train_classifier import corrections
from tests.factories import AppealFactory

# Invented appeals, six of each topic, to train a small model quickly.
PHRASES = {
    "housing_utilities_landscaping": [
        "не работает отопление в квартире",
        "нет горячей воды в доме",
        "управляющая компания не убирает подъезд",
        "течёт крыша над квартирой",
        "во дворе не горят фонари",
        "прорвало трубу в подвале дома",
    ],
    "waste_reform": [
        "мусор не вывозят неделю",
        "переполнены мусорные контейнеры",
        "свалка мусора у гаражей",
        "региональный оператор не вывозит отходы",
        "контейнерная площадка завалена мусором",
        "неправильно начисляют плату за вывоз мусора",
    ],
    "roads_transport": [
        "ямы на дороге разбит асфальт",
        "автобус не ходит по расписанию",
        "не работает светофор на перекрёстке",
        "дорогу не чистят от снега",
        "нужен пешеходный переход через дорогу",
        "маршрутка переполнена водитель грубит",
    ],
    "ecology": [
        "завод выбрасывает дым в воздух",
        "невыносимый запах от очистных сооружений",
        "в реку сливают стоки гибнет рыба",
        "вырубают лес в заповеднике",
        "выбросы с предприятия загрязняют воздух",
        "в озере мёртвая рыба вода грязная",
    ],
    "other": [
        "не могу записаться к врачу",
        "не пришла выплата пособия",
        "бездомные собаки нападают на детей",
        "в школе нет учителя математики",
        "не выдают лекарства в аптеке",
        "очередь в детский сад не движется",
    ],
}


@pytest.fixture
def training_csv(tmp_path):
    path = tmp_path / "train.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "topic5"])
        for code, phrases in PHRASES.items():
            for i, phrase in enumerate(phrases):
                writer.writerow([f"{code}-{i}", f"Здравствуйте! {phrase.capitalize()}, примите меры.", code])
    return path


def train(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("train_classifier", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_it_writes_a_usable_model(training_csv, tmp_path):
    output = train(csv=[training_csv], output=tmp_path / "model", folds=2)

    assert "Trained on 30 appeals, 5 topics" in output.splitlines()[-1]
    metadata = json.loads((tmp_path / "model" / "VERSION.json").read_text())
    assert metadata["rows"] == 30
    assert metadata["rows_from_corrections"] == 0
    assert set(metadata["cross_validation"]) >= {"accuracy", "macro_f1", "coverage_at_95_precision"}
    model = Classifier.load(tmp_path / "model")
    assert model.classify("Опять не вывозят мусор, контейнеры переполнены")[0] == "waste_reform"
    assert model.classify("Ямы на дороге, весь асфальт разбит")[0] == "roads_transport"
    assert model.classify("") == ("other", 0.0)


@pytest.mark.django_db
def test_it_learns_from_operators_corrections(training_csv, tmp_path, operator, topics):
    # Topics set by a person count; those the classifier (no actor) set do not.
    texts = [
        "Во дворе сломали качели на детской площадке",
        "Качели во дворе сломаны, дети без площадки",
        "Починить качели во дворе",
    ]
    for text in texts:
        services.set_topic(AppealFactory(text=text), topic=topics["housing_utilities_landscaping"], actor=operator)
    services.set_topic(AppealFactory(text="Сломали качели"), topic=topics["other"])
    AppealFactory(text="Без темы")

    assert corrections() == [(text, "housing_utilities_landscaping") for text in texts]
    output = train(csv=[training_csv], output=tmp_path / "model", folds=0)
    assert "Read 3 operators' corrections" in output
    assert json.loads((tmp_path / "model" / "VERSION.json").read_text())["rows_from_corrections"] == 3
    (swing,) = lemmas("качели")
    assert swing in Classifier.load(tmp_path / "model").word_index  # a word only the corrections have


@pytest.mark.django_db
def test_the_latest_topic_a_person_chose_is_the_one_learnt(operator, topics):
    appeal = AppealFactory(text="Сломали скамейку у подъезда")
    services.set_topic(appeal, topic=topics["other"], actor=operator)
    services.set_topic(appeal, topic=topics["housing_utilities_landscaping"], actor=operator)
    assert corrections() == [("Сломали скамейку у подъезда", "housing_utilities_landscaping")]


@pytest.mark.django_db
def test_it_reads_the_data_path_from_the_environment(training_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVFEEDBACK_CLASSIFIER_DATA", str(training_csv))
    output = train(output=tmp_path / "model", folds=0, without_corrections=True)
    assert f"Read 30 appeals from {training_csv}" in output


@pytest.mark.django_db
def test_missing_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVFEEDBACK_CLASSIFIER_DATA", str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError, match="set GOVFEEDBACK_CLASSIFIER_DATA"):
        train(output=tmp_path / "model")
    assert not (tmp_path / "model").exists()


@pytest.mark.django_db
def test_an_unknown_topic_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,topic5\nМусор не вывозят,garbage\nЯмы на дороге,roads_transport\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Unknown topic5 value.*'garbage'"):
        train(csv=[path], output=tmp_path / "model")


def test_the_model_predicts_what_scikit_learn_predicts():
    """The saved arrays reproduce the fitted scikit-learn model (a guard for library upgrades)."""
    from scipy.sparse import hstack

    texts = [phrase for phrases in PHRASES.values() for phrase in phrases]
    labels = [code for code, phrases in PHRASES.items() for _ in phrases]
    lemma_docs, word_docs = training.documents(texts)
    words, chars, fitted = training.fit(lemma_docs, word_docs, np.asarray(labels), folds=3)
    model = training.compile_model(words, chars, fitted)

    queries = ["мусор у гаражей", "яма на дороге у дома", "дым и запах", "врач не принял"]
    features = hstack(
        [words.transform(training.documents(queries)[0]), chars.transform(training.documents(queries)[1])]
    )
    expected = fitted.predict_proba(features.tocsr())
    assert np.allclose([model.probabilities(query) for query in queries], expected, atol=1e-5)


@pytest.mark.django_db
def test_a_word_of_fewer_than_three_appeals_is_not_kept(training_csv, tmp_path):
    rare = tmp_path / "rare.csv"
    rare.write_text(
        "text,topic5\n"
        "Сосед кукарямбов опять бросил мусор у подъезда,waste_reform\n"
        "Кукарямбов сваливает мусор за гаражами,waste_reform\n",
        encoding="utf-8",
    )
    train(csv=[training_csv, rare], output=tmp_path / "model", folds=0, without_corrections=True)
    model = Classifier.load(tmp_path / "model")
    assert not [term for term in [*model.word_index, *model.char_index] if "кукар" in term or "ямбов" in term]
    assert "мусор" in model.word_index
