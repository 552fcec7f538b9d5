from django.core.management.base import BaseCommand

from notifications import jobs


class Command(BaseCommand):
    help = "Flag every open appeal whose deadline has passed, and queue its reminders (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"Flagged {jobs.flag_overdue()} overdue appeal(s).")
