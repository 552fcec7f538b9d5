"""Links of a scheme other than http(s) are neither stored nor shown as links.

The audit's finding: a ``javascript:`` link from a batch or a CSV import (``link``, ``author_url``)
was stored and rendered in the appeal's page as ``<a href="javascript:…">``: one click by an
operator ran it with their session. Now the intake keeps the appeal and leaves out the link (the
batch answer says so), every platform builds its links from well-formed parts only, and the admin
shows a stored link as a link only when it is http(s).
"""

import io
import json

import pytest
from django.urls import reverse

from appeals import intake
from appeals.intake import batch
from appeals.models import Appeal

from ..api import token_for
from ..factories import AccountFactory, AppealFactory
from ..intake.conftest import meta_signature, post_json

UNSAFE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "http://",
    "https:alert(1)",
    "ftp://files.example/x",
    "https://vk.com/wall-1_1 onmouseover=alert(1)",
]
SAFE = ["https://vk.com/wall-170000001_42?reply=501", "http://example.ru/a?b=c#d", "HTTPS://T.ME/anna_k"]


@pytest.fixture
def vk_group(db):
    return AccountFactory(platform="vk", external_id="170000001", webhook_secret="vk-secret-1")


@pytest.mark.parametrize("value", UNSAFE)
def test_it_accepts_no_other_scheme(value):
    assert intake.safe_url(value) == ""


@pytest.mark.parametrize("value", SAFE)
def test_it_keeps_an_http_link(value):
    assert intake.safe_url(value) == value


@pytest.mark.django_db
def test_the_batch_api_keeps_the_appeal_and_leaves_out_the_link(client, operator, vk_group):
    item = {
        "platform": "vk",
        "account": "170000001",
        "external_id": "mon-1",
        "text": "Нет света в Сорске",
        "link": "javascript:alert(document.cookie)",
        "author_url": "data:text/html,<script>alert(1)</script>",
    }
    response = client.post(
        "/api/v1/intake/",
        {"items": [item]},
        content_type="application/json",
        headers={"Authorization": f"Token {token_for(operator)}"},
    )
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["outcome"] == "created"
    assert len(result["warnings"]) == 2 and "link" in result["warnings"][0] and "author_url" in result["warnings"][1]
    appeal = Appeal.objects.get()
    assert (appeal.permalink, appeal.author_url) == ("", "")


@pytest.mark.django_db
@pytest.mark.parametrize("value", UNSAFE)
def test_a_batch_item_keeps_the_appeal_and_no_unsafe_link(vk_group, value):
    row = {"platform": "vk", "account": "170000001", "external_id": "m-1", "text": "Яма на дороге"}
    (result,) = batch.ingest_items([{**row, "link": value, "author_url": "https://vk.com/id777"}])
    assert result["outcome"] == "created" and result["warnings"]
    appeal = Appeal.objects.get()
    assert (appeal.permalink, appeal.author_url) == ("", "https://vk.com/id777")


@pytest.mark.django_db
def test_the_appeal_page_shows_a_stored_unsafe_link_as_text(operator_client):
    # Stored before this fix (or by a path that skipped the intake): shown, never as a link.
    appeal = AppealFactory(
        permalink="javascript:alert(document.cookie)", author_url="JAVASCRIPT:alert(1)", author_name="Анна"
    )
    page = operator_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "javascript:" not in page.lower()
    assert "Анна" in page


@pytest.mark.django_db
def test_the_appeal_page_links_an_http_original(operator_client):
    appeal = AppealFactory(permalink="https://vk.com/wall-1_2", author_url="https://vk.com/id777")
    page = operator_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert 'href="https://vk.com/wall-1_2"' in page and 'href="https://vk.com/id777"' in page


@pytest.mark.django_db
class TestPlatformLinks:
    """Every platform builds its links from its ids and names: those must be well-formed."""

    def test_telegram_makes_no_link_of_a_malformed_username(self, client):
        AccountFactory(platform="telegram", external_id="300000001", webhook_secret="tg")
        update = {
            "update_id": 1,
            "message": {
                "message_id": 42,
                "date": 1764300000,
                "chat": {"id": -100123, "type": "supergroup", "username": "chat/../../evil"},
                "from": {"id": 9001, "first_name": "Анна", "username": "javascript:alert(1)"},
                "text": "Во дворе не убирают снег",
            },
        }
        post_json(client, "/intake/telegram/300000001/", update, **{"X-Telegram-Bot-Api-Secret-Token": "tg"})
        appeal = Appeal.objects.get()
        assert (appeal.permalink, appeal.author_url, appeal.author_name) == ("", "", "Анна")

    def test_instagram_and_facebook_make_no_link_of_malformed_names_and_ids(self, client):
        AccountFactory(platform="instagram", external_id="178414000", webhook_secret="meta")
        AccountFactory(platform="facebook", external_id="555000111", webhook_secret="meta")

        def signed(url, payload):
            body = json.dumps(payload).encode()
            post_json(client, url, body, **{"X-Hub-Signature-256": meta_signature(body, "meta")})

        comment = {"from": {"id": "1", "username": "a/../../b"}, "media": {"id": "1"}, "id": "17", "text": "Где?"}
        signed(
            "/intake/meta/178414000/",
            {"object": "instagram", "entry": [{"changes": [{"field": "comments", "value": comment}]}]},
        )
        feed = {
            "item": "comment",
            "verb": "add",
            "comment_id": "1_2?x=javascript:alert(1)",
            "post_id": "1",
            "message": "Когда?",
            "from": {"id": "@evil.example", "name": "Олег"},
        }
        signed(
            "/intake/meta/555000111/", {"object": "page", "entry": [{"changes": [{"field": "feed", "value": feed}]}]}
        )
        links = set(Appeal.objects.values_list("permalink", "author_url"))
        assert links == {("", "")}

    def test_odnoklassniki_links_only_a_numeric_profile(self, client):
        AccountFactory(platform="ok", external_id="200000001", webhook_secret="ok")
        for n, user in enumerate(["user:5720012", "user:٥٧٢", "user:1/../x"]):
            note = {
                "webhookType": "MESSAGE_CREATED",
                "sender": {"user_id": user, "name": "Ирина"},
                "recipient": {"chat_id": f"chat:C{n}"},
                "message": {"mid": f"mid.{n}", "text": "Нет связи"},
            }
            post_json(client, "/intake/ok/200000001/?secret=ok", note)
        assert sorted(Appeal.objects.values_list("author_url", flat=True)) == ["", "", "https://ok.ru/profile/5720012"]


@pytest.mark.django_db
def test_an_import_page_with_an_unsafe_link_still_imports(operator_client, vk_group):
    upload = io.BytesIO("platform;account;external_id;text;link\nvk;170000001;m-1;Яма;javascript:alert(1)\n".encode())
    upload.name = "monitoring.csv"
    response = operator_client.post(reverse("admin:appeals_appeal_import"), {"file": upload})
    assert [r["outcome"] for r in response.context["results"]] == ["created"]
    assert Appeal.objects.get().permalink == ""
