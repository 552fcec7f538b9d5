from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = "Deliver the pending reminders, escalations and digests (safe to run in parallel)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many (default 500).")

    def handle(self, *args, limit, **options):
        self.stdout.write(f"Sent {services.send_pending(limit=limit)} notification(s).")
