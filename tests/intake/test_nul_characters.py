"""NUL characters from a payload never reach a text column (PostgreSQL text cannot hold them).

The audit's finding: a NUL in an authenticated VK ``event_id`` gave a 500 on PostgreSQL and the
event was lost. The delivery id, the reason and the headers come from the request as well as the
drafts' fields. Runs on whichever database DATABASE_URL names (CI's PostgreSQL pass included).
"""

import pytest

from appeals.models import Appeal, InboundEvent

from .conftest import post_json
from .test_vk import URL, event, wall_reply

TELEGRAM = "/intake/telegram/300000001/"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-XYZ"}


def nul_free(stored: InboundEvent) -> bool:
    texts = [stored.account_key, stored.dedup_key, stored.reason, *map(str, stored.headers.items())]
    return not any("\x00" in text for text in texts)


@pytest.mark.django_db
def test_it_stores_a_vk_event_whose_id_holds_a_nul(client, vk_group):
    response = post_json(client, URL, event("wall_reply_new", wall_reply(), event_id="e\x001"))
    assert (response.status_code, response.content) == (200, b"ok")
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.dedup_key) == ("created", "e1") and nul_free(stored)
    assert Appeal.objects.count() == 1
    # A redelivery with the same id is recognised as one.
    assert post_json(client, URL, event("wall_reply_new", wall_reply(), event_id="e\x001")).content == b"ok"
    assert InboundEvent.objects.latest("id").outcome == "duplicate"


@pytest.mark.django_db
def test_it_stores_a_telegram_update_of_an_unknown_kind_named_with_a_nul(client, telegram_bot):
    response = post_json(client, TELEGRAM, {"update_id": 5, "chan\x00nel_post": {"message_id": 1}}, **SECRET)
    assert response.status_code == 200
    stored = InboundEvent.objects.get()
    assert stored.outcome == "ignored" and nul_free(stored)


@pytest.mark.django_db
def test_a_telegram_update_id_given_as_text_is_a_clear_400(client, telegram_bot):
    update = {"update_id": "1\x00", "message": {"message_id": 1, "chat": {"id": 1, "type": "private"}, "text": "x"}}
    response = post_json(client, TELEGRAM, update, **SECRET)
    assert response.status_code == 400 and "update_id" in response.json()["detail"]
    stored = InboundEvent.objects.get()
    assert stored.outcome == "rejected" and nul_free(stored)


@pytest.mark.django_db
def test_it_stores_headers_that_hold_a_nul(client, vk_group):
    response = post_json(client, URL, event("wall_reply_new", wall_reply()), **{"User-Agent": "VK\x00Callback"})
    assert response.content == b"ok"
    stored = InboundEvent.objects.get()
    assert stored.headers["User-Agent"] == "VKCallback" and nul_free(stored)


@pytest.mark.django_db
def test_it_stores_a_refused_request_whose_text_holds_a_nul(client, vk_group):
    response = post_json(client, URL, event("wall_reply_new", wall_reply(text="Течёт\x00 крыша"), secret="x\x00"))
    assert response.status_code == 403
    assert nul_free(InboundEvent.objects.get())


@pytest.mark.django_db
def test_a_malformed_content_length_is_refused_not_a_server_error(client):
    from appeals.models import InboundEvent

    response = client.post("/intake/vk/170000001/", b"{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
