"""Measure the topic classifier on a labelled CSV; prints one JSON object."""

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

    def handle(self, *args, csv, model, **options):
        rows = read_csv(csv)
        if not rows:
            raise CommandError(f"{csv} has no appeals.")
        try:
            classifier = Classifier.load(model) if model else get_classifier()
            load_dictionary()  # before the clock starts
        except ClassifierError as error:
            raise CommandError(str(error)) from None

        def progress(done, total):
            self.stderr.write(f"Classified {done:,} of {total:,} appeals…")

        result = measure(classifier, rows, progress=progress)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        speed = f"{result['appeals_per_second']:,} appeals/s" if result["appeals_per_second"] else "too fast to time"
        self.stderr.write(
            f"{len(rows):,} appeals: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}, "
            f"coverage at 95 % precision {result['coverage_at_95_precision']:.1%}; {speed} on one core.",
            style_func=self.style.SUCCESS,
        )
