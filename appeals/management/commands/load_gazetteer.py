"""Load a region's municipalities: a CSV with columns name, kind (city/district), patterns
(regular expressions separated by " | ", checked as ``routing`` runs them). Existing names are
updated; nothing is deleted."""

import csv as csvlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from appeals import routing
from appeals.models import Municipality
from appeals.patterns import PatternError, compile_pattern


class Command(BaseCommand):
    help = "Load or update the gazetteer of municipalities from a CSV (name, kind, patterns)."

    def add_arguments(self, parser):
        parser.add_argument("csv", help="CSV file with columns name, kind, patterns.")
        parser.add_argument(
            "--deactivate-others", action="store_true", help="Switch off municipalities not in the file."
        )

    def handle(self, *args, deactivate_others: bool, **options):
        path = Path(options["csv"])
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        with path.open(encoding="utf-8-sig") as handle:
            rows = list(csvlib.DictReader(handle))
        if not rows or not {"name", "kind", "patterns"} <= set(rows[0]):
            raise CommandError("The CSV needs the columns name, kind, patterns.")
        loaded = []
        with transaction.atomic():
            for number, row in enumerate(rows, start=2):
                kind = row["kind"].strip()
                if kind not in Municipality.Kind.values:
                    raise CommandError(f"Line {number}: kind must be city or district, not {kind!r}.")
                patterns = [p.strip() for p in row["patterns"].split(" | ") if p.strip()]
                for pattern in patterns:
                    try:
                        compile_pattern(pattern)  # as routing runs it: on RE2, in linear time
                    except PatternError as error:
                        raise CommandError(
                            f"Line {number}: {pattern!r} is not a regular expression ({error.reason})."
                        ) from None
                Municipality.objects.update_or_create(
                    name=row["name"].strip(),
                    defaults={"kind": kind, "patterns": "\n".join(patterns), "is_active": True},
                )
                loaded.append(row["name"].strip())
            if deactivate_others:
                Municipality.objects.exclude(name__in=loaded).update(is_active=False)
        routing.forget_gazetteer()
        self.stdout.write(f"Loaded {len(loaded)} municipalities from {path.name}.")
