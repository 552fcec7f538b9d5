"""One definition of the deadline states: what the lists, counters, figures and jobs filter
(``deadline_q``) is what one appeal's page shows (``Appeal.deadline_state``)."""

from datetime import datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from appeals.models import Appeal

from ..factories import AppealFactory

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))
# What the constraints ask of a closed appeal.
CLOSED = {"resolved": {"resolved_at": NOW, "answer": "Сделано"}, "rejected": {"rejection_reason": "spam"}}
OFFSETS = [-48, -3, -0.01, 0, 0.5, 3.99, 4, 6, 7.99, 8.5, 30]  # hours from NOW to the deadline


@pytest.mark.django_db
def test_it_puts_every_appeal_in_the_same_state_by_row_and_by_object():
    appeals = [
        AppealFactory(
            status=status,
            due_at=NOW + timedelta(hours=hours),
            paused_at=NOW if paused else None,
            **CLOSED.get(status, {}),
        )
        for status, hours, paused in product(Appeal.Status.values, OFFSETS, (False, True))
    ]
    by_rows = {
        state: set(getattr(Appeal.objects, state)(NOW).values_list("pk", flat=True))
        for state in ("overdue", "due_soon", "due_today")
    }
    paused = set(Appeal.objects.paused().values_list("pk", flat=True))
    for appeal in appeals:
        state = appeal.deadline_state(NOW)
        assert (appeal.pk in by_rows["overdue"]) == (state == "overdue"), (appeal.status, appeal.due_at)
        assert (appeal.pk in by_rows["due_soon"]) == (state == "due_soon"), (appeal.status, appeal.due_at)
        ahead_today = state in ("due_soon", "on_time") and appeal.due_at.date() == NOW.date()
        assert (appeal.pk in by_rows["due_today"]) == ahead_today, (appeal.status, appeal.due_at)
        assert appeal.is_overdue(NOW) == (state == "overdue")
        assert (appeal.pk in paused) == (state == "paused"), (appeal.status, appeal.paused_at)
    assert all(by_rows.values()), "every state is met by some appeal"
