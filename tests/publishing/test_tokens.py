"""The accounts' access tokens: encrypted at rest, rotated, write-only in the admin and the API."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from ministries.models import SocialAccount

from .conftest import account

pytestmark = pytest.mark.django_db

TOKEN = "vk1.a.SECRET-community-token-123"


def stored(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM ministries_socialaccount WHERE id = %s", [account_id])
        return cursor.fetchone()[0]


def test_the_database_never_holds_the_token_itself(settings):
    settings.GOVFEEDBACK_TOKEN_KEYS = [Fernet.generate_key().decode()]
    vk = account("vk", access_token=TOKEN)

    assert TOKEN not in stored(vk.pk) and stored(vk.pk)
    assert SocialAccount.objects.get(pk=vk.pk).access_token == TOKEN


def test_rotation_re_encrypts_with_the_first_key_so_the_old_one_can_go(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.GOVFEEDBACK_TOKEN_KEYS = [old]
    vk = account("vk", access_token=TOKEN)
    before = stored(vk.pk)

    settings.GOVFEEDBACK_TOKEN_KEYS = [new, old]
    call_command("rotate_tokens")
    settings.GOVFEEDBACK_TOKEN_KEYS = [new]

    assert stored(vk.pk) != before
    assert SocialAccount.objects.get(pk=vk.pk).access_token == TOKEN


def test_a_token_no_key_can_read_leaves_the_account_without_one(settings):
    settings.GOVFEEDBACK_TOKEN_KEYS = [Fernet.generate_key().decode()]
    vk = account("vk", access_token=TOKEN)
    settings.GOVFEEDBACK_TOKEN_KEYS = [Fernet.generate_key().decode()]

    assert SocialAccount.objects.get(pk=vk.pk).access_token == ""


def test_the_admin_never_shows_the_token_and_keeps_it_when_left_empty(client, operator):
    vk = account("vk", access_token=TOKEN)
    client.force_login(operator)
    url = reverse("admin:ministries_socialaccount_change", args=[vk.pk])

    page = client.get(url)
    assert page.status_code == 200 and TOKEN not in page.content.decode()

    form = {
        "platform": "vk",
        "kind": vk.kind,
        "title": vk.title,
        "handle": vk.handle,
        "external_id": vk.external_id,
        "is_active": "on",
        "answer_approval": "",
        "access_token": "",
        "webhook_secret": "",
        "confirmation_code": "",
    }
    assert client.post(url, form).status_code == 302
    assert SocialAccount.objects.get(pk=vk.pk).access_token == TOKEN

    assert client.post(url, {**form, "access_token": "new-token"}).status_code == 302
    assert SocialAccount.objects.get(pk=vk.pk).access_token == "new-token"


def test_the_api_takes_the_token_and_only_says_whether_it_is_set(client, operator):
    vk = account("vk", access_token=TOKEN)
    client.force_login(operator)
    url = f"/api/v1/accounts/{vk.pk}/"

    answer = client.get(url)
    assert answer.status_code == 200 and TOKEN not in answer.content.decode()
    assert answer.json()["has_access_token"] is True

    assert client.patch(url, {"access_token": "other"}, content_type="application/json").status_code == 200
    assert SocialAccount.objects.get(pk=vk.pk).access_token == "other"


def test_without_a_key_a_token_is_refused_with_a_reason_not_a_server_error(client, operator, settings):
    settings.GOVFEEDBACK_TOKEN_KEYS = []
    vk = account("vk", access_token="")
    client.force_login(operator)

    answer = client.patch(f"/api/v1/accounts/{vk.pk}/", {"access_token": "x"}, content_type="application/json")

    assert answer.status_code == 400 and "GOVFEEDBACK_TOKEN_KEYS" in answer.content.decode()
    assert SocialAccount.objects.get(pk=vk.pk).access_token == ""
