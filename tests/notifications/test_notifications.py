"""Delivering notifications: claimed before sending, sent once, failures retried or explained."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from appeals import outbox
from appeals.models import AppealEvent
from notifications import jobs
from notifications import services as notifications
from notifications.models import Notification

from ..factories import AppealFactory, OfficialFactory, UserFactory

LEASE = timedelta(seconds=300)  # settings.GOVFEEDBACK_NOTIFY_LEASE_SECONDS
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))


def queue(kind="overdue", channel="email", address="ivanova@minstroy.example", **fields):
    return Notification.objects.create(
        appeal=fields.pop("appeal", None) or AppealFactory(text="Нет горячей воды на ул. Ленина, 45"),
        kind=kind,
        channel=channel,
        address=address,
        recipient_name="Иванова Мария",
        created_at=NOW,
        next_attempt_at=NOW,
        **fields,
    )


@pytest.mark.django_db
class TestEmail:
    def test_it_sends_a_russian_email_once(self, mailoutbox):
        note = queue()
        assert notifications.send_pending(NOW) == 1
        assert notifications.send_pending(NOW + timedelta(minutes=5)) == 0
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["ivanova@minstroy.example"]
        assert f"№{note.appeal_id}" in message.subject and "Просрочено" in message.subject
        assert "Нет горячей воды" in message.body
        assert f"/admin/appeals/appeal/{note.appeal_id}/change/" in message.alternatives[0][0]
        note.refresh_from_db()
        assert (note.attempts, note.locked_until, note.last_error) == (1, None, "")
        assert note.sent_at is not None

    def test_a_recipient_without_an_address_is_skipped_with_the_reason(self, mailoutbox):
        nobody = queue(address="")
        somebody = queue(address="head@minstroy.example")
        assert notifications.send_pending(NOW) == 1
        assert [m.to for m in mailoutbox] == [["head@minstroy.example"]]
        nobody.refresh_from_db()
        assert nobody.gave_up_at is not None and nobody.sent_at is None
        assert "адрес" in nobody.last_error
        somebody.refresh_from_db()
        assert somebody.sent_at is not None

    def test_a_failed_delivery_is_retried_later_with_backoff(self, settings, mailoutbox):
        # A real SMTP connection to a port nobody listens on.
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
        note = queue()
        assert notifications.send_pending(NOW) == 0
        note.refresh_from_db()
        assert note.sent_at is None and note.gave_up_at is None
        assert "Connection" in note.last_error or "refused" in note.last_error.lower()
        assert note.next_attempt_at >= NOW + timedelta(seconds=60)
        # Not due yet: a run a few seconds later leaves it alone.
        assert notifications.send_pending(NOW + timedelta(seconds=5)) == 0
        note.refresh_from_db()
        assert note.attempts == 1
        # The server is back.
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert notifications.send_pending(note.next_attempt_at + timedelta(seconds=1)) == 1
        assert len(mailoutbox) == 1

    def test_it_gives_up_after_the_last_attempt(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
        settings.GOVFEEDBACK_NOTIFY_MAX_ATTEMPTS = 2
        note = queue()
        notifications.send_pending(NOW)
        notifications.send_pending(NOW + timedelta(hours=1))
        note.refresh_from_db()
        assert note.attempts == 2 and note.gave_up_at is not None

    def test_the_backoff_doubles_up_to_six_hours(self):
        assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
        assert outbox.backoff(30) == timedelta(hours=6)


@pytest.mark.django_db
class TestClaim:
    def test_a_held_notification_cannot_be_claimed_twice(self):
        note = queue()
        assert outbox.claim(Notification.objects.all(), note.pk, NOW, LEASE) is True
        assert outbox.claim(Notification.objects.all(), note.pk, NOW + timedelta(seconds=10), LEASE) is False

    def test_a_sender_that_died_only_delays_the_notification(self, settings, mailoutbox):
        note = queue()
        assert outbox.claim(
            Notification.objects.all(), note.pk, NOW, LEASE
        )  # ...and the worker is killed before sending
        lease = timedelta(seconds=settings.GOVFEEDBACK_NOTIFY_LEASE_SECONDS)
        assert notifications.send_pending(NOW + lease - timedelta(seconds=1)) == 0
        assert notifications.send_pending(NOW + lease + timedelta(seconds=1)) == 1
        assert len(mailoutbox) == 1

    def test_an_operator_can_send_a_failed_one_again(self, mailoutbox):
        note = queue(address="")
        notifications.send_pending(NOW)
        Notification.objects.filter(pk=note.pk).update(address="fixed@minstroy.example")
        assert notifications.retry(Notification.objects.all()) == 1
        assert notifications.send_pending() == 1
        assert mailoutbox[0].to == ["fixed@minstroy.example"]


class FakeTelegram(BaseHTTPRequestHandler):
    """A local HTTP server speaking the Bot API's sendMessage: a real socket, a real request."""

    answers: list = []
    received: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeTelegram.received.append((self.path, body))
        status, payload = FakeTelegram.answers.pop(0) if FakeTelegram.answers else (200, {"ok": True})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def telegram(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTelegram)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeTelegram.answers, FakeTelegram.received = [], []
    settings.GOVFEEDBACK_TELEGRAM_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = "123:secret"
    yield FakeTelegram
    server.shutdown()


@pytest.mark.django_db
class TestTelegram:
    def test_it_sends_to_the_officials_chat(self, telegram):
        note = queue(channel="telegram", address="555001")
        assert notifications.send_pending(NOW) == 1
        path, body = telegram.received[0]
        assert path == "/bot123:secret/sendMessage"
        assert body["chat_id"] == "555001"
        assert f"№{note.appeal_id}" in body["text"]

    def test_a_chat_the_bot_cannot_write_to_is_given_up_with_the_reason(self, telegram):
        telegram.answers = [(403, {"ok": False, "description": "Forbidden: bot was blocked by the user"})]
        note = queue(channel="telegram", address="555001")
        notifications.send_pending(NOW)
        note.refresh_from_db()
        assert note.gave_up_at is not None
        assert "blocked" in note.last_error

    def test_a_server_error_is_retried(self, telegram):
        telegram.answers = [(502, {"ok": False})]
        note = queue(channel="telegram", address="555001")
        assert notifications.send_pending(NOW) == 0
        note.refresh_from_db()
        assert note.gave_up_at is None and "502" in note.last_error
        assert notifications.send_pending(note.next_attempt_at) == 1

    def test_officials_with_a_chat_get_both_channels(self, telegram, specialist_a):

        specialist_a.email, specialist_a.telegram_chat_id = "ivanova@minstroy.example", "555001"
        specialist_a.save()
        AppealFactory(ministry=specialist_a.ministry, assignee=specialist_a, due_at=NOW - timedelta(hours=1))
        jobs.flag_overdue(NOW)
        channels = sorted(
            Notification.objects.filter(recipient_official=specialist_a).values_list("channel", flat=True)
        )
        assert channels == ["email", "telegram"]


@pytest.mark.django_db
class TestReferences:
    """The queue's and the history's references: Django applies on_delete, the database refuses a
    row that points at nothing."""

    def test_a_deleted_official_or_login_leaves_the_notification_with_its_address(self, operator):
        official = OfficialFactory(user=UserFactory(username="leaving"))
        to_official, to_login = queue(recipient_official=official), queue(recipient_user=operator)
        official.user.delete()
        official.delete()
        operator.delete()
        to_official.refresh_from_db()
        to_login.refresh_from_db()
        assert to_official.recipient_official is None and to_login.recipient_user is None
        assert to_official.address == "ivanova@minstroy.example"

    def test_an_appeal_with_notifications_cannot_be_deleted(self):
        note = queue()
        with pytest.raises(ProtectedError):
            note.appeal.delete()
        assert Notification.objects.filter(pk=note.pk).exists()

    @pytest.mark.parametrize(
        ("model", "fields"),
        [
            (Notification, {"appeal_id": 10**9, "kind": "overdue"}),
            (Notification, {"recipient_official_id": 10**9, "kind": "digest"}),
            (Notification, {"recipient_user_id": 10**9, "kind": "spike"}),
            (AppealEvent, {"appeal_id": 10**9, "kind": "commented"}),
        ],
    )
    def test_the_database_refuses_a_row_that_points_at_nothing(self, model, fields):
        # The constraints are checked at commit (Django's are deferred): check them now.
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(**fields)
            connection.check_constraints(table_names=[model._meta.db_table])


@pytest.mark.django_db
class TestRecipients:
    """Who is told about an appeal: one rule, for the jobs' batches and their SQL alike."""

    def test_the_assignee_and_the_head_by_email_and_telegram_with_a_chat_and_a_bot(
        self, settings, head_a, specialist_a
    ):
        settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = "123:secret"
        specialist_a.email, specialist_a.telegram_chat_id = "ivanova@minstroy.example", "555001"
        specialist_a.save()
        head_a.email = "head@minstroy.example"
        head_a.save()
        row = {"id": 1, "assignee_id": specialist_a.pk, "ministry_id": head_a.ministry_id}
        told = notifications.recipients([row], to_assignee=True, to_head=True)[1]
        assert [(r.channel, r.address, r.official_id) for r in told] == [
            ("email", "ivanova@minstroy.example", specialist_a.pk),
            ("telegram", "555001", specialist_a.pk),
            ("email", "head@minstroy.example", head_a.pk),
        ]
        settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = ""
        told = notifications.recipients([row], to_assignee=True, to_head=True)[1]
        assert [r.channel for r in told] == ["email", "email"]

    def test_a_head_who_is_the_assignee_is_told_once(self, head_a):
        row = {"id": 1, "assignee_id": head_a.pk, "ministry_id": head_a.ministry_id}
        assert len(notifications.recipients([row], to_assignee=True, to_head=True)[1]) == 1

    def test_the_head_only_while_nobody_is_assigned_when_asked_so(self, head_a, specialist_a):
        assigned = {"id": 1, "assignee_id": specialist_a.pk, "ministry_id": head_a.ministry_id}
        unassigned = {"id": 2, "assignee_id": None, "ministry_id": head_a.ministry_id}
        told = notifications.recipients([assigned, unassigned], to_assignee=True, to_head="unassigned")
        assert [r.official_id for r in told[1]] == [specialist_a.pk]
        assert [r.official_id for r in told[2]] == [head_a.pk]

    def test_nobody_to_tell_means_the_press_service(self, settings, operator, ministry_b):
        settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL = "press@r-19.example"
        operator.email = "operator@r-19.example"
        operator.save()
        row = {"id": 1, "assignee_id": None, "ministry_id": ministry_b.pk}  # a ministry without a head
        told = notifications.recipients([row], to_assignee=True, to_head=True)[1]
        assert [(r.user_id, r.name, r.address) for r in told] == [
            (operator.pk, "Дарья Тюмерекова", "operator@r-19.example"),
            (None, "пресс-служба", "press@r-19.example"),
        ]

    def test_without_any_press_service_address_one_failed_notification_is_visible(self):
        told = notifications.operator_recipients()
        assert [(r.channel, r.address) for r in told] == [("email", "")]


HOSTILE_TEXT = 'Жилец из кв. 5 сказал: "воды нет" & <b>никто не пришёл</b>'


@pytest.mark.django_db
class TestPlainText:
    """Plain text is not HTML: quotes, ampersands and angle brackets arrive as the citizen wrote them."""

    def test_it_writes_the_emails_text_and_subject_without_html_entities(self, mailoutbox, specialist_a):
        specialist_a.full_name = 'Иванова "Маша" & Co'
        specialist_a.save()
        queue(appeal=AppealFactory(text=HOSTILE_TEXT, ministry=specialist_a.ministry, assignee=specialist_a))
        assert notifications.send_pending(NOW) == 1
        message = mailoutbox[0]
        assert HOSTILE_TEXT in message.body and 'Иванова "Маша" & Co' in message.body
        assert "&quot;" not in message.body + message.subject and "&lt;" not in message.body
        html = message.alternatives[0][0]
        assert "&lt;b&gt;никто" in html and "<b>никто" not in html  # the HTML part stays escaped

    def test_it_sends_telegram_text_without_html_entities(self, telegram):
        queue(channel="telegram", address="555001", appeal=AppealFactory(text=HOSTILE_TEXT))
        assert notifications.send_pending(NOW) == 1
        text = telegram.received[0][1]["text"]
        assert HOSTILE_TEXT in text and "&quot;" not in text and "&amp;" not in text


@pytest.mark.django_db
class TestWhoLeft:
    """An official who left (deactivated) or whose ministry closed is told nothing; whoever is
    reachable is told instead, and with nobody: the press service."""

    def test_the_head_is_reminded_when_the_assignee_has_left(self, head_a, specialist_a, operator):
        specialist_a.is_active = False
        specialist_a.save()
        row = {"id": 1, "assignee_id": specialist_a.pk, "ministry_id": head_a.ministry_id}
        told = notifications.recipients([row], to_assignee=True, to_head="unassigned")[1]
        assert {recipient.official_id for recipient in told} == {head_a.pk}

    def test_the_press_service_is_told_when_nobody_of_a_closed_ministry_can_be(self, head_a, specialist_a, operator):
        head_a.ministry.is_active = False
        head_a.ministry.save()
        row = {"id": 1, "assignee_id": specialist_a.pk, "ministry_id": head_a.ministry_id}
        told = notifications.recipients([row], to_assignee=True, to_head=True)[1]
        assert {recipient.user_id for recipient in told} == {operator.pk}
        assert all(recipient.official_id is None for recipient in told)
