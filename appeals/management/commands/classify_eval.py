"""Measure the topic classifier on a labelled CSV; prints one JSON object."""

import csv as csvlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals.classifier import Classifier, ClassifierError, get_classifier, load_dictionary
from appeals.classifier.evaluation import measure

from .train_classifier import read_csv


class Command(BaseCommand):
    help = (
        "Classify the appeals of a CSV (columns text and topic5) and print, as one JSON object, the "
        "accuracy, macro-F1, per-topic precision and recall, the coverage at 95 % precision and the "
        "speed (appeals per second of one core). Progress and a one-line summary go to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, required=True, help="CSV with the columns text and topic5.")
        parser.add_argument(
            "--model", type=Path, default=None, help="A model directory (default: the committed model)."
        )
        parser.add_argument(
            "--alternatives",
            type=Path,
            default=None,
            help="The fine topics' mapping (columns tematika and alt_topic5, e.g. tematika_to_topic5.csv): "
            "also counts a row's documented second reasonable topic as right (accuracy_with_alternative). "
            "Without it, an alt_topic5 column of the CSV is used if there is one.",
        )

    def handle(self, *args, csv, model, alternatives, **options):
        rows = read_csv(csv)
        if not rows:
            raise CommandError(f"{csv} has no appeals.")
        second = alternative_topics(csv, alternatives)
        try:
            classifier = Classifier.load(model) if model else get_classifier()
            load_dictionary()  # before the clock starts
        except ClassifierError as error:
            raise CommandError(str(error)) from None

        def progress(done, total):
            self.stderr.write(f"Classified {done:,} of {total:,} appeals…")

        result = measure(classifier, rows, progress=progress, alternatives=second)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        speed = f"{result['appeals_per_second']:,} appeals/s" if result["appeals_per_second"] else "too fast to time"
        self.stderr.write(
            f"{len(rows):,} appeals: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}, "
            f"coverage at 95 % precision {result['coverage_at_95_precision']:.1%}; {speed} on one core.",
            style_func=self.style.SUCCESS,
        )


def alternative_topics(path: Path, mapping: Path | None) -> list[str] | None:
    """The second reasonable topic of each row of ``path`` ("" for none): from ``mapping`` (a fine
    topic → alt_topic5 CSV) through the rows' ``tematika``, else from their own ``alt_topic5``."""
    try:
        alternative = {}
        if mapping is not None:
            with mapping.open(encoding="utf-8-sig", newline="") as f:
                alternative = {
                    row["tematika"].strip(): (row.get("alt_topic5") or "").strip() for row in csvlib.DictReader(f)
                }
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csvlib.DictReader(f)
            column = "tematika" if mapping is not None else "alt_topic5"
            if column not in (reader.fieldnames or ()):
                if mapping is not None:
                    raise CommandError(f"{path} has no column tematika, which --alternatives maps.")
                return None
            return [
                alternative.get((row[column] or "").strip(), "") if mapping else (row[column] or "").strip()
                for row in reader
            ]
    except KeyError as error:
        raise CommandError(f"{mapping} has no column {error}.") from None
    except (OSError, UnicodeDecodeError, csvlib.Error) as error:
        raise CommandError(f"Cannot read the alternatives: {error}") from None
