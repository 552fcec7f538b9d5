from django.core.management.base import BaseCommand

from appeals import sla


class Command(BaseCommand):
    help = "Flag every open appeal whose deadline has passed (idempotent)."

    def handle(self, *args, **options):
        flagged = sla.flag_overdue()
        self.stdout.write(f"Flagged {flagged} overdue appeal(s).")
