"""Celery wrappers around the appeals' periodic jobs and the processing of accepted webhooks. The database
holds the truth: every job is an idempotent function of it and the clock, so a lost, repeated or
late task does no harm."""

import logging

from celery import shared_task

from . import retention
from .intake import processing

logger = logging.getLogger(__name__)


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


# Queued answers published per task run; a full run queues the next at once.
PUBLISH_LIMIT = 200


@shared_task(acks_late=True)
def publish_answers() -> int:
    from .publishing import delivery

    summary = delivery.publish_pending(limit=PUBLISH_LIMIT)
    done = len(summary.published) + len(summary.failed) + len(summary.unknown) + summary.retried
    if done >= PUBLISH_LIMIT:
        publish_answers.delay()
    return len(summary.published)


@shared_task(acks_late=True)
def fill_author_names() -> int:
    from .publishing import authors

    return authors.fill_author_names()


@shared_task(acks_late=True)
def train_routing() -> str:
    """Retrain the routing model; it is switched in only when it is no worse (the outcome is logged)."""
    from .routing_model.store import retrain

    outcome = retrain()
    logger.info("Routing model v%s: %s", outcome.version.pk, outcome.message)
    return outcome.message
