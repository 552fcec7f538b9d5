"""Replaying a stored event after a fix; importing appeals from files; concurrent redelivery."""

import io
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from appeals.intake import batch, processing
from appeals.models import Appeal, InboundEvent

from .conftest import post_json, replay_in_admin
from .test_vk import URL, event, wall_reply


@pytest.mark.django_db
def test_an_operator_replays_an_event_that_failed(client, operator_client, vk_group, monkeypatch):
    # A bug in processing: the event is stored and VK still gets its "ok" (no 500).
    from appeals import services

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "receive_message", broken)
    assert post_json(client, URL, event("wall_reply_new", wall_reply())).content == b"ok"
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.authenticated) == ("received", True)
    assert stored.needs_a_person() and stored.reason.startswith("Обработка не удалась (RuntimeError: a bug)")
    assert not Appeal.objects.exists()
    # The sweep does not retry a failure over and over: it waits for the operator.
    assert processing.process_pending(now=stored.received_at + timedelta(hours=1)) == 0
    monkeypatch.undo()  # the fix is deployed
    replay_in_admin(operator_client, stored)
    stored.refresh_from_db()
    assert stored.outcome == "created" and Appeal.objects.count() == 1


@pytest.mark.django_db
def test_an_event_with_a_wrong_secret_cannot_be_replayed(client, operator_client, vk_group):
    post_json(client, URL, event("wall_reply_new", wall_reply(), secret="guess"))
    stored = InboundEvent.objects.get()
    replay_in_admin(operator_client, stored)
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_only_operators_see_the_raw_payloads(client, head_a, vk_group):
    post_json(Client(), URL, event("wall_reply_new", wall_reply()))
    client.force_login(head_a.user)
    assert client.get(reverse("admin:appeals_inboundevent_changelist")).status_code == 403


def rows():
    return [
        {
            "platform": "vk",
            "account": "170000001",
            "external_id": "tw-1",
            "text": "Нет света на ул. Ленина",
            "author_name": "Монитор",
            "written_at": "2026-11-29T10:00:00+07:00",
        },
        {"platform": "vk", "account": "170000001", "external_id": "tw-1", "text": "Нет света на ул. Ленина"},
        {"platform": "vk", "account": "unknown", "external_id": "tw-2", "text": "Текст"},
        {"platform": "vk", "account": "170000001", "external_id": "", "text": "Без id"},
        {"platform": "vk", "account": "170000001", "external_id": "tw-3", "text": "Дата", "written_at": "вчера"},
        "not an object",
    ]


@pytest.mark.django_db
def test_a_batch_answers_each_item(vk_group):
    results = batch.ingest_items(rows())
    assert [r["outcome"] for r in results] == ["created", "duplicate", "error", "error", "error", "error"]
    assert "unknown" in results[2]["error"] and "external_id" in results[3]["error"]
    assert Appeal.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_operator_imports_a_file(operator_client, vk_group, kind):
    if kind == "csv":
        content = "platform;account;external_id;author_name;text\nvk;170000001;m-1;Иван;Яма на дороге\n"
        upload = io.BytesIO(content.encode("utf-8-sig"))
    else:
        book = Workbook()
        book.active.append(["platform", "account", "external_id", "author_name", "text"])
        book.active.append(["vk", 170000001, "m-1", "Иван", "Яма на дороге"])
        upload = io.BytesIO()
        book.save(upload)
        upload.seek(0)
    upload.name = f"monitoring.{kind}"
    response = operator_client.post(reverse("admin:appeals_appeal_import"), {"file": upload})
    assert response.status_code == 200
    assert [r["outcome"] for r in response.context["results"]] == ["created"]
    assert Appeal.objects.get().text == "Яма на дороге"
    assert InboundEvent.objects.get(platform="import").reason == "created: 1"


@pytest.mark.django_db
def test_a_damaged_file_gets_a_clear_error(operator_client):
    upload = io.BytesIO(b"PK\x03\x04 not really a workbook")
    upload.name = "broken.xlsx"
    response = operator_client.post(reverse("admin:appeals_appeal_import"), {"file": upload})
    assert "XLSX" in str(response.context["form"].errors["file"])
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_a_head_cannot_import(client, head_a):
    client.force_login(head_a.user)
    assert client.get(reverse("admin:appeals_appeal_import")).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_five_deliveries_at_once_make_one_appeal(vk_group):
    barrier, statuses = threading.Barrier(5), []

    def deliver():
        try:
            barrier.wait()
            statuses.append(post_json(Client(), URL, event("wall_reply_new", wall_reply())).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 5
    assert Appeal.objects.count() == 1
    outcomes = sorted(InboundEvent.objects.values_list("outcome", flat=True))
    assert outcomes == ["created", "duplicate", "duplicate", "duplicate", "duplicate"]
