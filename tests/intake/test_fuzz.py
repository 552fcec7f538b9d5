"""Fuzzing every intake parser through the webhook view (hypothesis).

Each platform gets random JSON, valid deliveries with random parts replaced or removed, valid
deliveries cut short, and random bytes, all with the right secret or signature so that the
parser itself is reached. Whatever arrives: no 5xx, exactly one stored event per request, never
an unhandled exception (the view would store it as "received, not processed"), every refused
request stored with its reason, and every link an appeal gets is http(s).
"""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appeals.intake.views import REFUSED_BODY
from appeals.models import Appeal, InboundEvent

from .conftest import meta_signature

EXAMPLES = 60

VK = {
    "type": "wall_reply_new",
    "event_id": "e1",
    "v": "5.199",
    "group_id": 170000001,
    "secret": "vk-secret-1",
    "object": {
        "id": 501,
        "from_id": 777,
        "date": 1764300000,
        "text": "Когда отремонтируют крышу?",
        "post_id": 42,
        "owner_id": -170000001,
        "parents_stack": [],
        "thread": {"count": 0},
    },
}
VK_MESSAGE = {
    "type": "message_new",
    "event_id": "e2",
    "v": "5.199",
    "group_id": 170000001,
    "secret": "vk-secret-1",
    "object": {"message": {"id": 9, "peer_id": 777, "from_id": 777, "date": 1764300000, "text": "Нет воды"}},
}
TELEGRAM = {
    "update_id": 1001,
    "message": {
        "message_id": 42,
        "date": 1764300000,
        "chat": {"id": 9001, "type": "private", "first_name": "Анна"},
        "from": {"id": 9001, "is_bot": False, "first_name": "Анна", "username": "anna_k"},
        "text": "Во дворе не убирают снег",
        "reply_to_message": {"message_id": 40},
    },
}
META = {
    "object": "page",
    "entry": [
        {
            "id": "555000111",
            "time": 1764300000,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "item": "comment",
                        "verb": "add",
                        "comment_id": "111_222",
                        "post_id": "555000111_1",
                        "message": "Почему опять дым?",
                        "from": {"id": "9911", "name": "Олег"},
                        "created_time": 1764300000,
                    },
                }
            ],
            "messaging": [
                {
                    "sender": {"id": "4444"},
                    "recipient": {"id": "555000111"},
                    "timestamp": 1764300000000,
                    "message": {"mid": "m1", "text": "Нет воды"},
                }
            ],
        }
    ],
}
OK = {
    "webhookType": "MESSAGE_CREATED",
    "sender": {"user_id": "user:5720012", "name": "Ирина"},
    "recipient": {"chat_id": "chat:C3ec1"},
    "message": {"mid": "mid.0001", "text": "Нет связи"},
    "timestamp": 1764300000000,
}

# platform -> (URL, valid deliveries, headers for a body)
PLATFORMS = {
    "vk": ("/intake/vk/170000001/", [VK, VK_MESSAGE], lambda body: {}),
    "telegram": (
        "/intake/telegram/300000001/",
        [TELEGRAM],
        lambda body: {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-XYZ"},
    ),
    "meta": ("/intake/meta/555000111/", [META], lambda body: {"X-Hub-Signature-256": meta_signature(body)}),
    "ok": ("/intake/ok/200000001/?secret=ok-secret", [OK], lambda body: {}),
}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "\x00", "0", "-1", "private", "confirmation", "message_new", "edited", "comment"])
    | st.sampled_from([1e30, -1e30, 2**64, 10**20, float("inf"), float("nan"), "javascript:alert(1)"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def paths(value, prefix=()):
    """Every path to a value inside a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(document, path, value, remove: bool):
    """A copy of ``document`` with the value at ``path`` replaced (or removed)."""
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


@st.composite
def mutated(draw, documents):
    document = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(paths(document))))
        document = replaced(document, path, draw(json_values), remove=bool(path) and draw(st.booleans()))
    return json.dumps(document, ensure_ascii=False).encode()


@st.composite
def truncated(draw, documents):
    body = json.dumps(draw(st.sampled_from(documents)), ensure_ascii=False).encode()
    return body[: draw(st.integers(min_value=0, max_value=len(body) - 1))]


def bodies(documents):
    return (
        mutated(documents)
        | truncated(documents)
        | json_values.map(lambda value: json.dumps(value).encode())
        | st.binary(max_size=200)
    )


@pytest.fixture
def accounts(vk_group, telegram_bot, fb_page, ok_group, settings):
    # Hundreds of refused requests a minute from one address: all of them stored here.
    settings.GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS = settings.GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE = 10**6


@pytest.mark.django_db
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_no_payload_breaks_the_intake(client, accounts, platform):
    url, documents, headers_for = PLATFORMS[platform]
    seen = {"refused": 0, "accepted": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies(documents))
    def check(body):
        before = InboundEvent.objects.count()
        response = client.post(url, body, content_type="application/json", headers=headers_for(body))
        assert response.status_code < 500, (response.status_code, body)
        assert InboundEvent.objects.count() == before + 1, body
        event = InboundEvent.objects.latest("id")
        # Stored whole when it passed the platform's check, else its first kilobyte.
        assert bytes(event.body) == (body if event.authenticated else body[:REFUSED_BODY])
        assert event.outcome != InboundEvent.Outcome.RECEIVED, (event.reason, body)  # an unhandled exception
        if response.status_code >= 400:
            assert event.outcome == InboundEvent.Outcome.REJECTED and event.reason, body
            seen["refused"] += 1
        else:
            assert event.processed_at is not None
            seen["accepted"] += 1
        if event.outcome in (InboundEvent.Outcome.REJECTED, InboundEvent.Outcome.IGNORED):
            assert event.reason.strip(), body
        for link in Appeal.objects.values_list("permalink", "author_url"):
            assert all(url == "" or url.startswith(("https://", "http://")) for url in link), (link, body)

    for document in documents:  # the documented shapes, whole, are among the examples
        check = example(body=json.dumps(document, ensure_ascii=False).encode())(check)
    check()
    # The generator reached both sides of the parser, not only its first check.
    assert seen["refused"] and seen["accepted"], seen
