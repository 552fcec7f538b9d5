"""Intake: requests to one account are limited per minute; a refused request is still stored."""

import json

import pytest
from django.core.cache import cache

from appeals.models import Appeal, InboundEvent

from ..factories import AccountFactory

URL = "/intake/vk/170000009/"


def delivery(n: int, secret: str = "vk-secret-9") -> bytes:
    comment = {
        "id": 500 + n,
        "from_id": 777,
        "date": 1764300000,
        "text": f"Нет света, дом {n}",
        "post_id": 100 + n,
        "owner_id": -170000009,
    }
    payload = {
        "type": "wall_reply_new",
        "event_id": f"e{n}",
        "v": "5.199",
        "object": comment,
        "group_id": 170000009,
        "secret": secret,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


@pytest.fixture
def group(db, settings):
    settings.GOVFEEDBACK_INTAKE_RATE_PER_MINUTE = 3
    return AccountFactory(platform="vk", external_id="170000009", webhook_secret="vk-secret-9")


@pytest.mark.django_db
def test_past_the_limit_requests_are_stored_refused_and_replayable(client, group):
    statuses = [client.post(URL, delivery(n), content_type="application/json").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert Appeal.objects.count() == 3
    refused = InboundEvent.objects.filter(outcome="rejected").order_by("id")
    assert refused.count() == 2
    for event in refused:
        assert "Больше 3 запросов в минуту к этому аккаунту" in event.reason
        assert event.authenticated and bytes(event.body) == delivery(3 + list(refused).index(event))


@pytest.mark.django_db
def test_a_forged_request_past_the_limit_is_stored_and_not_replayable(client, group):
    for n in range(3):
        client.post(URL, delivery(n), content_type="application/json")
    response = client.post(URL, delivery(9, secret="forged"), content_type="application/json")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    event = InboundEvent.objects.latest("id")
    assert (event.outcome, event.authenticated) == ("rejected", False)


@pytest.mark.django_db
def test_the_limit_is_per_account(client, group):
    other = AccountFactory(platform="vk", external_id="170000010", webhook_secret="s")
    for n in range(3):
        client.post(URL, delivery(n), content_type="application/json")
    response = client.post(f"/intake/vk/{other.external_id}/", b"{}", content_type="application/json")
    assert response.status_code != 429


@pytest.mark.django_db
def test_an_unreachable_cache_refuses_nothing(client, group, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", down)
    statuses = [client.post(URL, delivery(n), content_type="application/json").status_code for n in range(5)]
    assert statuses == [200] * 5 and Appeal.objects.count() == 5
