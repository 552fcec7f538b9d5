"""Measure the topic classifier on a labelled CSV; prints one JSON object."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals import classify

from .train_classifier import read_csv


class Command(BaseCommand):
    help = (
        "Classify the appeals of a CSV (columns text and topic5) and print, as one JSON object, the "
        "accuracy, macro-F1, per-topic precision and recall, and the coverage at 95 % precision."
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
        except classify.ClassifierError as error:
            raise CommandError(str(error)) from None
        predictions = classifier.classify_many(text for text, _ in rows)
        result = classify.evaluate([code for _, code in rows], predictions)
        result["model"] = {key: classifier.metadata.get(key) for key in ("version", "trained_at", "rows")}
        self.stdout.write(json.dumps(result, ensure_ascii=False))
