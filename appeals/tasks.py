"""Celery wrappers around the periodic jobs and the processing of accepted webhooks. The database
holds the truth: every job is an idempotent function of it and the clock, so a lost, repeated or
late task does no harm."""

from celery import shared_task

from . import notifications, retention, sla
from .intake import processing


@shared_task(acks_late=True)
def flag_overdue() -> int:
    return sla.flag_overdue()


@shared_task(acks_late=True)
def remind_due_soon() -> int:
    return sla.remind_due_soon()


@shared_task(acks_late=True)
def escalate_overdue() -> int:
    return sla.escalate_overdue()


@shared_task(acks_late=True)
def queue_digests() -> int:
    return notifications.queue_digests()


@shared_task(acks_late=True)
def send_notifications() -> int:
    return notifications.send_pending()


@shared_task(acks_late=True)
def anonymise_expired() -> int:
    return retention.anonymise_expired()


@shared_task(acks_late=True)
def process_inbound_event(event_id: int) -> str | None:
    return processing.process_stored(event_id)


@shared_task(acks_late=True)
def process_pending_events() -> int:
    return processing.process_pending()
