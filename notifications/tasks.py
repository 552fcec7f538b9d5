"""Celery wrappers around the deadline jobs and the delivery of notifications. The database holds
the truth: every job is an idempotent function of it and the clock, so a lost, repeated or late
task does no harm."""

from celery import shared_task

from . import jobs, services


@shared_task(acks_late=True)
def flag_overdue() -> int:
    return jobs.flag_overdue()


@shared_task(acks_late=True)
def remind_due_soon() -> int:
    return jobs.remind_due_soon()


@shared_task(acks_late=True)
def escalate_overdue() -> int:
    return jobs.escalate_overdue()


@shared_task(acks_late=True)
def queue_digests() -> int:
    return services.queue_digests()


@shared_task(acks_late=True)
def send_notifications() -> int:
    return services.send_pending()
