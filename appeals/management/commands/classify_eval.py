"""Measure the topic classifier on a labelled CSV; prints one JSON object."""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals import classify

from .train_classifier import read_csv

# Appeals classified between two progress lines.
BATCH = 1000


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

    def handle(self, *args, csv, model, **options):
        rows = read_csv(csv)
        if not rows:
            raise CommandError(f"{csv} has no appeals.")
        try:
            classifier = classify.Classifier.load(model) if model else classify.get_classifier()
            classify.load_dictionary()  # before the clock starts
        except classify.ClassifierError as error:
            raise CommandError(str(error)) from None
        predictions: list[tuple[str, float]] = []
        cpu = time.process_time()
        for start in range(0, len(rows), BATCH):
            predictions += classifier.classify_many(text for text, _ in rows[start : start + BATCH])
            self.stderr.write(f"Classified {len(predictions):,} of {len(rows):,} appeals…")
        cpu = time.process_time() - cpu
        result = classify.evaluate([code for _, code in rows], predictions)
        result["appeals_per_second"] = round(len(rows) / cpu) if cpu > 0 else None
        result["model"] = {key: classifier.metadata.get(key) for key in ("version", "trained_at", "rows")}
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        speed = f"{result['appeals_per_second']:,} appeals/s" if result["appeals_per_second"] else "too fast to time"
        self.stderr.write(
            f"{len(rows):,} appeals: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}, "
            f"coverage at 95 % precision {result['coverage_at_95_precision']:.1%}; {speed} on one core.",
            style_func=self.style.SUCCESS,
        )
