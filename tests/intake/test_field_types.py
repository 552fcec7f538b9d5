"""A field of the wrong JSON type is a clean refusal with its reason, never an exception.

The audit's finding: a VK ``secret`` that was a number, a list or an object answered 200 with a
traceback in the log and an event that "can be replayed" but could not (it was never
authenticated). A secret of the wrong type is a wrong secret (403). With the right secret, a field
the parser reads that has the wrong type (a number where a string is expected, a string where an
integer is, an object or a list in place of either) is a 400 naming the field; the event stays
authenticated and can be replayed after a fix.
"""

import copy
import json

import pytest

from appeals.models import Appeal, InboundEvent

from .conftest import meta_signature, post_json
from .test_fuzz import META, OK, TELEGRAM, VK, VK_MESSAGE

VK_URL = "/intake/vk/170000001/"


@pytest.fixture
def accounts(vk_group, telegram_bot, fb_page, ok_group):
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("secret", [170000001, 1.5, True, ["vk-secret-1"], {"secret": "vk-secret-1"}, None])
def test_a_vk_secret_of_another_type_is_a_wrong_secret(client, vk_group, secret):
    response = post_json(client, VK_URL, {**VK, "secret": secret})
    assert response.status_code == 403
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.authenticated) == ("rejected", False)
    assert "секрет" in stored.reason and not stored.reason.startswith("Обработка не удалась")
    assert not Appeal.objects.exists()


def changed(document: dict, path: tuple, value) -> dict:
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


# (platform, document, path to the field, a value of the wrong type, the field's name in the reason)
WRONG = [
    ("vk", VK, ("event_id",), {"id": 1}, "event_id"),
    ("vk", VK, ("object", "owner_id"), {"id": 1}, "owner_id"),
    ("vk", VK, ("object", "post_id"), "42", "post_id"),
    ("vk", VK, ("object", "id"), [501], "id"),
    ("vk", VK, ("object", "from_id"), "777", "from_id"),
    ("vk", VK, ("object", "text"), 5, "text"),
    ("vk", VK_MESSAGE, ("object", "message", "peer_id"), "777", "peer_id"),
    ("vk", VK_MESSAGE, ("object", "message", "id"), 9.5, "id"),
    ("vk", VK_MESSAGE, ("object", "message", "text"), ["Нет воды"], "text"),
    ("telegram", TELEGRAM, ("message", "text"), 5, "text"),
    ("telegram", TELEGRAM, ("message", "from"), "Анна", "from"),
    ("telegram", TELEGRAM, ("message", "from", "username"), 5, "username"),
    ("telegram", TELEGRAM, ("message", "from", "first_name"), {"a": 1}, "first_name"),
    ("telegram", TELEGRAM, ("message", "chat", "type"), 1, "type"),
    ("telegram", TELEGRAM, ("message", "reply_to_message"), "40", "reply_to_message"),
    ("telegram", TELEGRAM, ("message", "message_thread_id"), "7", "message_thread_id"),
    ("telegram", TELEGRAM, ("message",), "Во дворе не убирают снег", "message"),
    ("meta", META, ("entry", 0, "changes"), 5, "changes"),
    ("meta", META, ("entry", 0, "messaging"), "m1", "messaging"),
    ("meta", META, ("entry", 0, "changes", 0, "value", "message"), 5, "message"),
    ("meta", META, ("entry", 0, "changes", 0, "value", "from"), "Олег", "from"),
    ("meta", META, ("entry", 0, "changes", 0, "value", "comment_id"), {"id": 1}, "comment_id"),
    ("meta", META, ("entry", 0, "messaging", 0, "message", "mid"), ["m1"], "mid"),
    ("meta", META, ("entry", 0, "messaging", 0, "sender"), 4444, "sender"),
    ("ok", OK, ("message", "text"), 5, "text"),
    ("ok", OK, ("message", "mid"), ["mid.0001"], "mid"),
    ("ok", OK, ("sender", "user_id"), {"id": 1}, "user_id"),
    ("ok", OK, ("sender", "name"), 5, "name"),
    ("ok", OK, ("recipient", "chat_id"), [1], "chat_id"),
]


def deliver(client, platform: str, payload: dict):
    body = json.dumps(payload, ensure_ascii=False).encode()
    if platform == "vk":
        return post_json(client, VK_URL, body)
    if platform == "telegram":
        return post_json(
            client, "/intake/telegram/300000001/", body, **{"X-Telegram-Bot-Api-Secret-Token": "tg-secret-XYZ"}
        )
    if platform == "meta":
        return post_json(client, "/intake/meta/555000111/", body, **{"X-Hub-Signature-256": meta_signature(body)})
    return post_json(client, "/intake/ok/200000001/?secret=ok-secret", body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "platform, document, path, value, field", WRONG, ids=[f"{w[0]}-{'.'.join(map(str, w[2]))}" for w in WRONG]
)
def test_a_field_of_the_wrong_type_is_a_clear_400(client, accounts, platform, document, path, value, field):
    response = deliver(client, platform, changed(document, path, value))
    assert response.status_code == 400, response.content
    assert field in response.json()["detail"]
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.authenticated) == ("rejected", True)  # replayable after a fix
    assert field in stored.reason
    assert not Appeal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "platform, document", [("vk", VK), ("vk", VK_MESSAGE), ("telegram", TELEGRAM), ("meta", META), ("ok", OK)]
)
def test_the_documented_shapes_still_make_appeals(client, accounts, platform, document):
    assert deliver(client, platform, document).status_code == 200
    assert Appeal.objects.exists()
