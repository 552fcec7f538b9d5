"""Overlapping runs of the overdue job on PostgreSQL: each appeal is flagged, and recorded, once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from appeals.models import AppealEvent
from notifications import jobs

from ..factories import AppealFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; .ci/run runs this on it"
)


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_flag_each_appeal_once():
    now = timezone.now()
    AppealFactory.create_batch(400, due_at=now - timedelta(minutes=10))
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(jobs.flag_overdue(now, batch_size=50))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 400
    assert AppealEvent.objects.filter(kind=AppealEvent.Kind.OVERDUE).count() == 400
    assert AppealEvent.objects.values("appeal").distinct().count() == 400
