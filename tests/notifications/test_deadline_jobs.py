"""The deadline jobs: overdue flags, due-soon reminders, escalations, digests — each once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from appeals import services
from appeals.models import Appeal, AppealEvent
from ministries.models import Official
from notifications import jobs
from notifications import services as notifications
from notifications.models import Notification

from ..factories import AppealFactory, OfficialFactory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))
# PostgreSQL inserts a whole batch in one statement; Django splits SQLite inserts at 999
# parameters, so there "many" is as many as one insert holds. .ci/run runs both.
MANY = 1000 if connection.vendor == "postgresql" else 25


@pytest.fixture
def team(ministry_a, head_a, specialist_a):
    head_a.email, specialist_a.email = "head@minstroy.example", "ivanova@minstroy.example"
    head_a.save()
    specialist_a.save()
    return ministry_a, head_a, specialist_a


def recipients(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("appeal_id", "address"))


@pytest.mark.django_db
class TestFlagOverdue:
    def test_it_flags_once_and_tells_the_assignee_and_the_head(self, team):
        ministry, _head, specialist = team
        late = AppealFactory(ministry=ministry, assignee=specialist, due_at=NOW - timedelta(hours=3))
        AppealFactory(ministry=ministry, assignee=specialist, due_at=NOW + timedelta(hours=3))
        AppealFactory(due_at=NOW - timedelta(hours=3), status=Appeal.Status.RESOLVED, resolved_at=NOW, answer="Да")
        assert jobs.flag_overdue(NOW) == 1
        late.refresh_from_db()
        assert late.overdue_since == late.due_at
        assert AppealEvent.objects.get().kind == AppealEvent.Kind.OVERDUE
        assert recipients("overdue") == [(late.pk, "head@minstroy.example"), (late.pk, "ivanova@minstroy.example")]
        assert jobs.flag_overdue(NOW) == 0
        assert Notification.objects.count() == 2

    def test_an_appeal_nobody_owns_goes_to_the_operators(self, operator):
        operator.email = "press@r-19.example"
        operator.save()
        orphan = AppealFactory(due_at=NOW - timedelta(hours=1))
        jobs.flag_overdue(NOW)
        assert recipients("overdue") == [(orphan.pk, "press@r-19.example")]

    @pytest.mark.parametrize("rows", [1, MANY])
    def test_its_query_count_does_not_grow_with_the_number_of_appeals(self, team, django_assert_num_queries, rows):
        ministry, _head, specialist = team
        AppealFactory.create_batch(rows, ministry=ministry, assignee=specialist, due_at=NOW - timedelta(minutes=5))
        # PostgreSQL (notifications/sql/flag_overdue.sql): 1 the officials' addresses, 2 the press
        # service's, 3 one statement that flags the rows and inserts their events and notifications.
        # Elsewhere, as the other jobs: see the next test.
        with django_assert_num_queries(3 if connection.vendor == "postgresql" else 8):
            assert jobs.flag_overdue(NOW) == rows
        assert Notification.objects.count() == 2 * rows

    @pytest.mark.parametrize("rows", [1, MANY])
    def test_in_batches_its_query_count_does_not_grow_with_the_number_of_appeals(
        self, team, django_assert_num_queries, rows
    ):
        ministry, _head, specialist = team
        AppealFactory.create_batch(rows, ministry=ministry, assignee=specialist, due_at=NOW - timedelta(minutes=5))
        # 1 savepoint, 2 select and lock the batch, 3 flag it, 4 insert the events, 5 the ministries'
        # heads, 6 the officials to tell, 7 insert the notifications, 8 release the savepoint (the
        # press service is asked only when an appeal has nobody else to tell).
        with django_assert_num_queries(8):
            assert jobs.flag_overdue(NOW, batch_size=jobs.BATCH_SIZE) == rows
        assert Notification.objects.count() == 2 * rows

    def test_a_second_run_does_nothing_whichever_way_the_first_ran(self, team):
        ministry, _head, specialist = team
        AppealFactory(ministry=ministry, assignee=specialist, due_at=NOW - timedelta(hours=1))
        assert jobs.flag_overdue(NOW, batch_size=10) == 1
        assert jobs.flag_overdue(NOW) == 0
        assert Notification.objects.count() == 2

    def test_it_works_in_bounded_batches(self):
        AppealFactory.create_batch(25, due_at=NOW - timedelta(minutes=5))
        assert jobs.flag_overdue(NOW, batch_size=10) == 25
        assert not Appeal.objects.filter(overdue_since__isnull=True).exists()
        assert AppealEvent.objects.filter(kind=AppealEvent.Kind.OVERDUE).count() == 25

    def test_the_command_reports_how_many_it_flagged(self, capsys):
        AppealFactory.create_batch(2, due_at=NOW - timedelta(minutes=1))
        call_command("flag_overdue")
        assert "Flagged 2" in capsys.readouterr().out


@pytest.mark.django_db
class TestDueSoon:
    def test_it_reminds_the_assignee_once_per_deadline(self, team):
        ministry, _head, specialist = team
        soon = AppealFactory(ministry=ministry, assignee=specialist, due_at=NOW + timedelta(hours=3))
        AppealFactory(ministry=ministry, assignee=specialist, due_at=NOW + timedelta(hours=5))
        assert jobs.remind_due_soon(NOW) == 1
        assert jobs.remind_due_soon(NOW + timedelta(minutes=1)) == 0
        assert recipients("due_soon") == [(soon.pk, "ivanova@minstroy.example")]
        # A new deadline is a new cycle: its own reminder when it comes close.
        services.extend(soon, due_at=NOW + timedelta(days=2), reason="Комиссия", now=NOW)
        assert jobs.remind_due_soon(NOW + timedelta(days=1, hours=21)) == 1
        assert len(recipients("due_soon")) == 2

    def test_while_nobody_is_assigned_the_head_is_reminded(self, team):
        ministry, _head, _specialist = team
        unassigned = AppealFactory(ministry=ministry, due_at=NOW + timedelta(hours=1))
        jobs.remind_due_soon(NOW)
        assert recipients("due_soon") == [(unassigned.pk, "head@minstroy.example")]

    @pytest.mark.parametrize("rows", [1, MANY])
    def test_its_query_count_does_not_grow_with_the_number_of_appeals(self, team, django_assert_num_queries, rows):
        ministry, _head, specialist = team
        AppealFactory.create_batch(rows, ministry=ministry, assignee=specialist, due_at=NOW + timedelta(hours=1))
        # 1 savepoint, 2 select and lock, 3 mark, 4 heads, 5 officials, 6 insert, 7 release.
        with django_assert_num_queries(7):
            assert jobs.remind_due_soon(NOW) == rows


@pytest.mark.django_db
class TestEscalation:
    def test_it_escalates_to_the_operators_and_the_press_mailbox_once(self, operator, settings):
        settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL = "press@r-19.example"
        operator.email = "operator@r-19.example"
        operator.save()
        long_overdue = AppealFactory(due_at=NOW - timedelta(hours=30), overdue_since=NOW - timedelta(hours=30))
        AppealFactory(due_at=NOW - timedelta(hours=2), overdue_since=NOW - timedelta(hours=2))
        assert jobs.escalate_overdue(NOW) == 1
        assert jobs.escalate_overdue(NOW) == 0
        assert recipients("escalation") == [
            (long_overdue.pk, "operator@r-19.example"),
            (long_overdue.pk, "press@r-19.example"),
        ]
        assert AppealEvent.objects.get().kind == AppealEvent.Kind.ESCALATED

    @pytest.mark.parametrize("rows", [1, MANY])
    def test_its_query_count_does_not_grow_with_the_number_of_appeals(self, operator, django_assert_num_queries, rows):
        AppealFactory.create_batch(rows, due_at=NOW - timedelta(hours=30), overdue_since=NOW - timedelta(hours=30))
        # 1 savepoint, 2 select and lock, 3 mark, 4 insert the events, 5 the press service's
        # addresses, 6 insert the notifications, 7 release.
        with django_assert_num_queries(7):
            assert jobs.escalate_overdue(NOW) == rows
        assert Notification.objects.filter(recipient_user=operator).count() == rows

    def test_nobody_to_escalate_to_is_recorded_not_lost(self):
        AppealFactory(due_at=NOW - timedelta(hours=30), overdue_since=NOW - timedelta(hours=30))
        jobs.escalate_overdue(NOW)
        notifications.send_pending(NOW)
        note = Notification.objects.get()
        assert note.gave_up_at is not None
        assert "адрес" in note.last_error


@pytest.mark.django_db
class TestDigest:
    def test_each_head_gets_one_digest_a_morning(self, team, ministry_b):
        _ministry, _head, _specialist = team
        OfficialFactory(ministry=ministry_b, role=Official.Role.SPECIALIST)  # no head: no digest
        nine_thirty = NOW.replace(hour=9, minute=30)
        assert notifications.queue_digests(nine_thirty) == 1
        assert notifications.queue_digests(nine_thirty + timedelta(minutes=10)) == 0
        assert Notification.objects.get(kind="digest").address == "head@minstroy.example"

    def test_no_digest_outside_the_morning_window(self, team):
        assert notifications.queue_digests(NOW.replace(hour=7)) == 0
        assert notifications.queue_digests(NOW.replace(hour=13)) == 0

    def test_the_digest_lists_the_heads_open_due_today_and_overdue_appeals(self, team, mailoutbox):
        ministry, _head, _specialist = team
        nine = NOW.replace(hour=9, minute=5)
        AppealFactory(ministry=ministry, due_at=nine - timedelta(hours=5), text="Протекает крыша в подъезде")
        AppealFactory(ministry=ministry, due_at=nine + timedelta(hours=6), text="Не вывозят мусор")
        AppealFactory(due_at=nine - timedelta(hours=5), text="Чужое министерство")
        notifications.queue_digests(nine)
        assert notifications.send_pending(nine) == 1
        body = mailoutbox[0].body
        assert "Минстрой" in mailoutbox[0].subject
        assert "Протекает крыша" in body and "Не вывозят мусор" in body
        assert "Чужое министерство" not in body
        assert "Просрочено: 1" in body
