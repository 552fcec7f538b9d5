"""Load a region's gazetteer: its municipalities and their settlements, from a CSV such as
``data/gazetteers/khakassia.csv`` (columns name, kind, municipality, oktmo, fias_id; see
``appeals.gazetteer.read_csv``). The older form (name, kind = city/district, patterns) loads too.

Idempotent: a second run changes nothing. Municipalities are matched by name and updated, never
deleted (``--deactivate-others`` switches off those not in the file); the settlements of each
municipality in the file become the file's (added, changed, or removed when no longer listed).
Each settlement's forms are declined here, once, for ``appeals.gazetteer``. A row whose kind is a
street's («улица», «проспект», …) is a street of its municipality, kept with the settlements."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from appeals import gazetteer, routing
from appeals.models import Municipality, Settlement
from appeals.patterns import PatternError, compile_pattern

PROGRESS_EVERY = 500


class Command(BaseCommand):
    help = "Load or update a region's municipalities and settlements from a CSV (see data/gazetteers/SOURCES.md)."

    def add_arguments(self, parser):
        parser.add_argument("csv", help="CSV file with columns name, kind, municipality, oktmo, fias_id.")
        parser.add_argument(
            "--deactivate-others", action="store_true", help="Switch off municipalities not in the file."
        )

    def handle(self, *args, deactivate_others: bool, **options):
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist: give a region's CSV, such as data/gazetteers/khakassia.csv.")
        try:
            rows = gazetteer.read_csv(path)
        except UnicodeDecodeError:
            raise CommandError(f"{path.name} is not UTF-8: save it as UTF-8 (CSV UTF-8) and load it again.") from None
        except ValueError as error:
            raise CommandError(f"{path.name}: {error}") from None
        municipal = [row for row in rows if gazetteer.municipal_kind(row["kind"])]
        places = [row for row in rows if not gazetteer.municipal_kind(row["kind"])]
        for row in municipal:
            for pattern in _patterns(row):
                try:
                    compile_pattern(pattern)  # as routing runs it: on RE2, in linear time
                except PatternError as error:
                    raise CommandError(
                        f"Line {row['line']}: {pattern!r} is not a regular expression ({error.reason})."
                    ) from None
        with transaction.atomic():
            municipalities = {row["name"]: self._municipality(row) for row in municipal}
            added, changed, removed = self._settlements(places, municipalities)
            if deactivate_others:
                Municipality.objects.exclude(name__in=list(municipalities)).update(is_active=False)
        routing.forget_gazetteer()
        self.stdout.write(
            f"Loaded {len(municipal)} municipalities and {len(places)} settlements from {path.name}: "
            f"{added} added, {changed} changed, {removed} removed."
        )

    def _municipality(self, row: dict) -> Municipality:
        fields = {"kind": gazetteer.municipal_kind(row["kind"]), "is_active": True}
        if "patterns" in row:  # the older form; a file without the column keeps the operators' patterns
            fields["patterns"] = "\n".join(_patterns(row))
        municipality, created = Municipality.objects.get_or_create(
            name=row["name"], defaults={"patterns": "", **fields}
        )
        if not created and any(getattr(municipality, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(municipality, name, value)
            municipality.save(update_fields=list(fields))
        return municipality

    def _settlements(self, rows: list[dict], municipalities: dict[str, Municipality]) -> tuple[int, int, int]:
        existing = {
            (settlement.municipality_id, settlement.name, settlement.kind, settlement.oktmo): settlement
            for settlement in Settlement.objects.filter(municipality__in=list(municipalities.values()))
        }
        new, changed, seen = [], [], set()
        for number, row in enumerate(rows, start=1):
            municipality = municipalities[row["municipality"]]
            key = (municipality.pk, row["name"], row["kind"], row.get("oktmo", ""))
            if key in seen:
                raise CommandError(f"Line {row['line']}: {row['name']!r} is listed twice; remove one of the lines.")
            seen.add(key)
            fields = {
                "fias_id": row.get("fias_id", ""),
                "forms": "\n".join(gazetteer.forms_of(row["name"], row["kind"])),
            }
            settlement = existing.get(key)
            if settlement is None:
                new.append(Settlement(municipality=municipality, name=key[1], kind=key[2], oktmo=key[3], **fields))
            elif any(getattr(settlement, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(settlement, name, value)
                changed.append(settlement)
            if number % PROGRESS_EVERY == 0:
                self.stderr.write(f"  {number}/{len(rows)} settlements read")
        Settlement.objects.bulk_create(new, batch_size=1000)
        Settlement.objects.bulk_update(changed, ["fias_id", "forms"], batch_size=1000)
        gone = [settlement.pk for key, settlement in existing.items() if key not in seen]
        Settlement.objects.filter(pk__in=gone).delete()
        return len(new), len(changed), len(gone)


def _patterns(row: dict) -> list[str]:
    return [pattern.strip() for pattern in row.get("patterns", "").split(" | ") if pattern.strip()]
