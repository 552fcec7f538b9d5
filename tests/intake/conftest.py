import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from ministries.models import SocialAccount

from ..factories import AccountFactory


@pytest.fixture
def vk_group(ministry_a):
    return AccountFactory(
        platform=SocialAccount.Platform.VK,
        external_id="170000001",
        handle="minstroy19",
        kind=SocialAccount.Kind.MINISTRY_GROUP,
        ministry=ministry_a,
        webhook_secret="vk-secret-1",
        confirmation_code="a1b2c3d4",
    )


@pytest.fixture
def head_vk(db):
    return AccountFactory(
        platform="vk",
        external_id="100000001",
        kind="head",
        webhook_secret="vk-head-secret",
        confirmation_code="ffff0000",
    )


@pytest.fixture
def telegram_bot(db):
    return AccountFactory(
        platform="telegram", external_id="300000001", handle="glava19_bot", kind="head", webhook_secret="tg-secret-XYZ"
    )


@pytest.fixture
def fb_page(ministry_a):
    return AccountFactory(
        platform="facebook",
        external_id="555000111",
        kind="ministry_group",
        ministry=ministry_a,
        webhook_secret="meta-app-secret",
        confirmation_code="verify-me",
    )


@pytest.fixture
def ig_account(db):
    return AccountFactory(
        platform="instagram",
        external_id="178414000",
        kind="head",
        webhook_secret="meta-app-secret",
        confirmation_code="verify-me",
    )


@pytest.fixture
def ok_group(db):
    return AccountFactory(platform="ok", external_id="200000001", kind="head", webhook_secret="ok-secret")


def post_json(client, url, payload, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    return client.post(url, body, content_type="application/json", headers=headers)


def meta_signature(body: bytes, secret: str = "meta-app-secret") -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def replay_in_admin(operator_client, event) -> None:
    """An operator selects the stored event in the admin and runs «Process again»."""
    operator_client.post(
        reverse("admin:appeals_inboundevent_changelist"),
        {"action": "replay", "_selected_action": [event.pk], "index": 0},
    )
