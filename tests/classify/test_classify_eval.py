"""``manage.py classify_eval --csv FILE``: one JSON object with the figures of the classifier."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from appeals.classifier.evaluation import coverage_at_precision
from appeals.management.commands import classify_eval


def write_csv(path, rows, columns=("text", "topic5")):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def run(path) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("classify_eval", csv=path, stdout=out)
    return json.loads(out.getvalue())


class FixedClassifier:
    """Answers fixed in advance, so that the figures can be worked out by hand."""

    metadata = {"version": 1, "trained_at": "2026-01-01T00:00:00+00:00", "rows": 5}

    def __init__(self, answers):
        self.answers = answers

    def classify_many(self, texts):
        return [self.answers[text] for text in texts]


def test_it_prints_the_figures_worked_out_by_hand(tmp_path, monkeypatch):
    answers = {
        "а1": ("housing_utilities_landscaping", 0.9),
        "а2": ("housing_utilities_landscaping", 0.8),
        "а3": ("roads_transport", 0.7),
        "а4": ("housing_utilities_landscaping", 0.6),  # wrong: it is about roads
        "а5": ("waste_reform", 0.5),
    }
    truth = ["housing_utilities_landscaping", "housing_utilities_landscaping", "roads_transport", "roads_transport"]
    path = write_csv(tmp_path / "eval.csv", zip(answers, [*truth, "waste_reform"], strict=True))
    monkeypatch.setattr(classify_eval, "get_classifier", lambda: FixedClassifier(answers))

    result = run(path)

    assert result["rows"] == 5
    assert result["accuracy"] == 0.8
    # F1: housing 2·(2/3·1)/(2/3+1) = 0.8, roads 2·(1·0.5)/1.5 = 2/3, waste 1 → mean 0.8222.
    assert result["macro_f1"] == pytest.approx(0.8222, abs=1e-4)
    assert result["per_topic"] == {
        "housing_utilities_landscaping": {"precision": 0.6667, "recall": 1.0, "support": 2},
        "waste_reform": {"precision": 1.0, "recall": 1.0, "support": 1},
        "roads_transport": {"precision": 1.0, "recall": 0.5, "support": 2},
    }
    # By confidence: right, right, right (3/3), wrong (3/4 < 95 %), right (4/5 < 95 %).
    assert result["coverage_at_95_precision"] == 0.6
    assert result["threshold_at_95_precision"] == 0.7
    assert result["model"]["version"] == 1


def test_it_also_counts_the_documented_alternative_topic(tmp_path, monkeypatch):
    answers = {
        "свалка у реки": ("ecology", 0.9),  # labelled waste, ecology is its documented alternative
        "свалка во дворе": ("waste_reform", 0.9),
        "яма на дороге": ("ecology", 0.9),  # wrong either way
    }
    rows = [
        ("свалка у реки", "waste_reform", "Несанкционированные свалки"),
        ("свалка во дворе", "waste_reform", "Несанкционированные свалки"),
        ("яма на дороге", "roads_transport", "Ямы"),
    ]
    path = write_csv(tmp_path / "eval.csv", rows, columns=("text", "topic5", "tematika"))
    mapping = write_csv(
        tmp_path / "map.csv",
        [("Несанкционированные свалки", "waste_reform", "ecology"), ("Ямы", "roads_transport", "")],
        columns=("tematika", "topic5", "alt_topic5"),
    )
    monkeypatch.setattr(classify_eval, "get_classifier", lambda: FixedClassifier(answers))
    out = StringIO()

    call_command("classify_eval", csv=path, alternatives=mapping, stdout=out)

    result = json.loads(out.getvalue())
    assert result["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["accuracy_with_alternative"] == pytest.approx(2 / 3, abs=1e-4)


def test_ties_in_confidence_are_taken_together():
    # Two answers at 0.9, one of them wrong: no share of 95 % right, since 0.9 cannot be split.
    assert coverage_at_precision([True, False, True], [0.9, 0.9, 0.5]) == (0.0, None)
    assert coverage_at_precision([True, True, False], [0.9, 0.9, 0.5]) == (2 / 3, 0.9)
    assert coverage_at_precision([], []) == (0.0, None)


def test_it_measures_the_committed_model(tmp_path):
    path = write_csv(
        tmp_path / "eval.csv",
        [
            ("В подъезде не работает отопление, батареи холодные", "housing_utilities_landscaping"),
            ("Мусор не вывозят неделю, контейнеры переполнены", "waste_reform"),
            ("На дороге огромные ямы, асфальт разбит", "roads_transport"),
            ("<b>Не могу записаться к врачу</b>, талонов нет", "other"),
        ],
    )
    result = run(path)
    assert set(result) == {
        "rows",
        "accuracy",
        "macro_f1",
        "per_topic",
        "coverage_at_95_precision",
        "threshold_at_95_precision",
        "appeals_per_second",
        "model",
    }
    assert result["accuracy"] == 1.0
    assert result["coverage_at_95_precision"] == 1.0
    assert result["appeals_per_second"] is None or result["appeals_per_second"] > 0


def test_it_reports_progress_and_a_summary_apart_from_the_json(tmp_path, monkeypatch):
    from io import StringIO

    answers = {f"текст {i}": ("roads_transport", 0.9) for i in range(1500)}
    path = write_csv(tmp_path / "eval.csv", [(text, "roads_transport") for text in answers])
    monkeypatch.setattr(classify_eval, "get_classifier", lambda: FixedClassifier(answers))
    out, err = StringIO(), StringIO()

    call_command("classify_eval", csv=path, stdout=out, stderr=err)

    assert json.loads(out.getvalue())["rows"] == 1500  # stdout stays one JSON object
    lines = err.getvalue().splitlines()
    assert lines[:2] == ["Classified 1,000 of 1,500 appeals…", "Classified 1,500 of 1,500 appeals…"]
    assert lines[-1].startswith("1,500 appeals: accuracy 1.000, macro-F1 1.000, coverage at 95 % precision 100.0%;")


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"nothing\.csv does not exist"):
        run(tmp_path / "nothing.csv")


def test_a_missing_column_is_a_clear_error(tmp_path):
    path = write_csv(tmp_path / "eval.csv", [("Мусор не вывозят", "waste_reform")], columns=("text", "topic"))
    with pytest.raises(CommandError, match="no column topic5"):
        run(path)
