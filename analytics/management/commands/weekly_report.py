from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import reports


class Command(BaseCommand):
    help = "Generate the weekly report for the Head (XLSX, kept in the database and in the admin)."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="Any day of the week to report, YYYY-MM-DD (default: the last full week).")
        parser.add_argument("--output", help="Also write the workbook to this file.")

    def handle(self, *args, week=None, output=None, **options):
        if week:
            try:
                day = date.fromisoformat(week)
            except ValueError:
                raise CommandError(f"--week {week!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-23.") from None
        else:
            day = reports.due_week(timezone.now())
        report = reports.build(day, replace=True)
        if output:
            with open(output, "wb") as file:
                file.write(bytes(report.content))
        self.stdout.write(
            f"Weekly report {report}: {report.received} appeals received, {len(bytes(report.content)):,} bytes"
            + (f", written to {output}." if output else ".")
        )
