"""Celery wrappers around the appeals' periodic jobs and the processing of accepted webhooks. The database
holds the truth: every job is an idempotent function of it and the clock, so a lost, repeated or
late task does no harm."""

from celery import shared_task

from . import retention
from .intake import processing


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
