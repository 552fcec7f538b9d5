"""Work that reaches a person is announced at once: in the admin (the bell), by e-mail and by
Telegram; a head may take the e-mails of new appeals in the morning digest instead."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appeals import services
from appeals.models import Appeal
from ministries.models import AssignmentNotices
from notifications import services as notifications
from notifications.models import Notification

from ..factories import AccountFactory, AppealFactory, OfficialFactory, UserFactory

KRSK = ZoneInfo("Asia/Krasnoyarsk")
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=KRSK)  # a Tuesday afternoon


@pytest.fixture
def team(ministry_a, head_a, specialist_a):
    head_a.email, specialist_a.email = "head@minstroy.example", "ivanova@minstroy.example"
    head_a.save()
    specialist_a.save()
    return ministry_a, head_a, specialist_a


def told(kind=Notification.Kind.ASSIGNED) -> list[tuple[str, str]]:
    """(recipient, channel) of every notice of ``kind``."""
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_name", "channel"))


@pytest.mark.django_db
class TestAssigningToAPerson:
    def test_the_specialist_is_told_in_the_admin_and_by_email_and_the_head_who_did_it_is_not(self, team, mailoutbox):
        ministry, head, specialist = team
        appeal = AppealFactory(ministry=ministry, status=Appeal.Status.ASSIGNED, text="Яма на ул. Щетинкина, 12")
        services.assign(appeal, official=specialist, actor=head.user, now=NOW)
        assert told() == [("Иванова Мария", "admin"), ("Иванова Мария", "email")]
        notice = Notification.objects.get(channel="admin")
        # The notice in the admin is there at once, unread, for the specialist's login.
        assert (notice.recipient_user, notice.sent_at, notice.read_at) == (specialist.user, NOW, None)
        assert notifications.send_pending(NOW) == 1
        (message,) = mailoutbox
        assert message.to == ["ivanova@minstroy.example"]
        assert message.subject == f"Обращение №{appeal.pk} передано вам"
        assert "Яма на ул. Щетинкина, 12" in message.body
        assert f"/admin/appeals/appeal/{appeal.pk}/change/" in message.body

    def test_by_telegram_too_with_a_chat_and_a_bot(self, team, settings):
        settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = "123:abc"
        ministry, head, specialist = team
        specialist.telegram_chat_id = "555"
        specialist.save()
        services.assign(AppealFactory(ministry=ministry), official=specialist, actor=head.user, now=NOW)
        assert told() == [("Иванова Мария", "admin"), ("Иванова Мария", "email"), ("Иванова Мария", "telegram")]

    def test_an_official_who_takes_an_appeal_himself_is_not_told(self, team):
        ministry, head, _specialist = team
        services.assign(AppealFactory(ministry=ministry), official=head, actor=head.user, now=NOW)
        assert told() == []

    def test_an_official_who_left_is_not_told(self, team, operator):
        ministry, _head, specialist = team
        appeal = AppealFactory(ministry=ministry)
        services.assign(appeal, official=specialist, actor=operator, now=NOW)
        Notification.objects.all().delete()
        specialist.is_active = False
        specialist.save()
        # Assigning to one who left is refused, and nobody is told about it.
        with pytest.raises(services.Refused):
            services.assign(AppealFactory(ministry=ministry), official=specialist, actor=operator, now=NOW)
        assert told() == []

    def test_reassigning_within_the_ministry_tells_the_new_assignee_only(self, team):
        ministry, head, specialist = team
        other = OfficialFactory(ministry=ministry, full_name="Боргояков Илья", user=UserFactory(), email="b@m.example")
        appeal = AppealFactory(ministry=ministry)
        services.assign(appeal, official=specialist, actor=head.user, now=NOW)
        services.assign(appeal, official=other, actor=head.user, now=NOW)
        assert told() == [
            ("Боргояков Илья", "admin"),
            ("Боргояков Илья", "email"),
            ("Иванова Мария", "admin"),
            ("Иванова Мария", "email"),
        ]

    def test_an_assignment_that_changes_nothing_tells_nobody_again(self, team):
        ministry, head, specialist = team
        appeal = AppealFactory(ministry=ministry)
        services.assign(appeal, official=specialist, actor=head.user, now=NOW)
        services.assign(appeal, official=specialist, actor=head.user, now=NOW)
        assert Notification.objects.count() == 2


@pytest.mark.django_db
class TestAssigningToAMinistry:
    def test_the_head_is_told_that_the_ministry_has_a_new_appeal(self, team, operator, mailoutbox):
        ministry, _head, _specialist = team
        appeal = AppealFactory()
        services.assign(appeal, ministry=ministry, actor=operator, now=NOW)
        assert told() == [("Чебодаев Айдар", "admin"), ("Чебодаев Айдар", "email")]
        notifications.send_pending(NOW)
        (message,) = mailoutbox
        assert message.to == ["head@minstroy.example"]
        assert message.subject == f"Обращение №{appeal.pk} передано вашему ведомству"
        assert "назначьте исполнителя" in message.body.lower()

    def test_straight_to_a_specialist_of_another_ministry_tells_both(self, team, operator):
        ministry, _head, specialist = team
        services.assign(AppealFactory(), ministry=ministry, official=specialist, actor=operator, now=NOW)
        assert {name for name, _channel in told()} == {"Иванова Мария", "Чебодаев Айдар"}

    def test_an_appeal_arriving_in_the_ministrys_group_tells_the_head(self, team):
        ministry, _head, _specialist = team
        account = AccountFactory(ministry=ministry, kind="ministry_group")
        appeal, _created = services.create_appeal(text="Когда отремонтируют крышу?", account=account, now=NOW)
        assert told() == [("Чебодаев Айдар", "admin"), ("Чебодаев Айдар", "email")]
        assert set(Notification.objects.values_list("appeal_id", flat=True)) == {appeal.pk}

    def test_a_refused_assignment_tells_nobody(self, team, specialist_b):
        ministry, head, _specialist = team
        with pytest.raises(services.Refused):
            services.assign(AppealFactory(ministry=ministry), official=specialist_b, actor=head.user, now=NOW)
        assert Notification.objects.count() == 0


@pytest.mark.django_db
class TestTheDigestInstead:
    def test_a_head_who_chose_the_digest_gets_the_new_appeals_in_it_and_nothing_before(
        self, team, operator, mailoutbox, settings
    ):
        settings.GOVFEEDBACK_DIGEST_HOUR = 9
        ministry, head, _specialist = team
        head.assignment_notices = AssignmentNotices.DIGEST
        head.save()
        appeals = [AppealFactory(text=f"Обращение о крыше дома {n}") for n in range(3)]
        for appeal in appeals:
            services.assign(appeal, ministry=ministry, actor=operator, now=NOW)
        # The bell has them at once ...
        assert Notification.objects.filter(channel="admin", read_at=None).count() == 3
        # ... the e-mails wait for the morning.
        assert notifications.send_pending(NOW + timedelta(hours=3)) == 0
        assert mailoutbox == []
        morning = datetime(2026, 11, 25, 9, 5, tzinfo=KRSK)
        assert notifications.queue_digests(morning) == 1
        assert notifications.send_pending(morning) == 4  # the digest and the three notices in it
        (digest,) = mailoutbox
        assert digest.to == ["head@minstroy.example"]
        assert "3 новых обращения с прошлой сводки" in digest.body
        for appeal in appeals:
            assert f"№{appeal.pk}" in digest.body
        first = Notification.objects.get(kind="digest")
        emails = Notification.objects.filter(kind="assigned", channel="email")
        # Timed when sent: a few milliseconds after the run's clock.
        assert {(n.sent_at.replace(microsecond=0), n.sent_with_id) for n in emails} == {(morning, first.pk)}

    def test_without_a_digest_the_waiting_notices_go_as_one_message_at_the_digest_time(
        self, team, mailoutbox, settings
    ):
        settings.GOVFEEDBACK_DIGEST_HOUR = 9
        ministry, head, specialist = team
        specialist.assignment_notices = AssignmentNotices.DIGEST
        specialist.save()
        for _n in range(2):
            services.assign(AppealFactory(ministry=ministry), official=specialist, actor=head.user, now=NOW)
        assert notifications.send_pending(datetime(2026, 11, 25, 9, 29, tzinfo=KRSK)) == 0
        assert notifications.send_pending(datetime(2026, 11, 25, 9, 30, tzinfo=KRSK)) == 2
        (message,) = mailoutbox
        assert message.subject == "Вам передано 2 обращения"

    def test_the_digest_time_is_the_next_morning(self, settings):
        settings.GOVFEEDBACK_DIGEST_HOUR = 9
        assert notifications.next_digest_at(NOW) == datetime(2026, 11, 25, 9, 30, tzinfo=KRSK)
        early = datetime(2026, 11, 25, 7, 0, tzinfo=KRSK)
        assert notifications.next_digest_at(early) == datetime(2026, 11, 25, 9, 30, tzinfo=KRSK)


@pytest.mark.django_db
class TestMySettings:
    def test_a_head_chooses_the_digest_for_himself(self, client, head_a):
        client.force_login(head_a.user)
        page = client.get("/admin/notifications/settings/").content.decode()
        assert "Раз в день, в утренней сводке" in page or "раз в день, в утренней сводке" in page
        response = client.post("/admin/notifications/settings/", {"assignment_notices": "digest"}, follow=True)
        assert "Настройки уведомлений сохранены" in response.content.decode()
        head_a.refresh_from_db()
        assert head_a.assignment_notices == AssignmentNotices.DIGEST

    def test_a_login_without_an_official_has_no_settings(self, operator_client):
        assert operator_client.get("/admin/notifications/settings/").status_code == 404
