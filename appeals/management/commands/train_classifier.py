"""Rebuild the topic classifier from the development CSV and the operators' corrections."""

import csv
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef

from appeals.classifier.model import MODEL_DIR, TOPICS, ClassifierError
from appeals.classifier.training import FOLDS, cross_validate, train
from appeals.models import Appeal, AppealEvent

DATA_ENV = "GOVFEEDBACK_CLASSIFIER_DATA"
DEFAULT_DATA = "/work/shared/data/kursk_appeals_2022/dev.csv"


def corrections() -> list[tuple[str, str]]:
    """(text, topic code) of the appeals whose topic a person set (not the classifier, not a job)."""
    set_by_person = AppealEvent.objects.filter(
        appeal=OuterRef("pk"), kind=AppealEvent.Kind.TOPIC_SET, actor__isnull=False
    )
    return list(
        Appeal.objects.exclude(topic=None)
        .filter(Exists(set_by_person))
        .order_by("pk")
        .values_list("text", "topic__code")
    )


def read_csv(path: Path) -> list[tuple[str, str]]:
    """(text, topic5) rows of a CSV with the columns ``text`` and ``topic5``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = {"text", "topic5"} - set(reader.fieldnames or ())
            if missing:
                raise CommandError(f"{path} has no column {', '.join(sorted(missing))} (it needs text and topic5).")
            return [(row["text"] or "", (row["topic5"] or "").strip()) for row in reader]
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"Cannot read {path}: {error}") from None


class Command(BaseCommand):
    help = (
        "Train the topic classifier on the development CSV (columns text, topic5) and on the topics "
        "operators set by hand, cross-validate it, and write the model to appeals/classifier/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv",
            nargs="+",
            action="extend",
            type=Path,
            help=f"Training CSV file(s) with the columns text and topic5 (default: ${DATA_ENV}, else {DEFAULT_DATA}).",
        )
        parser.add_argument(
            "--output", type=Path, default=MODEL_DIR, help="Where to write the model (default: %(default)s)."
        )
        parser.add_argument(
            "--folds",
            type=int,
            default=FOLDS,
            help="Cross-validation folds; 0 skips it (default: %(default)s).",
        )
        parser.add_argument(
            "--without-corrections", action="store_true", help="Train on the CSV only, not on operators' corrections."
        )

    def handle(self, *args, csv, output, folds, without_corrections, **options):
        started = time.monotonic()
        paths = csv or [self.default_csv()]
        rows: list[tuple[str, str]] = []
        for path in paths:
            found = read_csv(path)
            self.stdout.write(f"Read {len(found):,} appeals from {path}.")
            rows += found
        unknown = sorted({code for _, code in rows} - set(TOPICS))
        if unknown:
            raise CommandError(
                f"Unknown topic5 value(s) in the CSV: {', '.join(map(repr, unknown))}; "
                f"expected one of {', '.join(TOPICS)}."
            )
        if without_corrections:
            kept = []
            self.stdout.write("Operators' corrections left out (--without-corrections).")
        else:
            from_db = corrections()
            kept = [(text, code) for text, code in from_db if code in TOPICS]
            left_out = len(from_db) - len(kept)
            note = f" ({left_out:,} with other topics left out)" if left_out else ""
            self.stdout.write(f"Read {len(kept):,} operators' corrections from the database{note}.")
        rows += kept
        texts, labels = [text for text, _ in rows], [code for _, code in rows]

        def progress(fold, total):
            self.stdout.write(f"Cross-validating: fold {fold}/{total}…")

        try:
            cv = cross_validate(texts, labels, folds=folds, progress=progress) if folds > 1 else None
            self.stdout.write(f"Training on all {len(rows):,} appeals…")
            model = train(texts, labels)
        except ClassifierError as error:
            raise CommandError(str(error)) from None
        except ValueError as error:  # e.g. more folds than texts of some topic
            raise CommandError(f"Cannot cross-validate with {folds} folds: {error}") from None
        seconds = time.monotonic() - started
        path = model.save(
            output,
            rows=len(rows),
            rows_from_csv=len(rows) - len(kept),
            rows_from_corrections=len(kept),
            rows_per_topic={code: labels.count(code) for code in TOPICS if code in labels},
            cross_validation=cv,
            training_seconds=round(seconds, 1),
        )
        figures = (
            f"CV accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}, "
            f"coverage at 95 % precision {cv['coverage_at_95_precision']:.1%}"
            if cv
            else "no cross-validation"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained on {len(rows):,} appeals, {len(model.topics)} topics; {figures}; "
                f"{seconds:.0f} s; wrote {path}."
            )
        )

    def default_csv(self) -> Path:
        path = Path(os.environ.get(DATA_ENV) or DEFAULT_DATA)
        if not path.is_file():
            raise CommandError(
                f"No training data at {path}: pass --csv PATH or set {DATA_ENV} to the development CSV "
                "(columns text and topic5)."
            )
        return path
