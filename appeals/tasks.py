from celery import shared_task

from . import sla


@shared_task
def flag_overdue() -> int:
    return sla.flag_overdue()
