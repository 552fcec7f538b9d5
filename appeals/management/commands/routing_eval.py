"""Train the routing model on one CSV of appeals and measure it on another; prints one JSON object."""

import csv
import json
import random
import statistics
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals import gazetteer
from appeals.routing_model.model import Route, RoutingModelError, terms
from appeals.routing_model.training import measure
from appeals.routing_model.training import train as fit_and_calibrate


def read_csv(path: Path) -> list[tuple[str, str]]:
    """(text, executor) rows of a CSV with the columns ``text`` and ``executor``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = {"text", "executor"} - set(reader.fieldnames or ())
            if missing:
                raise CommandError(f"{path} has no column {', '.join(sorted(missing))} (it needs text and executor).")
            return [
                (row["text"] or "", (row["executor"] or "").strip())
                for row in reader
                if (row["executor"] or "").strip()
            ]
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"Cannot read {path}: {error}") from None


def municipality_figures(rows: list[tuple[str, str]], places: gazetteer.Gazetteer) -> dict:
    """On the appeals whose executor is a town's or a district's administration: how often the
    municipality found in the text is that administration's (precision), and how many of them it finds
    rightly (recall)."""
    found = right = total = 0
    for text, executor in rows:
        expected = gazetteer.detect_executor(executor, places)
        if expected is None:
            continue
        total += 1
        detected = gazetteer.detect(text, places)
        if detected is not None:
            found += 1
            right += detected.municipality == expected
    return {
        "municipality_precision": round(right / found, 4) if found else None,
        "municipality_recall": round(right / total, 4) if total else None,
        "municipality_rows": total,
    }


class Command(BaseCommand):
    help = (
        "Train the routing model on one CSV of appeals (columns text and executor, the body that handled "
        "each) and print, as one JSON object, its figures on another: executor_accuracy, executor_top3, "
        "coverage_at_95 (the share it routes by itself with the threshold calibrated for 95 % precision on "
        "the training data), municipality_precision and municipality_recall."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", type=Path, required=True, help="CSV to learn from (text, executor).")
        parser.add_argument(
            "--test",
            type=Path,
            default=None,
            help="CSV to measure on (text, executor). Without it, --train is cross-validated (--folds).",
        )
        parser.add_argument(
            "--folds",
            type=int,
            default=5,
            help="Without --test: split --train into this many folds (a fixed seed), learn from all but one and "
            "measure on it, each in turn; prints the mean, the spread and each fold's figures (default: %(default)s).",
        )
        parser.add_argument(
            "--gazetteer",
            type=Path,
            default=None,
            help="The region's places (a gazetteer CSV, e.g. data/gazetteers/kursk.csv): the municipality named "
            "in a text becomes a feature, and the municipality figures are measured.",
        )

    def handle(self, *args, **options):
        train, test, gazetteer_csv, folds = options["train"], options["test"], options["gazetteer"], options["folds"]
        train_rows = read_csv(train)
        places = None
        if gazetteer_csv is not None:
            try:
                places = gazetteer.Gazetteer.from_csv(gazetteer_csv)
            except (OSError, ValueError, KeyError) as error:
                raise CommandError(f"Cannot read the gazetteer {gazetteer_csv}: {error}") from None
        if test is not None:
            result = self.evaluate(train_rows, read_csv(test), places)
        else:
            if not 2 <= folds <= len(train_rows):
                raise CommandError(f"--folds must be between 2 and the number of appeals ({len(train_rows)}).")
            order = list(range(len(train_rows)))
            random.Random(SEED).shuffle(order)
            runs = []
            for fold in range(folds):
                held_out = set(order[fold::folds])
                self.stderr.write(f"Fold {fold + 1}/{folds}…")
                runs.append(
                    self.evaluate(
                        [row for i, row in enumerate(train_rows) if i not in held_out],
                        [row for i, row in enumerate(train_rows) if i in held_out],
                        places,
                    )
                )
            result = summary(runs, folds)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def evaluate(self, train_rows, test_rows, places) -> dict:
        if not train_rows or not test_rows:
            raise CommandError("Both CSV files need appeals with an executor.")

        def documents(rows):
            return [terms(text, _municipality(text, places)) for text, _ in rows]

        self.stderr.write(f"Learning from {len(train_rows):,} appeals…")
        try:
            model = fit_and_calibrate(documents(train_rows), [Route(executor) for _, executor in train_rows])
        except RoutingModelError as error:
            raise CommandError(f"Cannot train the routing model: {error}.") from None
        self.stderr.write(f"Measuring on {len(test_rows):,} appeals…")
        figures = measure(model, documents(test_rows), [executor for _, executor in test_rows], percent=95)
        result = {
            "executor_accuracy": figures["accuracy"],
            "executor_top3": figures["top3"],
            "coverage_at_95": figures["auto_coverage"],
            "precision_of_auto": figures["auto_precision"],
            "threshold_at_95": figures["auto_threshold"],
            "coverage_at_95_best_threshold": figures["best_coverage_at_95"],
            "municipality_precision": None,
            "municipality_recall": None,
            "rows_train": len(train_rows),
            "rows_test": len(test_rows),
            "executors": len(model.body_names),
            "train_cross_validation": model.metadata["cross_validation"],
        }
        if places is not None:
            result.update(municipality_figures(test_rows, places))
        return result


# The figures a cross-validation summarises (mean and spread over the folds).
SUMMARISED = (
    "executor_accuracy",
    "executor_top3",
    "coverage_at_95",
    "precision_of_auto",
    "coverage_at_95_best_threshold",
    "municipality_precision",
    "municipality_recall",
)
SEED = 0


def summary(runs: list[dict], folds: int) -> dict:
    """Each figure's mean over the folds (the same keys as one evaluation), its spread (population
    standard deviation, ``*_spread``) and the folds' own figures."""
    result: dict = {"folds": folds, "seed": SEED, "rows": sum(run["rows_test"] for run in runs)}
    for key in SUMMARISED:
        values = [run[key] for run in runs if run.get(key) is not None]
        result[key] = round(statistics.fmean(values), 4) if values else None
        result[f"{key}_spread"] = round(statistics.pstdev(values), 4) if values else None
    result["per_fold"] = [{key: run.get(key) for key in SUMMARISED} for run in runs]
    return result


def _municipality(text: str, places) -> str | None:
    if places is None:
        return None
    found = gazetteer.detect(text, places)
    return found.municipality if found else None
