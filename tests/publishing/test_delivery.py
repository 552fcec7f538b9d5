"""Publishing answers through the platforms' APIs (a local server speaking their formats)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import AppealEvent, AppealMessage, Publication
from appeals.publishing import delivery, platforms

from ..factories import AppealFactory
from .conftest import account, appeal_on, queued
from .fakeplatforms import VK_TOKEN_REVOKED

pytestmark = pytest.mark.django_db

Status = Publication.Status


def refreshed(publication: Publication) -> Publication:
    publication.refresh_from_db()
    return publication


class TestVK:
    def test_it_replies_under_the_comment_from_the_community_and_stops_the_first_answer_clock_then(self, platforms):
        appeal = appeal_on("vk", "wall_reply-170000001_45_678", thread_id="wall-170000001_45")
        typed_at = timezone.now() - timedelta(minutes=30)
        publication = queued(appeal, now=typed_at)
        appeal.refresh_from_db()
        assert appeal.first_answered_at is None  # typed and queued: the citizen sees nothing yet

        summary = delivery.publish_pending()

        [post] = platforms.published
        assert (post.place, post.target, post.token) == ("wall", "wall-170000001_45?reply=678", "vk-community-token")
        publication = refreshed(publication)
        assert summary.published == [publication]
        assert publication.status == Status.PUBLISHED
        assert publication.url == f"https://vk.com/wall-170000001_45?reply={post.ident}"
        appeal.refresh_from_db()
        assert appeal.first_answered_at is not None and appeal.first_answered_at > typed_at
        message = appeal.messages.get(direction=AppealMessage.Direction.OFFICIAL)
        assert (message.text, message.url) == (publication.text, publication.url)
        assert appeal.events.filter(kind=AppealEvent.Kind.ANSWER_PUBLISHED).count() == 1

    def test_an_answer_that_resolves_fills_the_link_and_resolves_the_appeal(self, platforms):
        appeal = appeal_on("vk", "wall-170000001_46", thread_id="wall-170000001_46")
        publication = queued(appeal, resolves=True)

        delivery.publish_pending()

        appeal.refresh_from_db()
        assert appeal.status == "resolved"
        assert appeal.answer_url == refreshed(publication).url != ""
        assert appeal.answer == publication.text

    def test_flood_control_is_retried_later_and_published_once(self, platforms):
        appeal = appeal_on("vk", "board_post-170000001_7_9")
        publication = queued(appeal)
        platforms.fail("vk", times=1, code=9, message="Flood control")

        first = delivery.publish_pending()

        publication = refreshed(publication)
        assert first.retried == 1 and publication.status == Status.QUEUED
        assert publication.next_attempt_at > timezone.now() and "9" in publication.last_error
        delivery.publish_pending(now=publication.next_attempt_at)
        assert refreshed(publication).status == Status.PUBLISHED
        assert [(post.place, post.target) for post in platforms.published] == [("board", "board-170000001_7")]

    def test_an_unknown_outcome_is_asked_again_with_the_same_guid_and_appears_once(self, platforms):
        appeal = appeal_on("vk", "photo_comment-170000001_5_11")
        publication = queued(appeal)
        platforms.fail("vk", times=1, kind="drop_after")  # published, and the answer lost

        delivery.publish_pending()
        assert refreshed(publication).status == Status.QUEUED
        delivery.publish_pending(now=refreshed(publication).next_attempt_at)

        assert refreshed(publication).status == Status.PUBLISHED
        assert len(platforms.published) == 1
        assert len(platforms.requests("vk")) == 2

    def test_a_private_message_goes_with_a_random_id_kept_across_retries(self, platforms):
        appeal = appeal_on("vk", "message77_612345678", thread_id="dialog612345678")
        publication = queued(appeal)
        platforms.fail("vk", times=1, kind="drop_after")

        delivery.publish_pending()
        delivery.publish_pending(now=refreshed(publication).next_attempt_at)

        [post] = platforms.published
        assert (post.place, post.target) == ("message", "612345678")
        assert refreshed(publication).status == Status.PUBLISHED

    @pytest.mark.parametrize(
        ("code", "message"),
        [(213, "Access to the comments is denied"), (212, "Access to post comments denied"), (901, "Can't send")],
    )
    def test_what_can_never_succeed_is_given_up_at_once_with_the_reason(self, platforms, code, message):
        appeal = appeal_on("vk", "wall_reply-170000001_45_679")
        publication = queued(appeal)
        platforms.fail("vk", times=1, code=code, message=message)

        summary = delivery.publish_pending()

        publication = refreshed(publication)
        assert summary.failed == [publication] and publication.status == Status.FAILED
        assert str(code) in publication.last_error and message in publication.last_error
        assert platforms.published == []
        event = appeal.events.get(kind=AppealEvent.Kind.ANSWER_FAILED)
        assert event.note == publication.last_error
        appeal.refresh_from_db()
        assert appeal.first_answered_at is None

    def test_a_revoked_token_fails_the_answer(self, platforms):
        revoked = account("vk", external_id="170000002", access_token=VK_TOKEN_REVOKED)
        appeal = AppealFactory(account=revoked, external_id="wall_reply-170000002_1_2")
        publication = queued(appeal)

        delivery.publish_pending()

        assert refreshed(publication).status == Status.FAILED
        assert "5" in publication.last_error

    def test_a_worker_that_died_mid_send_is_repeated_with_the_same_guid(self, platforms):
        appeal = appeal_on("vk", "wall_reply-170000001_45_680")
        publication = queued(appeal)
        platforms.fail("vk", times=1, kind="drop_after")
        # The first sender published it and died before recording anything: its lease ran out.
        now = timezone.now()
        Publication.objects.filter(pk=publication.pk).update(locked_until=now - timedelta(seconds=1), attempts=1)
        delivery.publish_pending(now=now)
        delivery.publish_pending(now=refreshed(publication).next_attempt_at)

        assert refreshed(publication).status == Status.PUBLISHED
        assert len(platforms.published) == 1

    def test_drafts_and_answers_awaiting_approval_are_never_sent(self, platforms):
        appeal = appeal_on("vk", "wall_reply-170000001_45_681")
        for status in (Status.DRAFT, Status.AWAITING_APPROVAL, Status.RETURNED):
            Publication.objects.create(appeal=appeal, account=appeal.account, text="черновик", status=status)

        delivery.publish_pending()
        assert platforms.published == [] and platforms.requests("vk") == []


class TestTelegram:
    def test_it_replies_to_the_message_in_its_chat(self, platforms):
        appeal = appeal_on("telegram", "-1001234567890:321", thread_id="-1001234567890:300")
        publication = queued(appeal)

        delivery.publish_pending()

        [post] = platforms.published
        assert (post.target, post.token) == ("-1001234567890:321", "123456:tg-bot-token")
        publication = refreshed(publication)
        assert publication.status == Status.PUBLISHED
        assert publication.url == f"https://t.me/glava19_chat/{post.ident}"

    def test_too_many_requests_waits_as_long_as_telegram_says(self, platforms):
        appeal = appeal_on("telegram", "555:10")
        publication = queued(appeal)
        platforms.fail("telegram", times=1, code=429, message="Too Many Requests: retry after 900", retry_after=900)
        now = timezone.now()

        delivery.publish_pending(now=now)

        publication = refreshed(publication)
        assert publication.status == Status.QUEUED
        assert publication.next_attempt_at >= now + timedelta(seconds=900)

    @pytest.mark.parametrize(
        ("code", "description"),
        [(403, "Forbidden: bot was blocked by the user"), (403, "Forbidden: bot was kicked from the supergroup chat")],
    )
    def test_a_blocked_or_kicked_bot_fails_the_answer_at_once(self, platforms, code, description):
        appeal = appeal_on("telegram", "555:11")
        publication = queued(appeal)
        platforms.fail("telegram", times=1, code=code, message=description)

        delivery.publish_pending()

        publication = refreshed(publication)
        assert publication.status == Status.FAILED and description in publication.last_error

    def test_a_deleted_message_is_not_answered_into_the_void(self, platforms):
        appeal = appeal_on("telegram", "555:12")
        platforms.delete("555:12")
        publication = queued(appeal)

        delivery.publish_pending()

        publication = refreshed(publication)
        assert publication.status == Status.FAILED
        assert "message to be replied not found" in publication.last_error
        assert platforms.published == []

    def test_an_unknown_outcome_is_shown_to_a_person_and_never_sent_again(self, platforms):
        appeal = appeal_on("telegram", "555:13")
        publication = queued(appeal)
        platforms.fail("telegram", times=1, kind="drop_after")

        summary = delivery.publish_pending()
        delivery.publish_pending(now=timezone.now() + timedelta(days=1))

        publication = refreshed(publication)
        assert summary.unknown == [publication] and publication.status == Status.UNKNOWN
        assert len(platforms.published) == 1 and len(platforms.requests("telegram")) == 1
        assert appeal.events.filter(kind=AppealEvent.Kind.ANSWER_UNKNOWN).count() == 1

    def test_a_sender_that_died_holding_it_leaves_it_to_a_person(self, platforms):
        appeal = appeal_on("telegram", "555:14")
        publication = queued(appeal)
        now = timezone.now()
        Publication.objects.filter(pk=publication.pk).update(locked_until=now - timedelta(seconds=1), attempts=1)

        delivery.publish_pending(now=now)

        assert refreshed(publication).status == Status.UNKNOWN
        assert platforms.requests("telegram") == []

    def test_a_connection_refused_is_retried(self, platforms, settings):
        settings.GOVFEEDBACK_TELEGRAM_API_URL = "http://127.0.0.1:9"  # nothing listens there
        appeal = appeal_on("telegram", "555:15")
        publication = queued(appeal)

        delivery.publish_pending()

        assert refreshed(publication).status == Status.QUEUED


class TestOkAndMeta:
    def test_ok_answers_in_the_groups_chat(self, platforms):
        appeal = appeal_on("ok", "messagemid.1", thread_id="chat:C3b1")
        publication = queued(appeal)

        delivery.publish_pending()

        [post] = platforms.published
        assert (post.platform, post.target, post.token) == ("ok", "chat:C3b1", "ok-group-token")
        assert refreshed(publication).external_id == f"mid:{post.ident}"

    def test_ok_chat_not_found_fails(self, platforms):
        appeal = appeal_on("ok", "messagemid.2", thread_id="chat:gone")
        platforms.delete("chat:gone")
        publication = queued(appeal)

        delivery.publish_pending()

        assert refreshed(publication).status == Status.FAILED and "300" in publication.last_error

    def test_facebook_replies_to_the_comment_and_instagram_too(self, platforms):
        facebook = queued(appeal_on("facebook", "comment111_222"))
        instagram = queued(appeal_on("instagram", "comment17900"))

        delivery.publish_pending()

        assert sorted((post.place, post.target) for post in platforms.published) == [
            ("comments", "111_222"),
            ("replies", "17900"),
        ]
        assert refreshed(facebook).status == refreshed(instagram).status == Status.PUBLISHED
        assert facebook.url.startswith("https://www.facebook.com/111_222_")

    def test_a_direct_message_on_instagram_goes_to_its_author(self, platforms):
        appeal = appeal_on("instagram", "messagem_abc", thread_id="dialog9001", author_external_id="9001")
        queued(appeal)

        delivery.publish_pending()

        assert [(post.place, post.target) for post in platforms.published] == [("message", "9001")]

    def test_meta_rate_limit_is_temporary_and_an_invalid_token_permanent(self, platforms):
        later = queued(appeal_on("facebook", "comment1_1"))
        platforms.fail("meta", times=1, code=4, message="Application request limit reached")
        delivery.publish_pending()
        assert refreshed(later).status == Status.QUEUED

        failed = queued(appeal_on("facebook", "comment1_2"))
        platforms.fail("meta", times=1, code=190, message="Error validating access token")
        delivery.publish_pending()
        assert refreshed(failed).status == Status.FAILED and "190" in failed.last_error


class TestWhatCannotBeAnswered:
    def test_twitter_manual_appeals_missing_tokens_and_erased_authors_say_why(self, db):
        assert platforms.unanswerable_reason(appeal_on("twitter", "tweet1"))
        assert platforms.unanswerable_reason(AppealFactory(account=None, external_id=""))
        no_token = AppealFactory(
            account=account("vk", external_id="170000009", access_token=""), external_id="wall-1_1"
        )
        assert platforms.unanswerable_reason(no_token)
        erased = appeal_on("vk", "wall-170000001_2", anonymised_at=timezone.now())
        assert platforms.unanswerable_reason(erased)
        assert platforms.unanswerable_reason(appeal_on("vk", "wall-170000001_3")) is None
        assert platforms.unanswerable_reason(appeal_on("telegram", "555:1")) is None

    def test_the_length_limit_is_the_places(self, db):
        assert platforms.length_limit(appeal_on("instagram", "messagem_1", thread_id="dialog7")) == 1000
        assert platforms.length_limit(appeal_on("instagram", "comment5")) == 2200
        assert platforms.length_limit("telegram") == 4096


def test_the_command_publishes_what_is_due_and_prints_it(platforms, capsys):
    published = queued(appeal_on("vk", "wall_reply-170000001_50_1"))
    failed = queued(appeal_on("telegram", "555:20"))
    platforms.fail("telegram", times=1, code=403, message="Forbidden: bot was blocked by the user")

    call_command("publish_answers", "--limit", "10")

    captured = capsys.readouterr()
    out = captured.out
    assert f"опубликован: обращение №{published.appeal_id}, {refreshed(published).url}" in out
    assert f"не опубликован: обращение №{failed.appeal_id}, Заявитель заблокировал бота" in out
    assert out.strip().splitlines()[-1] == (
        "Ответы — опубликовано: 1, не опубликовано: 1, результат неизвестен: 0, позже: 0."
    )
    assert "обработано: 2" in captured.err
