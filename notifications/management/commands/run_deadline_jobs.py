import time

from django.core.management.base import BaseCommand

from notifications import jobs, services


class Command(BaseCommand):
    help = (
        "Run the deadline jobs once, as beat would: flag overdue appeals, remind of due-soon ones, "
        "escalate long-overdue ones, queue the morning digests, then deliver what is pending."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-send", action="store_true", help="Queue notifications but do not deliver them.")

    def handle(self, *args, no_send, **options):
        started = time.monotonic()
        results = {
            "flagged overdue": jobs.flag_overdue(),
            "reminded due soon": jobs.remind_due_soon(),
            "escalated": jobs.escalate_overdue(),
            "digests queued": services.queue_digests(),
        }
        for label, count in results.items():
            self.stdout.write(f"  {label}: {count}")
        sent = 0 if no_send else services.send_pending(limit=100_000)
        summary = ", ".join(f"{count} {label}" for label, count in results.items())
        self.stdout.write(f"Deadline jobs done in {time.monotonic() - started:.1f} s: {summary}, {sent} sent.")
