"""Retrain the routing model from this installation's history (also a daily beat job)."""

import json

from django.core.management.base import BaseCommand, CommandError

from appeals.routing_model.store import retrain


class Command(BaseCommand):
    help = (
        "Train the routing model on the appeals people routed or resolved, cross-validate it and switch it "
        "in unless it is worse than the model in use (top-1 or top-3 accuracy lower by more than 0.005)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Train and judge, but record and switch nothing.")
        parser.add_argument("--force", action="store_true", help="Switch the new model in even if it is worse.")

    def handle(self, *args, dry_run, force, **options):
        outcome = retrain(force=force, dry_run=dry_run)
        version = outcome.version
        figures = {key: value for key, value in version.figures.items() if key != "thresholds"}
        self.stdout.write(json.dumps({"version": version.pk, "rows": version.rows, **figures}, ensure_ascii=False))
        if version.status == version.Status.FAILED:
            raise CommandError(outcome.message)
        style = self.style.SUCCESS if outcome.switched_in else self.style.WARNING
        self.stderr.write(style(outcome.message))
