"""A duplicate's original is looked up in the scope of whoever marks it.

A head who could mark an appeal as a duplicate of another ministry's appeal would then receive
that ministry's answer on it, and the refusal told whether a number existed.
"""

import pytest
from django.test import Client
from django.urls import reverse

from appeals import services
from appeals.models import Appeal

from ..factories import AppealFactory


@pytest.fixture
def appeals(head_a, head_b, specialist_b):
    mine = services.assign(AppealFactory(text="Нет воды на ул. Ленина"), ministry=head_a.ministry)
    theirs = services.assign(AppealFactory(text="Нет воды на ул. Ленина, 5"), official=specialist_b)
    return mine, theirs


@pytest.mark.django_db
def test_it_refuses_another_ministrys_appeal_as_the_original_as_if_it_did_not_exist(appeals, head_a):
    mine, theirs = appeals
    missing = theirs.pk + 1000
    messages = []
    for number in (theirs.pk, missing):
        with pytest.raises(services.Refused) as refused:
            services.reject(mine, reason="duplicate", duplicate_of=number, actor=head_a.user)
        messages.append(refused.value.message.replace(str(number), "N"))
    assert messages[0] == messages[1]
    mine.refresh_from_db()
    assert mine.status == Appeal.Status.ASSIGNED and mine.duplicate_of_id is None


@pytest.mark.django_db
def test_it_never_passes_another_ministrys_answer_to_the_head(appeals, head_a, head_b):
    mine, theirs = appeals
    client = Client()
    client.force_login(head_a.user)
    response = client.post(
        reverse("admin:appeals_appeal_step", args=[mine.pk, "reject"]),
        {"reason": "duplicate", "duplicate_of": theirs.pk, "note": ""},
    )
    assert response.status_code == 200  # the form again, with the refusal
    services.resolve(theirs, answer="Воду дали в 18:00.", actor=head_b.user)
    mine.refresh_from_db()
    assert mine.first_answered_at is None and mine.status == Appeal.Status.ASSIGNED
    assert "Воду дали" not in "".join(mine.messages.values_list("text", flat=True))


@pytest.mark.django_db
def test_it_lets_the_api_refuse_it_the_same_way(appeals, head_a):
    from rest_framework.test import APIClient

    mine, theirs = appeals
    api = APIClient()
    api.force_authenticate(head_a.user)
    answers = [
        api.post(f"/api/v1/appeals/{mine.pk}/reject/", {"reason": "duplicate", "duplicate_of": number}, format="json")
        for number in (theirs.pk, theirs.pk + 1000)
    ]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json()["detail"].replace(str(theirs.pk), "N") == answers[1].json()["detail"].replace(
        str(theirs.pk + 1000), "N"
    )


@pytest.mark.django_db
def test_it_lets_an_operator_mark_a_duplicate_across_ministries(appeals, operator):
    mine, theirs = appeals
    services.reject(mine, reason="duplicate", duplicate_of=theirs.pk, actor=operator)
    mine.refresh_from_db()
    assert mine.duplicate_of_id == theirs.pk
