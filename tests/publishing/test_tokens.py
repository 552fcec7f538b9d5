"""The accounts' access tokens: encrypted at rest, rotated, write-only in the admin and the API."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from appeals.publishing import delivery
from appeals.publishing import platforms as platforms_module
from ministries import tokens
from ministries.models import SocialAccount

from ..factories import AppealFactory
from .conftest import account, appeal_on, queued

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
    assert tokens.reveal(SocialAccount.objects.get(pk=vk.pk).access_token) == TOKEN


def test_rotation_re_encrypts_with_the_first_key_so_the_old_one_can_go(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.GOVFEEDBACK_TOKEN_KEYS = [old]
    vk = account("vk", access_token=TOKEN)
    before = stored(vk.pk)

    settings.GOVFEEDBACK_TOKEN_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_tokens", stdout=out)
    assert out.getvalue().strip() == "1 токен доступа перешифрован первым ключом."
    settings.GOVFEEDBACK_TOKEN_KEYS = [new]

    assert stored(vk.pk) != before
    assert tokens.reveal(SocialAccount.objects.get(pk=vk.pk).access_token) == TOKEN


def test_a_token_no_key_can_read_fails_its_publication_with_a_reason_and_nothing_else(settings, platforms):
    settings.GOVFEEDBACK_TOKEN_KEYS = [Fernet.generate_key().decode()]
    appeal = appeal_on("vk", "wall_reply-170000001_80_1")
    vk = appeal.account
    vk.access_token = TOKEN
    vk.save()
    publication = queued(appeal)
    settings.GOVFEEDBACK_TOKEN_KEYS = [Fernet.generate_key().decode()]  # the old key removed too early

    appeal = type(appeal).objects.select_related("account").get(pk=appeal.pk)
    assert "GOVFEEDBACK_TOKEN_KEYS" in platforms_module.unanswerable_reason(appeal)
    delivery.publish_pending()
    publication.refresh_from_db()
    assert publication.status == "failed" and "GOVFEEDBACK_TOKEN_KEYS" in publication.last_error
    assert platforms.requests("vk") == []


def test_without_keys_in_production_every_query_that_loads_an_account_still_works(settings, client, operator):
    vk = account("vk", access_token=TOKEN)
    settings.GOVFEEDBACK_TOKEN_KEYS = []  # production, the variable forgotten
    assert [a.pk for a in SocialAccount.objects.filter(pk=vk.pk)] == [vk.pk]
    assert AppealFactory(account=vk).account.pk == vk.pk
    client.force_login(operator)
    assert client.get(reverse("admin:ministries_socialaccount_changelist")).status_code == 200
    page = client.get(reverse("admin:ministries_socialaccount_change", args=[vk.pk]))
    assert (
        page.status_code == 200
        and "ключи сервера (GOVFEEDBACK_TOKEN_KEYS) его не расшифровывают" in page.content.decode()
    )
    assert client.get(f"/api/v1/accounts/{vk.pk}/").json()["has_access_token"] is True


def test_saving_the_account_without_touching_the_token_keeps_its_ciphertext_byte_for_byte(settings, client, operator):
    vk = account("vk", access_token=TOKEN)
    before = stored(vk.pk)
    settings.GOVFEEDBACK_TOKEN_KEYS = [Fernet.generate_key().decode()]  # no key reads it now
    client.force_login(operator)
    url = reverse("admin:ministries_socialaccount_change", args=[vk.pk])
    form = {
        "platform": "vk",
        "kind": vk.kind,
        "title": "Переименовано",
        "handle": vk.handle,
        "external_id": vk.external_id,
        "is_active": "on",
        "answer_approval": "",
        "access_token": "",
        "webhook_secret": "",
        "confirmation_code": "",
    }
    assert client.post(url, form).status_code == 302
    assert stored(vk.pk) == before
    assert (
        client.patch(f"/api/v1/accounts/{vk.pk}/", {"title": "Снова"}, content_type="application/json").status_code
        == 200
    )
    assert stored(vk.pk) == before


@pytest.mark.parametrize(
    ("platform", "token"),
    [("telegram", "123456:tg SECRET"), ("telegram", "not-a-bot-token"), ("vk", "vk1.a.token\nX-Injected: 1")],
)
def test_a_token_with_spaces_or_the_wrong_shape_is_refused_on_save(client, operator, platform, token):
    acc = account(platform, access_token="")
    client.force_login(operator)
    answer = client.patch(f"/api/v1/accounts/{acc.pk}/", {"access_token": token}, content_type="application/json")
    assert answer.status_code == 400 and "access_token" in answer.json()
    url = reverse("admin:ministries_socialaccount_change", args=[acc.pk])
    form = {
        "platform": platform,
        "kind": acc.kind,
        "title": acc.title,
        "handle": acc.handle,
        "external_id": acc.external_id,
        "is_active": "on",
        "answer_approval": "",
        "access_token": token,
        "webhook_secret": "",
        "confirmation_code": "",
    }
    assert client.post(url, form).status_code == 200  # the form again, with the error
    assert not SocialAccount.objects.get(pk=acc.pk).access_token


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
    assert tokens.reveal(SocialAccount.objects.get(pk=vk.pk).access_token) == TOKEN

    assert client.post(url, {**form, "access_token": "new-token"}).status_code == 302
    assert tokens.reveal(SocialAccount.objects.get(pk=vk.pk).access_token) == "new-token"


def test_the_api_takes_the_token_and_only_says_whether_it_is_set(client, operator):
    vk = account("vk", access_token=TOKEN)
    client.force_login(operator)
    url = f"/api/v1/accounts/{vk.pk}/"

    answer = client.get(url)
    assert answer.status_code == 200 and TOKEN not in answer.content.decode()
    assert answer.json()["has_access_token"] is True

    assert client.patch(url, {"access_token": "other"}, content_type="application/json").status_code == 200
    assert tokens.reveal(SocialAccount.objects.get(pk=vk.pk).access_token) == "other"


def test_without_a_key_a_token_is_refused_with_a_reason_not_a_server_error(client, operator, settings):
    settings.GOVFEEDBACK_TOKEN_KEYS = []
    vk = account("vk", access_token="")
    client.force_login(operator)

    answer = client.patch(f"/api/v1/accounts/{vk.pk}/", {"access_token": "x"}, content_type="application/json")

    assert answer.status_code == 400 and "GOVFEEDBACK_TOKEN_KEYS" in answer.content.decode()
    assert not SocialAccount.objects.get(pk=vk.pk).access_token
