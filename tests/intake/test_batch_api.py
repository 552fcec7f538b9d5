"""POST /api/v1/intake/: monitoring systems deliver batches with an operator's token."""

import pytest

from appeals.models import Appeal, InboundEvent

from ..api import token_for

URL = "/api/v1/intake/"


def items():
    return [
        {
            "platform": "vk",
            "account": "170000001",
            "external_id": "mon-1",
            "text": "Нет света в Сорске",
            "author_name": "Мониторинг",
            "written_at": "2026-11-29T10:00:00+07:00",
            "link": "https://vk.com/wall-1_1",
        },
        {"platform": "vk", "account": "170000001", "external_id": "mon-1", "text": "Нет света в Сорске"},
        {"platform": "vk", "account": "nope", "external_id": "mon-2", "text": "Текст"},
        {"platform": "vk", "account": "170000001", "external_id": 5, "text": "Неверный тип"},
    ]


@pytest.mark.django_db
def test_a_batch_is_stored_and_each_item_answered(client, operator, vk_group):
    token = token_for(operator)
    response = client.post(
        URL, {"items": items()}, content_type="application/json", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["created", "duplicate", "error", "error"]
    assert Appeal.objects.get().municipality.name == "Сорск"
    event = InboundEvent.objects.get(platform="batch")
    assert event.reason == "created: 1, duplicate: 1, error: 2"


@pytest.mark.django_db
def test_only_the_press_service_delivers(client, head_a, vk_group):
    token = token_for(head_a.user)
    response = client.post(
        URL, {"items": items()}, content_type="application/json", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 403
    assert client.post(URL, {"items": []}, content_type="application/json").status_code == 401
    assert not Appeal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"items": "no"}, {"items": [{}] * 1001}, ["not", "an", "object"]])
def test_a_malformed_batch_is_a_clear_400_and_stored(client, operator, body):
    token = token_for(operator)
    response = client.post(URL, body, content_type="application/json", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 400
    assert InboundEvent.objects.get().outcome == "rejected"


@pytest.mark.django_db
def test_nul_characters_are_dropped_not_a_server_error(client, operator, vk_group):
    # PostgreSQL text cannot hold NUL: schemathesis found this 500 before the fix.
    token = token_for(operator)
    item = {
        "platform": "vk",
        "account": "170000001",
        "external_id": "nul\x00-1",
        "text": "Нет\x00 воды",
        "author_name": "\x00",
    }
    response = client.post(
        URL, {"items": [item]}, content_type="application/json", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert (appeal.text, appeal.external_id) == ("Нет воды", "nul-1")
