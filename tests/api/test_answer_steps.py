"""The answer's steps through the API (draft, submit, approve, return, retry, confirm, delete), scoped
as every step: another ministry's appeal does not exist (404), a refusal is a 400 in Russian."""

import pytest

from appeals import services
from appeals.models import AnswerTemplate, AppealEvent, Publication
from ministries.models import SocialAccount

from ..appeals.test_answering import appeal_for, vk_group
from . import api_client

pytestmark = pytest.mark.django_db
Answer = Publication.Status
Kind = AppealEvent.Kind


def post(user, appeal, path, body=None):
    return api_client(user).post(f"/api/v1/appeals/{appeal.pk}/{path}/", body or {}, format="json")


def test_draft_from_a_template_submit_return_resubmit_approve(specialist_a, operator):
    appeal = appeal_for(specialist_a, account=vk_group(specialist_a.ministry, kind=SocialAccount.Kind.HEAD))
    template = AnswerTemplate.objects.create(title="Работы", text="{имя}, работы пройдут {дата_работ}.")
    drafted = post(specialist_a.user, appeal, "draft", {"template": template.pk, "works_date": "2026-12-05"})
    assert drafted.status_code == 200, drafted.json()
    assert Publication.objects.get().text == "Анна Кызласова, работы пройдут 05.12.2026."

    assert post(specialist_a.user, appeal, "submit").status_code == 200
    assert Publication.objects.get().status == Answer.AWAITING_APPROVAL
    refused = post(specialist_a.user, appeal, "approve")
    assert refused.status_code == 400 and "пресс-служба" in refused.json()["detail"]

    assert post(operator, appeal, "return", {"comment": "Добавьте номер"}).status_code == 200
    post(specialist_a.user, appeal, "draft", {"text": "{имя}, по обращению №{номер} работы пройдут 5 декабря."})
    post(specialist_a.user, appeal, "submit")
    approved = post(operator, appeal, "approve", {"text": ""})
    assert approved.status_code == 200
    publication = Publication.objects.get()
    assert (publication.status, publication.text) == (
        Answer.QUEUED,
        f"Анна Кызласова, по обращению №{appeal.pk} работы пройдут 5 декабря.",
    )

    listed = api_client(specialist_a.user).get(f"/api/v1/appeals/{appeal.pk}/publications/").json()
    assert [(row["status"], row["status_label"]) for row in listed] == [("queued", "в очереди на публикацию")]


def test_the_resolve_step_queues_the_publication(specialist_a):
    appeal = appeal_for(specialist_a)
    response = post(specialist_a.user, appeal, "resolve", {"answer": "Воду подали."})
    assert response.status_code == 200
    # Open until the platform confirms the answer.
    assert (response.json()["status"], response.json()["answer_url"]) == ("in_progress", "")
    assert Publication.objects.get().status == Answer.QUEUED
    services.record_published(Publication.objects.get(), external_id="9", url="https://vk.com/wall-1_10?reply=9")
    again = api_client(specialist_a.user).get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert again["status"] == "resolved"
    assert again["answer_url"] == "https://vk.com/wall-1_10?reply=9" and again["first_answered_at"]


def test_another_ministrys_template_is_as_absent_as_a_missing_one(specialist_a, ministry_b):
    appeal = appeal_for(specialist_a)
    theirs = AnswerTemplate.objects.create(title="Секретный шаблон Б", text="Текст", ministry=ministry_b)
    response = post(specialist_a.user, appeal, "draft", {"template": theirs.pk})
    assert response.status_code == 400 and "Секретный шаблон Б" not in response.content.decode()
    assert not Publication.objects.exists()


def test_refusals_are_400_in_russian_and_change_nothing(specialist_a):
    appeal = appeal_for(specialist_a)
    too_long = post(specialist_a.user, appeal, "reply", {"text": "я" * 5000})
    assert too_long.status_code == 400 and "не больше 4096 символов" in too_long.json()["detail"]
    unfilled = post(specialist_a.user, appeal, "draft", {"text": "Срок: {дата_работ}"})
    assert unfilled.status_code == 200  # a draft may wait for the date …
    submitted = post(specialist_a.user, appeal, "submit")
    assert submitted.status_code == 400 and "Заполните {дата_работ}" in submitted.json()["detail"]
    assert Publication.objects.get().status == Answer.DRAFT  # … and is never queued without it


def test_retry_and_confirm(specialist_a):
    appeal = appeal_for(specialist_a)
    post(specialist_a.user, appeal, "reply", {"text": "Ответ"})
    services.record_publication_unknown(Publication.objects.get(), reason="Нет ответа")
    refused = post(specialist_a.user, appeal, "retry")
    assert refused.status_code == 400 and "Неизвестно, опубликован ли ответ" in refused.json()["detail"]
    confirmed = post(specialist_a.user, appeal, "confirm-published", {"url": "https://vk.com/wall-1_10?reply=3"})
    assert confirmed.status_code == 200
    assert Publication.objects.get().status == Answer.PUBLISHED


@pytest.mark.parametrize(
    "path,body",
    [
        ("draft", {"text": "Ответ"}),
        ("submit", {}),
        ("approve", {}),
        ("return", {"comment": "Нет"}),
        ("retry", {"checked": True}),
        ("confirm-published", {"url": "https://vk.com/x"}),
        ("cancel-draft", {}),
        ("dismiss-reaction", {}),
    ],
)
def test_another_ministrys_appeal_does_not_exist(specialist_a, head_b, path, body):
    appeal = appeal_for(specialist_a)
    services.draft_answer(appeal, text="Черновик", actor=specialist_a.user)
    events = appeal.events.count()
    assert post(head_b.user, appeal, path, body).status_code == 404
    assert api_client(head_b.user).get(f"/api/v1/appeals/{appeal.pk}/publications/").status_code == 404
    assert appeal.events.count() == events and Publication.objects.get().text == "Черновик"


def test_the_steps_are_in_the_schema(operator):
    schema = api_client(operator).get("/api/schema/").content.decode()
    for path in ("draft", "submit", "approve", "return", "retry", "confirm-published", "cancel-draft", "publications"):
        assert f"/api/v1/appeals/{{id}}/{path}/" in schema
