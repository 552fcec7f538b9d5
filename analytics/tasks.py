"""Celery wrappers of the analytics jobs: idempotent functions of the database and the clock."""

from celery import shared_task

from . import reports, snapshots, spikes


@shared_task(acks_late=True)
def detect_spikes() -> int:
    return len(spikes.detect_spikes())


@shared_task(acks_late=True)
def weekly_report() -> bool:
    return reports.generate_due() is not None


@shared_task(acks_late=True)
def refresh_dashboards() -> int:
    return snapshots.refresh()
