"""Erasing a citizen's data (152-FZ) leaves no copy: not in a batch or file that carried it
among other citizens' messages, not in a platform's redelivery, not in what people searched."""

import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import unquote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import retention, services
from appeals.intake import Draft
from appeals.models import Appeal, InboundEvent
from audit.models import AccessLog

from ..api import api_client
from ..factories import AccountFactory

NAME = "Олег Боргояков"


def batch_item(account, n, name, text):
    return {
        "platform": account.platform,
        "account": account.external_id,
        "external_id": f"m{n}",
        "author_name": name,
        "author_external_id": f"id{n}00000",
        "text": text,
    }


@pytest.fixture
def account(db):
    return AccountFactory(platform="vk", external_id="170000001")


def erase(appeal, operator):
    services.anonymise_citizen(appeal, reason="Заявление №15 от 01.12.2026", actor=operator)


@pytest.mark.django_db
def test_it_erases_a_batch_that_carried_the_citizen_among_others(account, operator):
    items = [batch_item(account, 1, "Анна Кызласова", "Нет воды"), batch_item(account, 2, NAME, "Яма у дома 5")]
    response = api_client(operator).post("/api/v1/intake/", {"items": items}, format="json")
    assert response.status_code == 200
    event = InboundEvent.objects.get(platform="batch")
    mine = Appeal.objects.get(author_name=NAME)
    assert NAME.encode() in bytes(event.body)
    erase(mine, operator)
    event.refresh_from_db()
    assert NAME.encode() not in bytes(event.body) and event.redacted_at is not None


@pytest.mark.django_db
def test_it_erases_an_imported_file_that_carried_the_citizen(account, operator):
    content = (
        "platform,account,external_id,author_name,author_external_id,text\n"
        f"vk,{account.external_id},m1,Анна Кызласова,id100000,Нет воды\n"
        f"vk,{account.external_id},m2,{NAME},id200000,Яма у дома 5\n"
    ).encode()
    client = Client()
    client.force_login(operator)
    upload = SimpleUploadedFile("monitoring.csv", content, content_type="text/csv")
    assert client.post(reverse("admin:appeals_appeal_import"), {"file": upload}).status_code == 200
    erase(Appeal.objects.get(author_name=NAME), operator)
    assert NAME.encode() not in bytes(InboundEvent.objects.get(platform="import").body)


@pytest.mark.django_db
def test_it_erases_the_platforms_redeliveries_of_the_webhook(account, operator):
    body = json.dumps({"type": "wall_reply_new", "event_id": "e1", "object": {"from_id": 9, "text": NAME}}).encode()
    first = InboundEvent.objects.create(platform="vk", account=account, body=body, dedup_key="e1", authenticated=True)
    again = InboundEvent.objects.create(
        platform="vk", account=account, body=body, dedup_key="e1", authenticated=True, outcome="duplicate"
    )
    _outcome, appeal = services.receive_message(
        account, Draft(external_id="9_1", text="Яма", author_name=NAME, author_external_id="9")
    )
    first.appeals.add(appeal)
    first.appeal = appeal
    first.save()
    erase(appeal, operator)
    for event in (first, again):
        event.refresh_from_db()
        assert bytes(event.body) == b"" and event.redacted_at is not None


@pytest.mark.django_db
def test_it_erases_the_citizens_name_from_what_people_searched(account, operator):
    _outcome, appeal = services.receive_message(
        account, Draft(external_id="9_1", text="Яма", author_name=NAME, author_external_id="455000111")
    )
    client = Client()
    client.force_login(operator)
    for query in ("Боргояков", "боргояков", "455000111", "Олег Боргояков"):
        client.get(reverse("admin:appeals_appeal_changelist"), {"q": query})
    client.get(reverse("admin:appeals_appeal_export"), {"format": "csv", "q": "Боргояков"})
    searched = " ".join(AccessLog.objects.filter(action__in=["list", "export"]).values_list("detail", flat=True))
    assert "Боргояков" in unquote_plus(searched)  # the searches that found the appeal were logged
    erase(appeal, operator)
    details = " ".join(AccessLog.objects.values_list("detail", flat=True))
    for word in ("Боргояков", "боргояков", "455000111", "Олег"):
        assert word not in unquote_plus(details), details


@pytest.mark.django_db
def test_it_forgets_old_searches_at_the_end_of_the_retention_period(operator, settings):
    old = AccessLog.objects.create(action="list", detail="/admin/appeals/appeal/?q=Боргояков", count=1)
    AccessLog.objects.filter(pk=old.pk).update(
        at=timezone.now() - timedelta(days=settings.GOVFEEDBACK_RETENTION_DAYS + 1)
    )
    recent = AccessLog.objects.create(action="list", detail="/admin/appeals/appeal/?q=Кызласова", count=1)
    retention.anonymise_expired()
    old.refresh_from_db(), recent.refresh_from_db()
    assert old.detail == "/admin/appeals/appeal/?" and "Кызласова" in recent.detail


def fb_comments(*senders):
    """One Meta delivery with a comment of each sender: several citizens in one raw request."""
    changes = [
        {
            "field": "feed",
            "value": {
                "item": "comment",
                "verb": "add",
                "comment_id": f"111_{n}",
                "post_id": "555000111_1",
                "parent_id": "555000111_1",
                "message": f"Жалоба номер {n}",
                "from": {"id": sender_id, "name": name},
                "created_time": 1764300000,
            },
        }
        for n, (sender_id, name) in enumerate(senders)
    ]
    return {"object": "page", "entry": [{"id": "555000111", "time": 1764300000, "changes": changes}]}


@pytest.mark.django_db
def test_it_erases_a_webhook_that_carried_the_citizen_among_others(client, operator, ministry_a):
    AccountFactory(platform="facebook", external_id="555000111", ministry=ministry_a, webhook_secret="meta-secret")
    body = json.dumps(fb_comments(("9911", "Анна Кызласова"), ("9922", NAME)), ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(b"meta-secret", body, hashlib.sha256).hexdigest()
    response = client.post(
        "/intake/meta/555000111/", body, content_type="application/json", headers={"X-Hub-Signature-256": signature}
    )
    assert response.status_code == 200
    event = InboundEvent.objects.get(platform="meta")
    assert Appeal.objects.count() == 2 and event.appeals.count() == 2
    erase(Appeal.objects.get(author_name=NAME), operator)
    event.refresh_from_db()
    assert NAME.encode() not in bytes(event.body) and event.redacted_at is not None
