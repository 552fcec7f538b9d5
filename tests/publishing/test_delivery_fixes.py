"""The sender's faults a review found: leases spent before use, tokens leaking into reasons, blind
retries after a 5xx, English reasons, limits not shared by a token's accounts, colliding VK
random_ids, and a VK answer whose every attempt went unanswered ending «не опубликован»."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals import outbox
from appeals.models import AppealEvent, Publication
from appeals.publishing import delivery, platforms
from notifications import services as notifications
from notifications.models import Notification

from ..factories import AccountFactory, AppealFactory
from .conftest import account, appeal_on, queued

pytestmark = pytest.mark.django_db

Status = Publication.Status


def refreshed(publication: Publication) -> Publication:
    publication.refresh_from_db()
    return publication


def history(appeal) -> str:
    return " ".join(appeal.events.values_list("note", flat=True))


class TestLeases:
    def test_each_lease_runs_from_when_its_row_is_claimed_not_from_the_runs_start(self, platforms, settings):
        first = queued(appeal_on("vk", "wall_reply-170000001_61_1"))
        second = queued(appeal_on("vk", "wall_reply-170000001_62_1"))
        seen = {}

        def deliver(row, now):
            seen[row.pk] = (Publication.objects.get(pk=row.pk).locked_until, timezone.now())
            time.sleep(1.2)

        outbox.drain(
            Publication.objects.all(),
            now=timezone.now(),
            limit=10,
            lease=timedelta(seconds=4),
            max_attempts=3,
            load=lambda pk: Publication.objects.get(pk=pk),
            deliver=deliver,
            on_sent=lambda row, result: None,
        )
        lock, at = seen[second.pk]
        assert lock > at + timedelta(seconds=3)  # still held for most of its lease while it is sent
        assert set(seen) == {first.pk, second.pk}

    def test_a_run_stops_claiming_once_half_the_lease_has_passed(self, platforms):
        rows = [queued(appeal_on("vk", f"wall_reply-170000001_7{n}_1")) for n in range(3)]
        delivered = []

        def deliver(row, now):
            delivered.append(row.pk)
            time.sleep(1.1)

        outbox.drain(
            Publication.objects.all(),
            now=timezone.now(),
            limit=10,
            lease=timedelta(seconds=2),
            max_attempts=3,
            load=lambda pk: Publication.objects.get(pk=pk),
            deliver=deliver,
            on_sent=lambda row, result: None,
        )
        assert delivered == [rows[0].pk]  # the others wait, unclaimed, for the next run
        assert Publication.objects.filter(pk__in=[rows[1].pk, rows[2].pk], attempts=0, locked_until=None).count() == 2


class TestTokensNeverLeak:
    def test_a_bot_token_with_a_space_never_reaches_the_reason_or_the_history(self, platforms):
        bot = account("telegram", external_id="300000099", access_token="123456:tg SECRET")
        appeal = AppealFactory(account=bot, external_id="555:77", thread_id="")
        publication = queued(appeal)

        delivery.publish_pending()

        publication = refreshed(publication)
        assert "SECRET" not in publication.last_error and "SECRET" not in history(appeal)

    def test_a_url_that_cannot_be_requested_fails_with_a_fixed_reason_without_the_url(self, platforms, settings):
        settings.GOVFEEDBACK_TELEGRAM_API_URL = f"{platforms.url}/bad path"  # http.client.InvalidURL
        bot = account("telegram", external_id="300000098", access_token="123456:tg-SECRET")
        appeal = AppealFactory(account=bot, external_id="555:78", thread_id="")
        publication = queued(appeal)

        delivery.publish_pending()

        publication = refreshed(publication)
        assert publication.status == Status.FAILED
        assert publication.last_error.startswith("Не удалось отправить запрос платформе")
        assert "SECRET" not in publication.last_error and "SECRET" not in history(appeal)
        assert platforms.requests("telegram") == []

    def test_a_platform_that_echoes_the_token_has_it_scrubbed_from_the_reason(self, platforms):
        appeal = appeal_on("facebook", "comment123_456")
        platforms.fail("meta", times=1, code=190, message="Malformed access token fb-page-token")
        publication = queued(appeal)

        delivery.publish_pending()

        publication = refreshed(publication)
        assert publication.status == Status.FAILED and "190" in publication.last_error
        assert "fb-page-token" not in publication.last_error and "fb-page-token" not in history(appeal)

    def test_a_notification_to_telegram_never_puts_the_bot_token_into_its_reason(self, settings):
        settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = "123:SECRET"
        settings.GOVFEEDBACK_TELEGRAM_API_URL = "http://127.0.0.1:9/bad path"
        note = Notification.objects.create(
            appeal=AppealFactory(), kind="overdue", channel="telegram", address="42", recipient_name="Иванова"
        )

        notifications.send_pending()

        note.refresh_from_db()
        assert note.gave_up_at is not None and note.last_error
        assert "SECRET" not in note.last_error


class TestServerErrors:
    def test_a_500_after_a_telegram_answer_was_sent_is_shown_to_a_person_not_sent_again(self, platforms):
        appeal = appeal_on("telegram", "-1001:5")
        platforms.fail("telegram", times=1, kind="status", status=500, publish=True)
        publication = queued(appeal)

        delivery.publish_pending()
        delivery.publish_pending(timezone.now() + timedelta(hours=1))

        assert refreshed(publication).status == Status.UNKNOWN
        assert len(platforms.requests("telegram")) == 1 and len(platforms.published) == 1

    def test_a_503_is_tried_again(self, platforms):
        appeal = appeal_on("telegram", "-1001:6")
        platforms.fail("telegram", times=1, kind="status", status=503)
        publication = queued(appeal)

        delivery.publish_pending()
        assert refreshed(publication).status == Status.QUEUED
        delivery.publish_pending(timezone.now() + timedelta(hours=1))
        assert refreshed(publication).status == Status.PUBLISHED

    def test_a_bare_429_is_tried_again_no_sooner_than_its_retry_after(self, platforms):
        appeal = appeal_on("instagram", "comment9001")
        platforms.fail("meta", times=1, kind="status", status=429, headers={"Retry-After": "600"})
        publication = queued(appeal)
        before = timezone.now()

        delivery.publish_pending()

        publication = refreshed(publication)
        assert publication.status == Status.QUEUED
        assert publication.next_attempt_at >= before + timedelta(seconds=600)

    def test_a_vk_500_is_asked_again_with_the_same_key_and_published_once(self, platforms):
        appeal = appeal_on("vk", "wall_reply-170000001_66_1")
        platforms.fail("vk", times=1, kind="status", status=500, publish=True)
        publication = queued(appeal)

        delivery.publish_pending()
        delivery.publish_pending(timezone.now() + timedelta(hours=1))

        assert refreshed(publication).status == Status.PUBLISHED
        assert len(platforms.published) == 1 and len(platforms.requests("vk")) == 2

    def test_metas_service_error_on_a_send_is_an_unknown_outcome(self, platforms):
        appeal = appeal_on("facebook", "comment123_457")
        platforms.fail("meta", times=1, code=2, message="An unexpected error has occurred.")
        publication = queued(appeal)

        delivery.publish_pending()

        assert refreshed(publication).status == Status.UNKNOWN


class TestVKKeys:
    def test_random_ids_of_ten_thousand_publications_never_collide_and_stay_the_same_on_retries(self):
        assert len({platforms.vk_random_id(number) for number in range(1, 10_001)}) == 10_000
        assert platforms.vk_random_id(7) == platforms.vk_random_id(7)
        assert 0 < platforms.vk_random_id(2**31 + 5) < 2**31

    def test_a_message_answer_sends_its_publications_number_as_random_id(self, platforms):
        appeal = appeal_on("vk", "message5_2000000001")
        publication = queued(appeal)
        delivery.publish_pending()
        [post] = platforms.published
        assert refreshed(publication).status == Status.PUBLISHED
        assert platforms.state.keys == {("vk", str(publication.pk)): post.ident}

    def test_an_answer_whose_every_attempt_went_unanswered_ends_unknown_not_failed(self, platforms, settings):
        settings.GOVFEEDBACK_PUBLISH_MAX_ATTEMPTS = 2
        appeal = appeal_on("vk", "wall_reply-170000001_67_1")
        platforms.fail("vk", times=5, kind="drop_after")  # published, and the answer lost, every time
        publication = queued(appeal)

        delivery.publish_pending()
        delivery.publish_pending(timezone.now() + timedelta(hours=1))

        publication = refreshed(publication)
        assert publication.status == Status.UNKNOWN
        assert appeal.events.filter(kind=AppealEvent.Kind.ANSWER_UNKNOWN).exists()
        assert len(platforms.published) == 1  # the same guid every time: there once


class TestReasonsInRussian:
    def test_a_refusal_is_read_in_russian_with_the_platforms_code_and_message(self, platforms):
        appeal = appeal_on("vk", "wall_reply-170000001_68_1")
        platforms.fail("vk", times=1, code=212, message="Access to comments denied")
        publication = queued(appeal)

        delivery.publish_pending()

        reason = refreshed(publication).last_error
        assert reason.startswith("Комментарии к этой записи закрыты")
        assert "212" in reason and "Access to comments denied" in reason

    def test_telegrams_and_metas_reasons_are_in_russian_too(self, platforms):
        tg = appeal_on("telegram", "-1001:7")
        fb = appeal_on("facebook", "comment123_458")
        platforms.fail("telegram", times=1, code=403, message="Forbidden: bot was blocked by the user")
        platforms.fail("meta", times=1, code=100, message="Object does not exist")
        first, second = queued(tg), queued(fb)

        delivery.publish_pending()

        assert refreshed(first).last_error.startswith("Заявитель заблокировал бота")
        assert refreshed(second).last_error.startswith("Комментарий или переписка больше не существуют")


class TestSharedLimits:
    def test_accounts_that_share_a_bot_share_its_budget_and_the_token_is_not_the_key(self):
        key = delivery._slot_keys("telegram", "123456:shared-bot", "-1001")
        assert key == delivery._slot_keys("telegram", "123456:shared-bot", "-1001")
        assert [k for k, _calls, _s in key][-1] == f"publish:{platforms.token_key('123456:shared-bot')}"
        assert all("shared-bot" not in k for k, _calls, _s in key)
        assert [calls for _k, calls, _s in key] == [1, 20, 30]  # the chat's, the group's, then the token's

    def test_a_second_account_with_the_same_token_waits_for_the_first_ones_window(self, platforms):
        one = AccountFactory(platform="ok", external_id="57000000011", access_token="ok-shared-token")
        two = AccountFactory(platform="ok", external_id="57000000012", access_token="ok-shared-token")
        for n in range(5):  # the token's five calls of this second, through the first account
            queued(AppealFactory(account=one, external_id=f"message{n}", thread_id=f"chat:{n}"))
        later = queued(AppealFactory(account=two, external_id="message9", thread_id="chat:9"))

        delivery.publish_pending()

        assert refreshed(later).status == Status.PUBLISHED
        per_second = Counter(int(at) for _platform, _token, at in platforms.requests("ok"))
        assert sum(per_second.values()) == 6 and max(per_second.values()) <= 5
