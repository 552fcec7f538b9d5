"""Intake: requests that fail their platform's check cannot fill the database.

The audit's finding: 100 anonymous POSTs of 256 KB (to an unknown account, or with a wrong secret)
added 26.5 MB in 11 s, each stored whole. Now a request that does not pass its platform's check
is kept as its metadata and the first kilobyte of its body, past a per-address and an overall limit
a minute it is answered 429 and not stored at all, and the hourly retention job deletes it after
GOVFEEDBACK_INTAKE_REFUSED_DAYS. What a platform sends with the right secret is stored whole.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals import retention
from appeals.models import Appeal, InboundEvent

from ..factories import AccountFactory
from ..intake.conftest import post_json

URL, UNKNOWN = "/intake/vk/170000001/", "/intake/vk/999000999/"
BIG = 256 * 1024
REFUSED_BODY = 1024  # the first kilobyte of a refused request is kept


def delivery(secret: str, n: int = 1, size: int = BIG) -> bytes:
    """A VK wall reply of exactly ``size`` bytes (the default GOVFEEDBACK_INTAKE_MAX_BODY)."""
    payload = {
        "type": "wall_reply_new",
        "event_id": f"e{n}",
        "v": "5.199",
        "group_id": 170000001,
        "secret": secret,
        "object": {
            "id": 500 + n,
            "from_id": 777,
            "date": 1764300000,
            "text": f"Течёт крыша, дом {n}",
            "post_id": 42,
            "owner_id": -170000001,
            "padding": "",
        },
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    payload["object"]["padding"] = "x" * (size - len(body))
    body = json.dumps(payload, ensure_ascii=False).encode()
    assert len(body) == size
    return body


def stored_bytes() -> int:
    """What the stored requests hold: bodies, headers, reasons, keys."""
    return sum(
        len(bytes(event.body)) + len(json.dumps(event.headers)) + len(event.reason) + len(event.account_key)
        for event in InboundEvent.objects.all()
    )


def flood(client, count: int, address: str = "10.9.8.7") -> list[int]:
    """Anonymous 256 KB requests, every other one to an unknown account, the rest with a wrong secret."""
    statuses = []
    for n in range(count):
        url = UNKNOWN if n % 2 else URL
        statuses.append(client.post(url, delivery("guess", n), content_type="application/json", REMOTE_ADDR=address))
    return [response.status_code for response in statuses]


@pytest.fixture
def vk_group(db):
    return AccountFactory(
        platform="vk", external_id="170000001", webhook_secret="vk-secret-1", confirmation_code="a1b2c3d4"
    )


@pytest.fixture
def generous(settings):
    settings.GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS = 1000
    settings.GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE = 1000


@pytest.mark.django_db
def test_it_keeps_only_the_metadata_and_a_prefix_of_a_refused_request(client, vk_group, generous):
    assert set(flood(client, 100)) == {403, 404}
    assert InboundEvent.objects.filter(outcome="rejected", authenticated=False).count() == 100
    assert stored_bytes() <= 100 * (REFUSED_BODY + 1024)  # not 100 × 256 KB
    event = InboundEvent.objects.filter(reason__contains="секрет").order_by("id").first()
    assert bytes(event.body) == delivery("guess", 0)[:REFUSED_BODY]
    assert event.headers["Content-Length"] == str(BIG)  # what came, for the operator


@pytest.mark.django_db
def test_it_answers_429_past_the_limit_of_one_address_and_stores_nothing_more(client, vk_group, settings):
    settings.GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS = 20
    statuses = flood(client, 100)
    assert set(statuses[:20]) == {403, 404} and set(statuses[20:]) == {429}
    assert InboundEvent.objects.count() == 20
    # Another address is counted on its own.
    assert flood(client, 1, address="10.1.1.1") == [403]
    # The platform's own deliveries are never counted nor refused, from that address too.
    body = delivery("vk-secret-1", 200)
    response = client.post(URL, body, content_type="application/json", REMOTE_ADDR="10.9.8.7")
    assert (response.status_code, response.content) == (200, b"ok")
    assert bytes(InboundEvent.objects.get(authenticated=True).body) == body
    assert Appeal.objects.count() == 1


@pytest.mark.django_db
def test_one_ipv6_subscriber_is_one_address(client, vk_group, settings):
    settings.GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS = 3
    addresses = [f"2001:db8:1:2::{n:x}" for n in range(1, 6)]
    statuses = [flood(client, 1, address=address)[0] for address in addresses]
    assert statuses == [403, 403, 403, 429, 429]
    assert flood(client, 1, address="2001:db8:1:3::1") == [403]  # another /64


@pytest.mark.django_db
def test_it_stores_at_most_the_overall_limit_a_minute(client, vk_group, settings):
    settings.GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE = 30
    statuses = [flood(client, 1, address=f"10.0.0.{n}")[0] for n in range(1, 41)]
    assert statuses.count(429) == 10 and InboundEvent.objects.count() == 30


@pytest.mark.django_db
def test_an_authenticated_delivery_is_stored_whole(client, vk_group):
    body = delivery("vk-secret-1")
    assert client.post(URL, body, content_type="application/json").content == b"ok"
    event = InboundEvent.objects.get()
    assert (event.authenticated, event.outcome, bytes(event.body)) == (True, "created", body)


@pytest.mark.django_db
def test_a_confirmation_needs_no_secret_and_so_is_kept_short(client, vk_group):
    body = json.dumps({"type": "confirmation", "group_id": 170000001, "padding": "x" * 5000}).encode()
    assert post_json(client, URL, body).content == b"a1b2c3d4"
    event = InboundEvent.objects.get()
    assert (event.outcome, event.authenticated, len(bytes(event.body))) == ("ignored", False, REFUSED_BODY)


@pytest.mark.django_db
def test_the_retention_job_deletes_refused_requests_after_days_and_keeps_the_platforms(client, vk_group):
    now = timezone.now()
    assert flood(client, 2) == [403, 404]
    assert client.post(URL, delivery("vk-secret-1", size=2000), content_type="application/json").content == b"ok"
    InboundEvent.objects.update(received_at=now - timedelta(days=8))
    recent = flood(client, 1, address="10.3.3.3")
    assert recent == [403]
    retention.anonymise_expired(now)
    kept = InboundEvent.objects.order_by("id")
    assert [(event.authenticated, event.received_at > now - timedelta(days=1)) for event in kept] == [
        (True, False),  # the platform's delivery: erased with its appeal's personal data, years later
        (False, True),  # refused, but only just
    ]
    assert len(bytes(kept[0].body)) == 2000
