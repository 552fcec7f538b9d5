"""The overdue job: set-based, idempotent, one history event per flagged appeal."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals import sla
from appeals.models import Appeal, AppealEvent

from ..factories import AppealFactory


@pytest.mark.django_db
def test_it_flags_open_appeals_past_their_deadline_once():
    now = timezone.now()
    late = AppealFactory(due_at=now - timedelta(hours=3))
    AppealFactory(due_at=now + timedelta(hours=3))
    AppealFactory(due_at=now - timedelta(hours=3), status=Appeal.Status.RESOLVED, resolved_at=now, answer="Да")
    assert sla.flag_overdue(now) == 1
    late.refresh_from_db()
    assert late.overdue_since == late.due_at
    event = AppealEvent.objects.get()
    assert (event.appeal, event.kind, event.actor) == (late, AppealEvent.Kind.OVERDUE, None)
    assert sla.flag_overdue(now) == 0
    assert AppealEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 120])
def test_its_query_count_does_not_grow_with_the_number_of_appeals(django_assert_num_queries, rows):
    now = timezone.now()
    AppealFactory.create_batch(rows, due_at=now - timedelta(minutes=5))
    # One batch holds every row: 1 savepoint (the test's transaction wraps the job's),
    # 2 select (and on PostgreSQL lock) the batch, 3 update it, 4 insert its events, 5 release.
    with django_assert_num_queries(5):
        assert sla.flag_overdue(now, batch_size=1000) == rows


@pytest.mark.django_db
def test_it_works_in_bounded_batches():
    now = timezone.now()
    AppealFactory.create_batch(25, due_at=now - timedelta(minutes=5))
    assert sla.flag_overdue(now, batch_size=10) == 25
    assert Appeal.objects.filter(overdue_since__isnull=True).count() == 0
    assert AppealEvent.objects.filter(kind=AppealEvent.Kind.OVERDUE).count() == 25


@pytest.mark.django_db
def test_the_command_reports_how_many_it_flagged(capsys):
    AppealFactory.create_batch(2, due_at=timezone.now() - timedelta(minutes=1))
    call_command("flag_overdue")
    assert "Flagged 2" in capsys.readouterr().out
