"""Many reminders to one person at once are one message that lists them: each row still ends sent
or failed exactly once, and none is sent twice or lost."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appeals import outbox
from notifications import jobs
from notifications import services as notifications
from notifications.models import Notification

from ..factories import AppealFactory

LEASE = timedelta(seconds=300)  # settings.GOVFEEDBACK_NOTIFY_LEASE_SECONDS
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))


@pytest.fixture
def team(ministry_a, head_a, specialist_a):
    head_a.email, specialist_a.email = "head@minstroy.example", "ivanova@minstroy.example"
    head_a.save()
    specialist_a.save()
    return ministry_a, head_a, specialist_a


def overdue_appeals(ministry, assignee, count: int, **fields) -> list:
    return [
        AppealFactory(
            ministry=ministry,
            assignee=assignee,
            due_at=NOW - timedelta(hours=2, minutes=n),
            text=f"Обращение о дороге №{n}",
            **fields,
        )
        for n in range(count)
    ]


def to_second(moment):
    """A time a run recorded, to the second: each outcome is timed when it happens, a few
    milliseconds after the run's ``now``."""
    return moment and moment.replace(microsecond=0)


def states() -> set[tuple]:
    return {
        (to_second(sent), to_second(gave_up))
        for sent, gave_up in Notification.objects.values_list("sent_at", "gave_up_at")
    }


@pytest.mark.django_db
class TestOneMessage:
    def test_twenty_one_overdue_reminders_to_one_head_are_one_email_listing_them(self, team, mailoutbox):
        ministry, _head, specialist = team
        appeals = overdue_appeals(ministry, specialist, 21)
        assert jobs.flag_overdue(NOW, batch_size=5) == 21  # five batches: five inserts, one person
        assert notifications.send_pending(NOW) == 42  # every row, to the head and to the assignee
        assert sorted(message.to[0] for message in mailoutbox) == ["head@minstroy.example", "ivanova@minstroy.example"]
        to_head = next(message for message in mailoutbox if message.to == ["head@minstroy.example"])
        assert to_head.subject == "Просрочено 21 обращение"
        for appeal in appeals:
            assert f"№{appeal.pk} " in to_head.body
            assert f"/admin/appeals/appeal/{appeal.pk}/change/" in to_head.alternatives[0][0]
        # Every row is sent, once, with the first row of its message.
        assert states() == {(NOW, None)}
        for address in ("head@minstroy.example", "ivanova@minstroy.example"):
            rows = Notification.objects.filter(address=address).order_by("sent_with_id")
            first = rows.get(sent_with=None)
            assert [row.sent_with_id for row in rows if row != first] == [first.pk] * 20
        assert notifications.send_pending(NOW + timedelta(minutes=1)) == 0

    def test_the_first_start_of_the_demo_sends_each_operator_one_escalation(self, operator, settings, mailoutbox):
        operator.email = "press@r-19.example"
        operator.save()
        settings.GOVFEEDBACK_ESCALATE_AFTER_HOURS = 24
        for n in range(27):
            AppealFactory(due_at=NOW - timedelta(days=3), overdue_since=NOW - timedelta(days=3, minutes=n))
        assert jobs.escalate_overdue(NOW) == 27
        assert notifications.send_pending(NOW) == 27
        (message,) = mailoutbox
        assert message.subject == "Эскалация: 27 обращений давно просрочены"

    def test_kinds_go_apart_and_one_reminder_alone_reads_as_before(self, team, mailoutbox):
        ministry, _head, specialist = team
        overdue_appeals(ministry, specialist, 2)
        AppealFactory(ministry=ministry, assignee=specialist, due_at=NOW + timedelta(hours=2))
        jobs.flag_overdue(NOW, batch_size=10)
        jobs.remind_due_soon(NOW)
        notifications.send_pending(NOW)
        subjects = sorted(message.subject for message in mailoutbox if message.to == ["ivanova@minstroy.example"])
        assert len(subjects) == 2
        assert subjects[0].startswith("Обращение №")  # the due-soon reminder, alone, as it always read
        assert subjects[1] == "Просрочено 2 обращения"

    def test_a_row_that_is_not_due_yet_waits_for_its_time(self, team, mailoutbox):
        ministry, _head, specialist = team
        (first, second) = overdue_appeals(ministry, specialist, 2)
        jobs.flag_overdue(NOW, batch_size=10)
        Notification.objects.filter(appeal=second).update(next_attempt_at=NOW + timedelta(minutes=10))
        notifications.send_pending(NOW)
        assert [message.subject for message in mailoutbox] == [f"Просрочено: обращение №{first.pk}"] * 2
        assert Notification.objects.filter(appeal=second, sent_at=None).count() == 2

    def test_at_most_a_hundred_in_one_message(self, team, mailoutbox, settings):
        ministry, _head, _specialist = team
        appeal = AppealFactory(ministry=ministry)
        Notification.objects.bulk_create(
            Notification(appeal=appeal, kind="overdue", address="a@m.example", created_at=NOW, next_attempt_at=NOW)
            for _ in range(130)
        )
        assert notifications.send_pending(NOW) == 130
        assert [message.subject for message in mailoutbox] == ["Просрочено 100 обращений", "Просрочено 30 обращений"]


@pytest.mark.django_db
class TestOutcomes:
    def test_a_failed_message_is_retried_for_every_row_and_sent_once_later(self, team, settings, mailoutbox):
        ministry, _head, specialist = team
        overdue_appeals(ministry, specialist, 3)
        jobs.flag_overdue(NOW, batch_size=10)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
        assert notifications.send_pending(NOW) == 0
        rows = list(Notification.objects.all())
        assert {(row.sent_at, row.gave_up_at, row.attempts, row.sent_with_id, row.locked_until) for row in rows} == {
            (None, None, 1, None, None)
        }
        assert {to_second(row.next_attempt_at) for row in rows} == {NOW + timedelta(minutes=1)}
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert notifications.send_pending(NOW + timedelta(minutes=2)) == 6
        assert len(mailoutbox) == 2
        assert states() == {(NOW + timedelta(minutes=2), None)}

    def test_no_address_gives_up_every_row_of_the_message_with_the_reason(self, team, mailoutbox):
        ministry, _head, specialist = team
        specialist.email = ""
        specialist.save()
        overdue_appeals(ministry, specialist, 3)
        jobs.flag_overdue(NOW, batch_size=10)
        notifications.send_pending(NOW)
        assert [message.to for message in mailoutbox] == [["head@minstroy.example"]]
        failed = Notification.objects.filter(address="")
        assert failed.count() == 3
        assert {(row.sent_at, row.gave_up_at is not None) for row in failed} == {(None, True)}
        assert all("адрес" in row.last_error for row in failed)


@pytest.mark.django_db
class TestTwoSenders:
    def test_a_row_another_sender_holds_is_not_taken_and_is_sent_once(self, team, mailoutbox, settings):
        ministry, _head, specialist = team
        appeals = overdue_appeals(ministry, specialist, 4)
        jobs.flag_overdue(NOW, batch_size=10)
        mine = Notification.objects.filter(address="ivanova@minstroy.example")
        held = mine.get(appeal=appeals[2])
        assert outbox.claim(Notification.objects.all(), held.pk, NOW, LEASE)  # another sender holds it right now ...
        notifications.send_pending(NOW + timedelta(seconds=1))
        to_her = [message for message in mailoutbox if message.to == ["ivanova@minstroy.example"]]
        assert len(to_her) == 1 and to_her[0].subject == "Просрочено 3 обращения"
        assert f"№{appeals[2].pk} " not in to_her[0].body
        # ... and dies: its lease runs out, and the row goes alone, once.
        lease = timedelta(seconds=settings.GOVFEEDBACK_NOTIFY_LEASE_SECONDS)
        assert notifications.send_pending(NOW + lease + timedelta(seconds=2)) == 1
        assert notifications.send_pending(NOW + lease + timedelta(minutes=5)) == 0
        to_her = [message for message in mailoutbox if message.to == ["ivanova@minstroy.example"]]
        assert len(to_her) == 2 and f"№{appeals[2].pk}" in to_her[1].subject
        assert mine.filter(sent_at=None).count() == 0

    def test_a_second_sender_finds_nothing_while_the_first_holds_the_message(self, team, mailoutbox):
        ministry, _head, specialist = team
        overdue_appeals(ministry, specialist, 5)
        jobs.flag_overdue(NOW, batch_size=10)
        first = Notification.objects.filter(address="head@minstroy.example").order_by("pk").first()
        assert outbox.claim(Notification.objects.all(), first.pk, NOW, LEASE)
        companions = notifications.claim_companions(first, NOW)
        assert len(companions) == 4
        # The second sender, a moment later, while the first is still sending.
        assert notifications.claim_companions(companions[0], NOW + timedelta(seconds=1)) == []
        notifications.send_pending(NOW + timedelta(seconds=1))
        assert [message.to for message in mailoutbox] == [["ivanova@minstroy.example"]]
