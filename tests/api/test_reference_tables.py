"""Topics, ministries, officials and social accounts: read within one's scope, changed only by
the press service; an account's webhook secret never leaves the server."""

import pytest
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from appeals.models import Topic
from ministries import roles
from ministries.models import Ministry, Official, SocialAccount

from ..factories import AccountFactory, MinistryFactory, OfficialFactory, UserFactory
from . import api_client

ROLES = ["operator", "head_a", "specialist_a", "head_b", "nobody", "anonymous"]
DENIED = {"anonymous": 401, "nobody": 403}


@pytest.fixture
def users(operator, head_a, specialist_a, head_b, specialist_b):
    return {
        "operator": operator,
        "head_a": head_a.user,
        "specialist_a": specialist_a.user,
        "head_b": head_b.user,
        "nobody": UserFactory(username="nobody", is_staff=True),
        "anonymous": None,
    }


def names(response, key) -> set:
    assert response.status_code == 200, response.content
    return {row[key] for row in response.json()["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
class TestReading:
    def test_topics_are_the_same_for_everybody_with_a_role(self, users, role):
        response = api_client(users[role]).get("/api/v1/topics/")
        if role in DENIED:
            assert response.status_code == DENIED[role]
            if role == "nobody":
                assert "пресс-службу" in response.json()["detail"]  # ask to be linked to an official
            return
        assert names(response, "code") == set(Topic.objects.values_list("code", flat=True))

    def test_ministries_within_ones_scope(self, users, role):
        response = api_client(users[role]).get("/api/v1/ministries/")
        if role in DENIED:
            assert response.status_code == DENIED[role]
            return
        expected = {"operator": {"Минстрой", "Минтранс"}, "head_b": {"Минтранс"}}.get(role, {"Минстрой"})
        assert names(response, "short_name") == expected

    def test_officials_within_ones_scope(self, users, role):
        response = api_client(users[role]).get("/api/v1/officials/")
        if role in DENIED:
            assert response.status_code == DENIED[role]
            return
        a_team, b_team = {"Иванова Мария", "Чебодаев Айдар"}, {"Сагалаков Олег", "Майнагашев Семён"}
        expected = {"operator": a_team | b_team, "head_b": b_team}.get(role, a_team)
        assert names(response, "full_name") == expected

    def test_accounts_only_for_the_press_service(self, users, role):
        AccountFactory(webhook_secret="s3cr3t-webhook", confirmation_code="c0nf1rm")
        response = api_client(users[role]).get("/api/v1/accounts/")
        if role == "operator":
            assert len(response.json()["results"]) == 1
            assert "s3cr3t" not in response.content.decode() and "c0nf1rm" not in response.content.decode()
        else:
            assert response.status_code == DENIED.get(role, 403)


@pytest.mark.django_db
class TestWriting:
    def test_an_operator_creates_and_changes_a_topic(self, operator):
        api = api_client(operator)
        created = api.post(
            "/api/v1/topics/", {"code": "health", "name": "Здравоохранение", "sla_hours": 48, "sla_mode": "working"}
        )
        assert created.status_code == 201, created.content
        topic = Topic.objects.get(code="health")
        assert (topic.sla_hours, topic.sla_mode) == (48, "working")
        changed = api.patch(f"/api/v1/topics/{topic.pk}/", {"sla_hours": 12, "pause_when_awaiting": False})
        assert changed.status_code == 200 and changed.json()["sla_hours"] == 12
        topic.refresh_from_db()
        assert (topic.sla_hours, topic.pause_when_awaiting) == (12, False)

    def test_a_topic_needs_a_positive_deadline_and_a_unique_code(self, operator):
        api = api_client(operator)
        response = api.post("/api/v1/topics/", {"code": "ecology", "name": "Экология", "sla_hours": 0})
        assert response.status_code == 400 and set(response.json()) == {"code", "sla_hours"}

    def test_nobody_deletes_a_topic(self, operator, topics):
        response = api_client(operator).delete(f"/api/v1/topics/{topics['other'].pk}/")
        assert response.status_code == 405 and Topic.objects.filter(code="other").exists()

    @pytest.mark.parametrize("role", ["head_a", "specialist_a"])
    def test_officials_cannot_change_the_reference_tables(self, users, role, topics, ministry_a, specialist_a):
        api = api_client(users[role])
        attempts = [
            api.post("/api/v1/topics/", {"code": "x", "name": "X"}),
            api.patch(f"/api/v1/topics/{topics['other'].pk}/", {"sla_hours": 1}),
            api.post("/api/v1/ministries/", {"name": "Минздрав", "slug": "minzdrav"}),
            api.patch(f"/api/v1/ministries/{ministry_a.pk}/", {"email": "x@example.ru"}),
            api.post("/api/v1/officials/", {"ministry": ministry_a.pk, "full_name": "Новый Сотрудник"}),
            api.patch(f"/api/v1/officials/{specialist_a.pk}/", {"role": "head"}),
            api.post("/api/v1/accounts/", {"platform": "vk", "external_id": "1", "kind": "head"}),
        ]
        assert [r.status_code for r in attempts] == [403] * len(attempts)
        assert attempts[0].json() == {"detail": _("Only the press service can change this.")}
        assert not Topic.objects.filter(code="x").exists() and Topic.objects.get(code="other").sla_hours == 24
        assert (
            not Ministry.objects.filter(slug="minzdrav").exists() and not Ministry.objects.get(pk=ministry_a.pk).email
        )
        assert Official.objects.get(pk=specialist_a.pk).role == "specialist"

    def test_an_operator_manages_ministries_and_officials(self, operator, ministry_a, specialist_a):
        api = api_client(operator)
        created = api.post("/api/v1/ministries/", {"name": "Министерство здравоохранения", "slug": "minzdrav"})
        assert created.status_code == 201, created.content
        hired = api.post("/api/v1/officials/", {"ministry": created.json()["id"], "full_name": "Боргоякова Ирина"})
        assert hired.status_code == 201 and Official.objects.get(full_name="Боргоякова Ирина").role == "specialist"
        # The head of a ministry must work in it.
        refused = api.patch(f"/api/v1/ministries/{ministry_a.pk}/", {"head": hired.json()["id"]})
        assert refused.status_code == 400 and "head" in refused.json()
        assert api.patch(f"/api/v1/ministries/{ministry_a.pk}/", {"head": specialist_a.pk}).status_code == 200

    def test_promoting_an_official_moves_their_login_to_the_heads(self, operator, specialist_a):
        response = api_client(operator).patch(f"/api/v1/officials/{specialist_a.pk}/", {"role": "deputy"})
        assert response.status_code == 200
        groups = set(specialist_a.user.groups.values_list("name", flat=True))
        assert groups == {roles.HEADS_GROUP}
        assert Group.objects.get(name=roles.SPECIALISTS_GROUP).user_set.count() == 0

    def test_an_accounts_secret_is_written_but_never_shown(self, operator):
        api = api_client(operator)
        created = api.post(
            "/api/v1/accounts/",
            {"platform": "vk", "external_id": "2100", "kind": "ministry_group", "webhook_secret": "s3cr3t"},
        )
        assert created.status_code == 201, created.content
        account = SocialAccount.objects.get(external_id="2100")
        assert account.webhook_secret == "s3cr3t"
        changed = api.patch(f"/api/v1/accounts/{account.pk}/", {"confirmation_code": "c0nf1rm", "title": "Группа"})
        shown = api.get(f"/api/v1/accounts/{account.pk}/")
        for response in (created, changed, shown):
            body = response.content.decode()
            assert "s3cr3t" not in body and "c0nf1rm" not in body
            assert "webhook_secret" not in response.json() and "confirmation_code" not in response.json()
        account.refresh_from_db()
        assert (account.confirmation_code, account.title) == ("c0nf1rm", "Группа")


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 35])
@pytest.mark.parametrize("url", ["/api/v1/topics/", "/api/v1/ministries/", "/api/v1/officials/", "/api/v1/accounts/"])
def test_each_list_runs_a_fixed_number_of_queries(operator, django_assert_num_queries, url, rows):
    Topic.objects.all().delete()
    for n in range(rows):
        ministry = MinistryFactory()
        Topic.objects.create(code=f"topic{n}", name=f"Тема {n}", default_ministry=ministry)
        official = OfficialFactory(ministry=ministry)
        ministry.head = official
        ministry.save()
        AccountFactory(ministry=ministry, official=official)
    api = api_client(operator)
    # 1 the token with its user, 2 the user's role, 3 the count, 4 the page (related rows are
    # shown by id, nothing is fetched per row).
    with django_assert_num_queries(4):
        response = api.get(url)
    assert response.json()["count"] == rows
