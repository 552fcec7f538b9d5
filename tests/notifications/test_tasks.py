"""The periodic job travels through the configured broker to a real Celery worker.

On the embedded defaults the broker is kombu's filesystem transport; under .ci/run it is the
real Redis, with the real PostgreSQL behind the worker.
"""

import threading
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from govfeedback.celery import app
from notifications import tasks

from ..factories import AppealFactory


@pytest.mark.django_db(transaction=True)
def test_a_worker_flags_overdue_appeals_sent_through_the_broker():
    late = AppealFactory.create_batch(3, due_at=timezone.now() - timedelta(hours=1))
    on_time = AppealFactory(due_at=timezone.now() + timedelta(hours=5))
    # A queue of its own, so that a worker of `make run` on the same broker cannot take the task.
    queue = "govfeedback-tests"
    # Wait for the worker's signal, not by polling: SQLite's shared in-memory test database
    # locks whole tables, so reading while the worker writes would make the test flaky.
    done = threading.Event()

    def finished(sender=None, **kwargs):
        done.set()

    task_postrun.connect(finished, sender=tasks.flag_overdue, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=[queue]):
            tasks.flag_overdue.apply_async(queue=queue)
            assert done.wait(timeout=30), "the worker did not run the task"
    finally:
        task_postrun.disconnect(finished, sender=tasks.flag_overdue)
    assert set(Appeal.objects.filter(overdue_since__isnull=False)) == set(late)
    assert on_time not in Appeal.objects.filter(overdue_since__isnull=False)
    assert AppealEvent.objects.filter(kind=AppealEvent.Kind.OVERDUE).count() == 3


def test_beat_runs_the_overdue_job_every_minute():
    schedule = app.conf.beat_schedule["flag-overdue"]
    assert schedule["task"] == tasks.flag_overdue.name
    assert schedule["schedule"] == 60
