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
def process_waiting_events() -> int:
    done = processing.drain(processing.DRAIN_LIMIT)
    if done >= processing.DRAIN_LIMIT:  # more may wait: the rest in another run, behind the jobs queued meanwhile
        process_waiting_events.delay()
    return done


@shared_task(acks_late=True)
def process_pending_events() -> int:
    done = processing.process_pending(limit=processing.DRAIN_LIMIT)
    if done >= processing.DRAIN_LIMIT:  # a backlog (the broker was down): drained run after run
        process_waiting_events.delay()
    return done
