"""Likely duplicates: suggested, confirmed with one click, answered through the original."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appeals import duplicates, services
from appeals.models import Appeal, AppealEvent

from ..factories import AccountFactory, AppealFactory

TEXT = "В Черногорске на улице Советской третий день нет горячей воды, дети моются холодной водой"


@pytest.mark.django_db
def test_the_same_complaint_on_another_network_is_suggested(ministry_a):
    now = timezone.now()
    vk, telegram = AccountFactory(platform="vk"), AccountFactory(platform="telegram")
    original = AppealFactory(account=vk, text=TEXT, received_at=now - timedelta(hours=5), ministry=ministry_a)
    copy = AppealFactory(account=telegram, text="Повторно пишу! " + TEXT.lower(), received_at=now, ministry=ministry_a)
    AppealFactory(text="Яма на дороге в Абакане у школы", received_at=now)  # a different problem
    AppealFactory(text=TEXT, received_at=now - timedelta(days=30))  # too long ago
    found = duplicates.candidates(copy)
    assert [candidate.appeal for candidate in found] == [original]
    assert found[0].similarity > 0.4


@pytest.mark.django_db
def test_an_operator_confirms_with_one_click_and_the_duplicate_learns_of_the_answer(operator, operator_client):
    now = timezone.now()
    original = AppealFactory(text=TEXT, received_at=now - timedelta(hours=2))
    copy = AppealFactory(text=TEXT + "!!!", received_at=now)
    page = operator_client.get(reverse("admin:appeals_appeal_change", args=[copy.pk])).content.decode()
    assert reverse("admin:appeals_appeal_confirm_duplicate", args=[copy.pk, original.pk]) in page
    operator_client.post(reverse("admin:appeals_appeal_confirm_duplicate", args=[copy.pk, original.pk]))
    copy.refresh_from_db()
    assert (copy.status, copy.rejection_reason, copy.duplicate_of) == ("rejected", "duplicate", original)
    services.resolve(
        original,
        answer="Подача горячей воды восстановлена",
        answer_url="https://vk.com/wall-1_1?reply=3",
        actor=operator,
    )
    copy.refresh_from_db()
    # Its citizen was not answered: its clock does not stop, its conversation gets nothing; its
    # history says the original's answer was published, with the link.
    assert copy.first_answered_at is None and not copy.messages.exists()
    told = copy.events.get(kind=AppealEvent.Kind.ORIGINAL_ANSWERED)
    assert (told.note, told.data) == (
        "Подача горячей воды восстановлена",
        {"original": original.pk, "answer_url": "https://vk.com/wall-1_1?reply=3"},
    )


@pytest.mark.django_db
def test_a_head_cannot_confirm_duplicates_of_another_ministry(client, head_b, ministry_a):
    first, second = AppealFactory(text=TEXT, ministry=ministry_a), AppealFactory(text=TEXT, ministry=ministry_a)
    client.force_login(head_b.user)
    response = client.post(reverse("admin:appeals_appeal_confirm_duplicate", args=[second.pk, first.pk]))
    assert response.status_code == 404
    assert not Appeal.objects.filter(status="rejected").exists()


@pytest.mark.django_db
def test_the_list_of_likely_duplicates(operator_client):
    AppealFactory(text=TEXT, received_at=timezone.now() - timedelta(hours=1))
    AppealFactory(text=TEXT)
    response = operator_client.get(reverse("admin:appeals_appeal_duplicates"))
    assert len(response.context["rows"]) == 2


def test_the_evaluation_prints_precision_and_recall(tmp_path, capsys):
    rows = [
        ("Нет горячей воды в доме номер пять по улице Ленина уже неделю", "housing_utilities_landscaping"),
        ("Яма на дороге у школы номер три, машины бьют колёса", "roads_transport"),
        ("Не вывозят мусор с контейнерной площадки на Пушкина", "waste_reform"),
        ("Во дворе не горят фонари, темно и страшно ходить", "housing_utilities_landscaping"),
        ("Автобус номер семь не ходит по расписанию утром", "roads_transport"),
    ]
    path = tmp_path / "set.csv"
    path.write_text("text,topic5\n" + "\n".join(f'"{t}",{c}' for t, c in rows), encoding="utf-8")
    call_command("duplicates_eval", csv=str(path), pairs=50)
    result = json.loads(capsys.readouterr().out)
    assert result["pairs"] == {"positive": 50, "negative": 50}
    assert 0 <= result["recall"] <= 1 and result["precision"] is not None
