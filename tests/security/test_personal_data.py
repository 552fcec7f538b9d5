"""Personal data (152-FZ): the retention job and the operator's erasure on a citizen's request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals import duplicates, retention, services
from appeals.intake import Draft
from appeals.models import Appeal, AppealEvent, AppealMessage, InboundEvent
from audit.models import AccessLog
from govfeedback.celery import app

from ..factories import AccountFactory, AppealFactory

DAYS = 3 * 365
PERSONAL = ["author_name", "author_external_id", "author_url", "permalink", "external_id", "thread_id"]


def citizen(account, n=1, **fields) -> Appeal:
    """An appeal with every personal field filled, its follow-up and the raw request."""
    appeal = AppealFactory(
        account=account,
        external_id=f"9001:{n}",
        thread_id="9001",
        author_name="Анна Кызласова",
        author_external_id="9001",
        author_url="https://t.me/anna_k",
        permalink=f"https://t.me/c/1/{n}",
        text=f"Во дворе не убирают снег, дом {n}",
        **fields,
    )
    AppealMessage.objects.create(appeal=appeal, external_id=f"9001:{n}0", author_name="Анна Кызласова", text="И лёд")
    AppealMessage.objects.create(appeal=appeal, direction="official", author_name="Иванова Мария", text="Уберём")
    InboundEvent.objects.create(
        platform="telegram",
        account=account,
        body=b'{"message": {"from": {"first_name": "\\u0410\\u043d\\u043d\\u0430"}}}',
        headers={"User-Agent": "TelegramBot"},
        appeal=appeal,
        outcome="created",
    )
    return appeal


def resolved(account, n, days_ago, now):
    at = now - timedelta(days=days_ago)
    return citizen(account, n, status="resolved", resolved_at=at, answer="Убрали", received_at=at - timedelta(days=1))


def assert_erased(appeal: Appeal):
    appeal.refresh_from_db()
    assert [getattr(appeal, field) for field in PERSONAL] == [""] * len(PERSONAL)
    assert appeal.anonymised_at is not None and appeal.text.startswith("Во дворе не убирают снег")
    citizen_message = appeal.messages.get(direction="citizen")
    assert (citizen_message.author_name, citizen_message.external_id, citizen_message.text) == ("", "", "И лёд")
    assert appeal.messages.get(direction="official").author_name == "Иванова Мария"
    event = appeal.inbound_events.get()
    assert (bytes(event.body), event.headers, event.outcome) == (b"", {}, "created")
    assert appeal.events.filter(kind=AppealEvent.Kind.ANONYMISED).count() == 1


def assert_kept(appeal: Appeal):
    appeal.refresh_from_db()
    assert appeal.author_name == "Анна Кызласова" and appeal.anonymised_at is None
    assert bytes(appeal.inbound_events.get().body) != b""


@pytest.fixture
def bot(db):
    return AccountFactory(platform="telegram", external_id="300000009")


@pytest.mark.django_db
class TestRetention:
    def test_appeals_closed_longer_than_the_period_are_erased_and_the_rest_kept(self, bot, settings):
        settings.GOVFEEDBACK_RETENTION_DAYS = DAYS
        now = timezone.now()
        old = resolved(bot, 1, DAYS + 1, now)
        recent = resolved(bot, 2, DAYS - 1, now)
        still_open = citizen(bot, 3, received_at=now - timedelta(days=DAYS + 100))
        assert retention.anonymise_expired(now) == 1
        assert_erased(old)
        assert_kept(recent)
        assert_kept(still_open)
        entry = AccessLog.objects.get()
        assert (entry.action, entry.appeal_ids, entry.user) == ("anonymise", [old.pk], None)

    def test_a_rejection_counts_from_when_it_happened(self, bot, settings):
        settings.GOVFEEDBACK_RETENTION_DAYS = DAYS
        now = timezone.now()
        long_ago = now - timedelta(days=DAYS + 10)
        rejected_then = citizen(bot, 1, received_at=long_ago, status="rejected", rejection_reason="spam")
        AppealEvent.objects.create(appeal=rejected_then, at=long_ago, kind="rejected")
        rejected_lately = citizen(bot, 2, received_at=long_ago, status="rejected", rejection_reason="spam")
        AppealEvent.objects.create(appeal=rejected_lately, at=now - timedelta(days=5), kind="rejected")
        assert retention.anonymise_expired(now) == 1
        assert_erased(rejected_then)
        assert_kept(rejected_lately)

    def test_old_raw_requests_of_no_appeal_are_erased(self, bot, settings):
        settings.GOVFEEDBACK_RETENTION_DAYS = DAYS
        now = timezone.now()
        old = InboundEvent.objects.create(
            platform="telegram",
            account=bot,
            body=b'{"from": 1}',
            authenticated=True,
            outcome="rejected",
            reason="Malformed",
            received_at=now - timedelta(days=DAYS + 1),
        )
        new = InboundEvent.objects.create(platform="telegram", account=bot, body=b'{"from": 2}', outcome="ignored")
        retention.anonymise_expired(now)
        old.refresh_from_db(), new.refresh_from_db()
        assert (bytes(old.body), old.reason, old.redacted_at is not None) == (b"", "Malformed", True)
        assert bytes(new.body) == b'{"from": 2}'

    def test_a_second_run_does_nothing(self, bot, settings):
        now = timezone.now()
        resolved(bot, 1, DAYS + 1, now)
        assert retention.anonymise_expired(now) == 1
        assert retention.anonymise_expired(now + timedelta(hours=1)) == 0
        assert AppealEvent.objects.filter(kind="anonymised").count() == 1
        assert AccessLog.objects.count() == 1

    @pytest.mark.parametrize("rows", [1, 30])
    def test_the_job_runs_a_fixed_number_of_queries(self, bot, rows):
        now = timezone.now()
        for n in range(rows):
            resolved(bot, n, DAYS + 1, now)
        # 1 lock a batch of expired appeals, 2 erase them, 3 their citizens' messages, 4 their raw
        # requests, 5 their history events (one INSERT), 6 the old raw requests of no appeal,
        # 7 the refused requests past GOVFEEDBACK_INTAKE_REFUSED_DAYS (one DELETE), 8 the searches
        # kept in the access log from before the period, 9 the access log entry (and the batch's
        # transaction: savepoints in a test).
        with CaptureQueriesContext(connection) as captured:
            assert retention.anonymise_expired(now, batch_size=100) == rows
        work = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(work) == 9, work

    def test_the_job_is_scheduled(self):
        schedule = app.conf.beat_schedule["anonymise-expired"]
        assert schedule["task"] == "appeals.tasks.anonymise_expired"


@pytest.mark.django_db
class TestOnRequest:
    def test_the_operator_erases_every_appeal_of_that_citizen_on_the_account(self, bot, operator):
        first, second = citizen(bot, 1), citizen(bot, 2)
        someone_else = AppealFactory(account=bot, author_external_id="4242", author_name="Олег")
        erased = services.anonymise_citizen(first, reason="Заявление № 17 от 01.12.2026", actor=operator)
        assert sorted(erased) == [first.pk, second.pk]
        assert_erased(first)
        assert_erased(second)
        event = first.events.get(kind="anonymised")
        assert (event.actor, event.note) == (operator, "Заявление № 17 от 01.12.2026")
        someone_else.refresh_from_db()
        assert someone_else.author_name == "Олег"

    def test_a_reason_is_required_and_only_operators_may(self, bot, head_a):
        appeal = citizen(bot, 1)
        with pytest.raises(services.Refused):
            services.anonymise_citizen(appeal, reason="  ", actor=None)
        with pytest.raises(services.Refused):
            services.anonymise_citizen(appeal, reason="Заявление", actor=head_a.user)
        assert_kept(appeal)

    def test_the_admin_action_erases_and_logs(self, bot, operator):
        appeal = citizen(bot, 1)
        client = Client()
        client.force_login(operator)
        url = reverse("admin:appeals_appeal_changelist")
        form = {"action": "anonymise_citizens", "index": 0, "_selected_action": [appeal.pk]}
        asked = client.post(url, form)
        assert asked.status_code == 200 and "reason" in asked.context["form"].fields
        client.post(url, {**form, "apply": "1", "reason": "Заявление № 17"}, REMOTE_ADDR="10.9.9.9")
        assert_erased(appeal)
        entry = AccessLog.objects.get(action="anonymise")
        assert (entry.username, entry.appeal_ids, entry.detail, entry.ip) == (
            "operator",
            [appeal.pk],
            "Заявление № 17",
            "10.9.9.9",
        )

    def test_a_ministry_head_is_not_offered_the_action(self, head_a):
        client = Client()
        client.force_login(head_a.user)
        response = client.get(reverse("admin:appeals_appeal_changelist") + "?q=")
        offered = {
            name for name, _label in response.context["cl"].model_admin.get_action_choices(response.wsgi_request)
        }
        assert "anonymise_citizens" not in offered


@pytest.mark.django_db
class TestAfterwards:
    def test_a_new_message_of_that_citizen_opens_a_new_appeal_not_a_follow_up(self, bot, operator):
        appeal = citizen(bot, 1)
        services.anonymise_citizen(appeal, reason="Заявление", actor=operator)
        draft = Draft(
            external_id="9001:77",
            text="Снова снег",
            thread_id="9001",
            author_external_id="9001",
            author_name="Анна Кызласова",
        )
        outcome, new = services.receive_message(bot, draft)
        assert outcome == "created" and new.pk != appeal.pk
        assert new.author_name == "Анна Кызласова"

    def test_anonymised_appeals_are_never_the_same_author(self, operator):
        account_a, account_b = AccountFactory(), AccountFactory()
        one = AppealFactory(account=account_a, author_name="Анна", author_external_id="1", text="Яма на дороге у школы")
        two = AppealFactory(account=account_b, author_name="Пётр", author_external_id="2", text="Нет автобуса утром")
        for appeal in (one, two):
            services.anonymise_citizen(appeal, reason="Заявление", actor=operator)
        one.refresh_from_db()
        assert all(c.reason != duplicates.SAME_AUTHOR for c in duplicates.candidates(one))
