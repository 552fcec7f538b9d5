"""Who sees and changes which appeals through the API, for every role (like the admin's matrix).

Roles: the press-service operator, the head of ministry A, a specialist of A, the head of
ministry B, a staff login with no role (403 everywhere) and an anonymous visitor (401).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal, AppealEvent

from . import api_client, ids, make_world

ROLES = ["operator", "head_a", "specialist_a", "head_b", "nobody", "anonymous"]
APPEALS = ["a_mine", "a_other", "b", "unrouted"]

# Which appeals each role sees.
VISIBLE = {
    "operator": {"a_mine", "a_other", "b", "unrouted"},
    "head_a": {"a_mine", "a_other"},
    "specialist_a": {"a_mine", "a_other"},
    "head_b": {"b"},
    "nobody": set(),
    "anonymous": set(),
}
# Which appeals each role may resolve (a step a specialist may take on their own appeal).
RESOLVABLE = {**VISIBLE, "specialist_a": {"a_mine"}}
# Which appeals each role may extend (heads and operators only).
EXTENDABLE = {**RESOLVABLE, "specialist_a": set()}
# Without a login: 401 (with "WWW-Authenticate: Token"); with a login but no role: 403.
DENIED = {"anonymous": 401, "nobody": 403}


@pytest.fixture
def world(operator, head_a, specialist_a, head_b, specialist_b):
    return make_world(operator, head_a, specialist_a, head_b, specialist_b)


def client_for(world, role):
    return api_client(world["users"][role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
class TestMatrix:
    def test_the_list(self, world, role):
        response = client_for(world, role).get("/api/v1/appeals/")
        if role in DENIED:
            assert response.status_code == DENIED[role]
            return
        assert {row["id"] for row in response.json()["results"]} == ids(world, VISIBLE[role])

    def test_the_detail_history_and_messages(self, world, role):
        client = client_for(world, role)
        for name in APPEALS:
            for suffix in ["", "history/", "messages/"]:
                response = client.get(f"/api/v1/appeals/{world[name].pk}/{suffix}")
                if role in DENIED:
                    assert response.status_code == DENIED[role]
                elif name in VISIBLE[role]:
                    assert response.status_code == 200, (name, suffix)
                else:
                    assert response.status_code == 404, (name, suffix)
                    assert world[name].text not in response.content.decode()

    def test_resolving(self, world, role):
        client = client_for(world, role)
        for name in APPEALS:
            response = client.post(f"/api/v1/appeals/{world[name].pk}/resolve/", {"answer": "Готово"})
            if role in DENIED:
                assert response.status_code == DENIED[role]
            elif name in RESOLVABLE[role]:
                assert response.status_code == 200 and response.json()["status"] == "resolved"
            elif name in VISIBLE[role]:
                # Visible but not theirs: the service refuses and says why.
                assert response.status_code == 400 and response.json()["detail"]
            else:
                assert response.status_code == 404
        resolved = set(Appeal.objects.filter(status="resolved").values_list("pk", flat=True))
        assert resolved == ids(world, RESOLVABLE[role])
        assert AppealEvent.objects.filter(kind="resolved").count() == len(RESOLVABLE[role])

    def test_extending(self, world, role):
        client = client_for(world, role)
        due_at = (timezone.now() + timedelta(days=30)).isoformat()
        for name in APPEALS:
            client.post(f"/api/v1/appeals/{world[name].pk}/extend/", {"due_at": due_at, "reason": "Комиссия"})
        extended = set(Appeal.objects.exclude(extension_reason="").values_list("pk", flat=True))
        assert extended == ids(world, EXTENDABLE[role])

    def test_assigning_to_the_specialist_of_a(self, world, role):
        """Everybody tries to give every appeal to the specialist of A."""
        client = client_for(world, role)
        target = world["a_mine"].assignee_id
        before = dict(Appeal.objects.values_list("pk", "assignee_id"))
        for name in APPEALS:
            client.post(f"/api/v1/appeals/{world[name].pk}/assign/", {"official": target})
        changed = {pk for pk, assignee in Appeal.objects.values_list("pk", "assignee_id") if before[pk] != assignee}
        expected = {"operator": {"a_other", "b", "unrouted"}, "head_a": {"a_other"}}.get(role, set())
        assert changed == ids(world, expected)

    def test_the_steps_offered(self, world, role):
        response = client_for(world, role).get("/api/v1/appeals/")
        if role in DENIED:
            return
        steps = {row["id"]: set(row["allowed_steps"]) for row in response.json()["results"]}
        for name in VISIBLE[role]:
            offered = steps[world[name].pk]
            if role == "specialist_a":
                own = {"start", "ask_citizen", "reply", "resolve", "comment"}
                # and the answer to publish: drafted, submitted, deleted, published again, confirmed
                own |= {"draft_answer", "submit_answer", "cancel_answer", "retry_answer", "confirm_answer"}
                expected = own if name == "a_mine" else set()
            else:
                expected = set(world[name].allowed_steps())
            assert offered == expected, name


@pytest.mark.django_db
def test_a_specialist_works_only_on_their_own_appeals(world):
    client = client_for(world, "specialist_a")
    steps = [
        ("start", {}),
        ("ask", {"question": "Уточните адрес"}),
        ("reply", {"text": "Передано в ведомство"}),
        ("comment", {"note": "Позвонила"}),
        ("resolve", {"answer": "Готово"}),
    ]
    other = world["a_other"]
    for step, payload in steps:
        response = client.post(f"/api/v1/appeals/{other.pk}/{step}/", payload)
        assert response.status_code == 400, step
        assert "другому" in response.json()["detail"] or "свои" in response.json()["detail"]
    assert not AppealEvent.objects.filter(appeal=other).exclude(kind="assigned").exists()
    mine = world["a_mine"]
    for step, payload in steps:
        assert client.post(f"/api/v1/appeals/{mine.pk}/{step}/", payload).status_code == 200, step
    kinds = list(AppealEvent.objects.filter(appeal=mine).values_list("kind", flat=True))
    assert kinds == ["assigned", "started", "awaiting_citizen", "replied", "commented", "resolved"]
    for step, payload in [
        ("extend", {"due_at": "2099-01-01T12:00:00", "reason": "Нужно"}),
        ("reopen", {"reason": "x"}),
    ]:
        response = client.post(f"/api/v1/appeals/{mine.pk}/{step}/", payload)
        assert response.status_code == 400 and response.json()["detail"], step


@pytest.mark.django_db
def test_the_head_of_b_cannot_read_or_touch_an_appeal_of_a(world):
    client = client_for(world, "head_b")
    appeal = world["a_other"]
    for step, payload in [("resolve", {"answer": "x"}), ("comment", {"note": "x"}), ("start", {})]:
        assert client.post(f"/api/v1/appeals/{appeal.pk}/{step}/", payload).status_code == 404
    assert client.get(f"/api/v1/appeals/?q={appeal.pk}").json()["results"] == []
    appeal.refresh_from_db()
    assert appeal.status == "assigned" and appeal.events.count() == 1
