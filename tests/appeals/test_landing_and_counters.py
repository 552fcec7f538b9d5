"""Everyone lands on their work: the queue after logging in, the role's counters above the list,
«assigned to me» open by deadline, the columns that fit a 1,366 px screen."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import services

from ..factories import AppealFactory, OfficialFactory, UserFactory

LIST = reverse("admin:appeals_appeal_changelist")
PASSWORD = "correct horse battery staple"  # tests/factories.py UserFactory


def log_in(username, next_url="/admin/"):
    return Client().post(f"/admin/login/?next={next_url}", {"username": username, "password": PASSWORD})


def counters(response) -> dict:
    return {str(label): figure for label, figure, *_rest in response.context["counters"]}


def counter_links(response) -> dict:
    return {str(label): query for label, _figure, query, *_rest in response.context["counters"]}


@pytest.mark.django_db
class TestLanding:
    def test_each_role_lands_on_their_queue_not_on_the_index(self, operator, head_a, specialist_a):
        assert log_in("operator")["Location"] == f"{LIST}?queue=triage"
        assert log_in("head_a")["Location"] == f"{LIST}?queue=open"
        assert log_in("spec_a")["Location"] == f"{LIST}?queue=mine"

    def test_an_address_asked_for_is_kept(self, operator):
        appeal = AppealFactory()
        wanted = reverse("admin:appeals_appeal_change", args=[appeal.pk])
        assert log_in("operator", wanted)["Location"] == wanted

    def test_a_login_without_a_role_lands_on_the_index(self, db):
        UserFactory(username="clerk", is_staff=True)
        assert log_in("clerk")["Location"] == reverse("admin:index")

    def test_the_index_keeps_every_section_and_lists_the_queues(self, operator_client):
        html = operator_client.get(reverse("admin:index")).content.decode()
        assert "Моя работа" in html
        assert f'href="{LIST}?queue=triage"' in html
        assert reverse("admin:appeals_appeal_triage") in html
        assert reverse("admin:appeals_topic_changelist") in html  # everything else is still there
        assert reverse("admin:ministries_official_changelist") in html

    def test_the_triage_queue_is_the_new_unrouted_by_deadline(self, operator_client, ministry_a):
        now = timezone.now()
        later = AppealFactory(due_at=now + timedelta(hours=20))
        sooner = AppealFactory(due_at=now + timedelta(hours=2))
        services.assign(AppealFactory(), ministry=ministry_a)
        response = operator_client.get(LIST, {"queue": "triage"})
        assert [a.pk for a in response.context["cl"].result_list] == [sooner.pk, later.pk]


@pytest.mark.django_db
class TestCounters:
    def test_the_operator_counts_the_new_unrouted(self, operator_client, ministry_a):
        AppealFactory.create_batch(2)
        services.assign(AppealFactory(), ministry=ministry_a)
        response = operator_client.get(LIST, {"queue": "open"})
        assert counters(response)["новые, не распределены"] == 2
        assert counters(response)["открыто"] == 3
        assert counter_links(response)["новые, не распределены"] == "?queue=triage"

    def test_a_head_counts_the_appeals_without_an_assignee(self, client, head_a, specialist_a, ministry_a):
        services.assign(AppealFactory(), official=specialist_a)
        services.assign(AppealFactory(), ministry=ministry_a)
        client.force_login(head_a.user)
        response = client.get(LIST, {"queue": "open"})
        assert counters(response) == {
            "открыто": 2,
            "без исполнителя": 1,
            "срок сегодня": counters(response)["срок сегодня"],
            "просрочено": 0,
            "срок продлён": 0,
        }

    def test_a_specialists_counters_are_their_own_and_keep_mine(self, client, specialist_a, ministry_a):
        colleague = OfficialFactory(ministry=ministry_a, full_name="Коллега Пётр")
        now = timezone.now()
        own_overdue = services.assign(AppealFactory(due_at=now - timedelta(hours=3)), official=specialist_a)
        services.assign(AppealFactory(due_at=now + timedelta(days=3)), official=specialist_a)
        for _ in range(3):
            services.assign(AppealFactory(due_at=now - timedelta(hours=5)), official=colleague)
        client.force_login(specialist_a.user)
        response = client.get(LIST, {"queue": "mine"})
        assert counters(response) == {"мои открытые": 2, "срок сегодня": 0, "просрочено": 1}
        links = counter_links(response)
        assert all("queue=mine" in query for query in links.values())
        overdue = client.get(LIST + links["просрочено"])
        assert [a.pk for a in overdue.context["cl"].result_list] == [own_overdue.pk]

    def test_the_counter_shown_is_marked(self, operator_client):
        AppealFactory()
        html = operator_client.get(LIST, {"deadline": "overdue"}).content.decode()
        assert 'class="gf-counter gf-counter-overdue gf-counter-current"' in html


@pytest.mark.django_db
class TestMine:
    def test_assigned_to_me_is_open_by_deadline_and_closed_only_on_request(self, client, specialist_a):
        now = timezone.now()
        late = services.assign(AppealFactory(due_at=now + timedelta(hours=30)), official=specialist_a)
        soon = services.assign(AppealFactory(due_at=now + timedelta(hours=3)), official=specialist_a)
        done = services.resolve(
            services.assign(AppealFactory(due_at=now + timedelta(hours=1)), official=specialist_a), answer="Сделано"
        )
        client.force_login(specialist_a.user)
        mine = client.get(LIST, {"queue": "mine"})
        assert [a.pk for a in mine.context["cl"].result_list] == [soon.pk, late.pk]
        closed = client.get(LIST, {"queue": "mine_closed"})
        assert [a.pk for a in closed.context["cl"].result_list] == [done.pk]
        assert "мои закрытые" in mine.content.decode()


@pytest.mark.django_db
class TestColumns:
    def test_the_ministry_column_is_only_the_press_services(self, operator_client, client, head_a, ministry_a):
        services.assign(AppealFactory(), ministry=ministry_a)
        assert "column-ministry" in operator_client.get(LIST).content.decode()
        client.force_login(head_a.user)
        html = client.get(LIST, {"queue": "open"}).content.decode()
        assert "column-ministry" not in html and "column-source" not in html
        assert "column-assignee_name" in html

    def test_a_specialists_own_queue_has_no_assignee_column(self, client, specialist_a):
        services.assign(AppealFactory(), official=specialist_a)
        client.force_login(specialist_a.user)
        assert "column-assignee_name" not in client.get(LIST, {"queue": "mine"}).content.decode()
        assert "column-assignee_name" in client.get(LIST, {"queue": "open"}).content.decode()

    @pytest.mark.parametrize("rows", [1, 60])
    def test_a_heads_and_a_specialists_queues_run_a_fixed_number_of_queries(
        self, client, head_a, specialist_a, django_assert_num_queries, rows
    ):
        for _ in range(rows):
            services.assign(AppealFactory(), official=specialist_a)
        # 1 session, 2 user, 3 the user's role, 4-5 the user's and the groups' permissions,
        # 6 the capped counts (the list and the role's counters in one query), 7 the page of appeals
        # (account, topic, ministry and assignee joined), 8 topics for the filter, 9 the bell's
        # notices (notifications), 10 the access log entry; a head's list also reads 11 the
        # ministry's officials (the assignee filter).
        client.force_login(specialist_a.user)
        with django_assert_num_queries(10):
            response = client.get(LIST, {"queue": "mine"})
        assert len(response.context["cl"].result_list) == min(rows, 50)
        client.force_login(head_a.user)
        with django_assert_num_queries(11):
            response = client.get(LIST, {"queue": "open"})
        assert len(response.context["cl"].result_list) == min(rows, 50)
