"""Write a region's gazetteer CSV (for ``load_gazetteer``) from Rosstat's OKTMO open data."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals import gazetteer, oktmo


class Command(BaseCommand):
    help = (
        "Write a region's municipalities and settlements, from Rosstat's OKTMO open data "
        "(data-…-structure-20150128.csv), as a CSV for load_gazetteer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "source", metavar="OKTMO_FILE", help="Rosstat's OKTMO file (CSV, ';'-separated, Windows-1251 or UTF-8)."
        )
        parser.add_argument("--region", required=True, help="The region's OKTMO code: 95 Khakassia, 38 Kursk.")
        parser.add_argument("--output", help="Where to write the CSV (default: standard output).")

    def handle(self, *args, source: str, region: str, output: str | None, **options):
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"{path} does not exist: download OKTMO's open data from Rosstat and give its path.")
        rows = list(oktmo_rows(path, region))
        if not rows:
            raise CommandError(f"No municipality of region {region!r} in {path.name}: check --region (two digits).")
        municipalities = sum(1 for row in rows if gazetteer.municipal_kind(row["kind"]))
        if output:
            with Path(output).open("w", encoding="utf-8", newline="") as out:
                oktmo.write(rows, out)
        else:
            oktmo.write(rows, sys.stdout)
        self.stderr.write(
            f"Region {region}: {municipalities} municipalities and {len(rows) - municipalities} settlements."
        )


def oktmo_rows(path: Path, region: str):
    return oktmo.gazetteer_rows(oktmo.read(path), region.zfill(2))
