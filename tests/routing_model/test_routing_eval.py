"""``manage.py routing_eval --train FILE --test FILE [--gazetteer FILE]``: one JSON object."""

import csv
import json
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

PROBLEMS = {
    "Комитет дорожного хозяйства": ["яма на дороге", "разбит асфальт", "нет разметки", "светофор не работает"],
    "Жилищная инспекция": ["нет горячей воды", "течет крыша", "холодно в квартире", "не работает лифт"],
}
TOWNS = {"Администрация города Льгов": "Льгов", "Администрация Курчатовского района": "Курчатовского района"}


def rows(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        executor = rng.choice([*PROBLEMS, *TOWNS])
        if executor in PROBLEMS:
            found.append((" и ".join(rng.sample(PROBLEMS[executor], 2)) + ", помогите", executor))
        else:
            problem = rng.choice([p for problems in PROBLEMS.values() for p in problems])
            found.append((f"{problem} в {TOWNS[executor]}, помогите", executor))
    return found


def write(path, data, columns=("text", "executor")):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(data)
    return path


@pytest.fixture
def places(tmp_path):
    return write(
        tmp_path / "places.csv",
        [
            ("Льгов", "городской округ", "Льгов", "", ""),
            ("Курчатовский", "муниципальный район", "Курчатовский", "", ""),
        ],
        columns=("name", "kind", "municipality", "oktmo", "fias_id"),
    )


def run(**options) -> dict:
    out = StringIO()
    call_command("routing_eval", stdout=out, stderr=StringIO(), **options)
    return json.loads(out.getvalue())


def test_it_prints_the_routing_figures_as_one_json_object(tmp_path, places):
    train = write(tmp_path / "train.csv", rows(80, seed=1))
    test = write(tmp_path / "test.csv", rows(30, seed=2))

    result = run(train=train, test=test, gazetteer=places)

    assert {
        "executor_accuracy",
        "executor_top3",
        "coverage_at_95",
        "municipality_precision",
        "municipality_recall",
    } <= set(result)
    assert result["executor_accuracy"] >= 0.9  # the problem or the town says who handles it
    assert result["executor_top3"] == 1.0
    assert 0 < result["coverage_at_95"] <= 1
    assert (result["municipality_precision"], result["municipality_recall"]) == (1.0, 1.0)
    assert (result["rows_train"], result["rows_test"], result["executors"]) == (80, 30, 4)


def test_without_a_gazetteer_it_leaves_the_municipality_figures_empty(tmp_path):
    result = run(train=write(tmp_path / "a.csv", rows(40, seed=3)), test=write(tmp_path / "b.csv", rows(10, seed=4)))

    assert result["municipality_precision"] is None and result["municipality_recall"] is None


def test_it_says_which_column_is_missing(tmp_path):
    bad = write(tmp_path / "bad.csv", [("яма", "дороги")], columns=("text", "topic5"))

    with pytest.raises(CommandError, match="no column executor"):
        run(train=bad, test=bad)


def test_without_a_test_file_it_cross_validates_the_training_file(tmp_path, places):
    result = run(train=write(tmp_path / "all.csv", rows(60, seed=5)), folds=3, gazetteer=places)

    assert (result["folds"], result["rows"], len(result["per_fold"])) == (3, 60, 3)
    means = [fold["executor_accuracy"] for fold in result["per_fold"]]
    assert result["executor_accuracy"] == pytest.approx(sum(means) / 3, abs=1e-4)
    assert result["executor_accuracy_spread"] >= 0 and result["municipality_recall"] == 1.0
