from django.core.management.base import BaseCommand

from analytics import spikes


class Command(BaseCommand):
    help = "Compare the last hours' appeals per topic and municipality with the previous weeks; raise spike alerts."

    def handle(self, *args, **options):
        alerts = spikes.detect_spikes()
        for alert in alerts:
            self.stdout.write(f"  spike: {alert} (usually {alert.baseline:.1f})")
        self.stdout.write(f"{len(alerts)} new spike alert(s).")
