"""Telegram Bot API updates."""

import pytest

from appeals.models import Appeal, InboundEvent

from .conftest import post_json

URL = "/intake/telegram/300000001/"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-XYZ"}


def update(update_id=1001, **message):
    body = {
        "message_id": 42,
        "date": 1764300000,
        "chat": {"id": 9001, "type": "private", "first_name": "Анна"},
        "from": {"id": 9001, "is_bot": False, "first_name": "Анна", "last_name": "Кызласова", "username": "anna_k"},
        "text": "Во дворе не убирают снег",
    }
    body.update(message)
    return {"update_id": update_id, "message": body}


@pytest.mark.django_db
class TestTelegram:
    def test_a_private_message_becomes_an_appeal_for_the_operators(self, client, telegram_bot):
        response = post_json(client, URL, update(), **SECRET)
        assert response.status_code == 200
        appeal = Appeal.objects.get()
        assert (appeal.author_name, appeal.author_url, appeal.external_id) == (
            "Анна Кызласова",
            "https://t.me/anna_k",
            "9001:42",
        )
        assert (appeal.ministry, appeal.status) == (None, "new")  # the Head's account: operators' triage

    def test_the_secret_header_is_required(self, client, telegram_bot):
        assert post_json(client, URL, update()).status_code == 403
        assert post_json(client, URL, update(), **{"X-Telegram-Bot-Api-Secret-Token": "nope"}).status_code == 403
        assert not Appeal.objects.exists()
        assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"rejected"}

    def test_an_update_delivered_twice_is_one_appeal(self, client, telegram_bot):
        post_json(client, URL, update(), **SECRET)
        post_json(client, URL, update(), **SECRET)
        assert Appeal.objects.count() == 1
        assert InboundEvent.objects.order_by("-id").first().outcome == "duplicate"

    def test_an_edited_message_updates_the_appeal(self, client, telegram_bot):
        post_json(client, URL, update(), **SECRET)
        edited = update(1002)
        edited["edited_message"] = {
            **edited.pop("message"),
            "text": "Во дворе не убирают снег уже неделю",
            "edit_date": 1764300500,
        }
        post_json(client, URL, edited, **SECRET)
        assert Appeal.objects.get().text == "Во дворе не убирают снег уже неделю"

    def test_a_comment_in_the_channels_discussion_group_is_an_appeal(self, client, telegram_bot):
        comment = update(
            chat={"id": -100123, "type": "supergroup", "title": "Обсуждение", "username": "glava19_chat"},
            message_id=77,
            reply_to_message={"message_id": 70, "is_automatic_forward": True},
            text="А когда дорогу в Аскизе сделают?",
        )
        post_json(client, URL, comment, **SECRET)
        appeal = Appeal.objects.get()
        assert appeal.permalink == "https://t.me/glava19_chat/77"
        assert appeal.thread_id == "-100123:70"

    def test_the_automatic_forward_of_the_channel_post_is_not(self, client, telegram_bot):
        forward = update(
            chat={"id": -100123, "type": "supergroup"},
            is_automatic_forward=True,
            sender_chat={"id": -100999, "type": "channel"},
        )
        post_json(client, URL, forward, **SECRET)
        assert not Appeal.objects.exists()
        assert InboundEvent.objects.get().outcome == "ignored"

    def test_channel_posts_and_stickers_are_ignored(self, client, telegram_bot):
        post_json(client, URL, {"update_id": 5, "channel_post": {"message_id": 1}}, **SECRET)
        post_json(client, URL, update(1006, text=None, sticker={"file_id": "x"}), **SECRET)
        assert not Appeal.objects.exists()
        assert list(InboundEvent.objects.values_list("outcome", flat=True)) == ["ignored", "ignored"]

    def test_a_follow_up_in_the_private_chat_joins_the_open_appeal(self, client, telegram_bot):
        post_json(client, URL, update(), **SECRET)
        post_json(client, URL, update(1002, message_id=43, text="Адрес: Абакан, ул. Пушкина, 12"), **SECRET)
        appeal = Appeal.objects.get()
        assert appeal.messages.get().text == "Адрес: Абакан, ул. Пушкина, 12"
