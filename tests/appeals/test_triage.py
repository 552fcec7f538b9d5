"""Triage in one step: the topic and the ministry (a head: the official) set together by one
service, from a compact page that opens the next appeal, from the appeal's page («save and open the
next new») and as one bulk action; the classifier's suggestion shown below the threshold, and the
routing rules' disagreement said."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent, RoutingRule

from ..factories import AppealFactory

TRIAGE = reverse("admin:appeals_appeal_triage")
LIST = reverse("admin:appeals_appeal_changelist")
GARBAGE = "В Абакане не вывозят мусор с контейнерной площадки на ул. Щетинкина уже неделю"


def triage_one(appeal):
    return reverse("admin:appeals_appeal_triage_one", args=[appeal.pk])


def change_url(appeal):
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


@pytest.fixture
def queue():
    """Three new appeals in no ministry, by deadline."""
    now = timezone.now()
    return [AppealFactory(text=GARBAGE, due_at=now + timedelta(hours=hours)) for hours in (2, 5, 9)]


@pytest.mark.django_db
class TestService:
    def test_it_sets_the_topic_and_the_ministry_together_with_both_events(self, operator, topics, ministry_a):
        appeal = services.triage(AppealFactory(), topic=topics["waste_reform"], ministry=ministry_a, actor=operator)
        appeal.refresh_from_db()
        assert (appeal.topic, appeal.ministry, appeal.status) == (
            topics["waste_reform"],
            ministry_a,
            Appeal.Status.ASSIGNED,
        )
        kinds = list(appeal.events.filter(actor=operator).values_list("kind", flat=True))
        assert kinds == [AppealEvent.Kind.TOPIC_SET, AppealEvent.Kind.ASSIGNED]

    def test_a_refused_assignment_changes_the_topic_neither(self, operator, topics, ministry_a, specialist_b):
        appeal = AppealFactory()
        with pytest.raises(services.Refused):
            services.triage(appeal, topic=topics["ecology"], ministry=ministry_a, official=specialist_b, actor=operator)
        appeal.refresh_from_db()
        assert (appeal.topic, appeal.ministry) == (None, None)
        assert not appeal.events.exists()

    def test_a_head_sets_the_topic_and_the_official_within_the_ministry(self, head_a, specialist_a, ministry_a, topics):
        appeal = services.assign(AppealFactory(), ministry=ministry_a)
        services.triage(appeal, topic=topics["ecology"], official=specialist_a, actor=head_a.user)
        appeal.refresh_from_db()
        assert (appeal.topic, appeal.assignee) == (topics["ecology"], specialist_a)

    def test_it_needs_something_to_set(self, operator):
        with pytest.raises(services.Refused, match="Выберите"):
            services.triage(AppealFactory(), actor=operator)


@pytest.mark.django_db
class TestTriagePage:
    def test_it_opens_the_first_of_the_queue_and_then_the_next_in_one_page_load(
        self, operator_client, queue, topics, ministry_a
    ):
        first, second, _third = queue
        page = operator_client.get(TRIAGE)
        assert page.context["appeal"] == first
        # One click saves and the answer is the next appeal's page: one redirect, no other page.
        response = operator_client.post(
            TRIAGE,
            {"topic": topics["waste_reform"].pk, "ministry": ministry_a.pk, "assignee": "", "_next": "1"},
            follow=True,
        )
        first_saved = Appeal.objects.get(pk=first.pk)
        assert (first_saved.topic, first_saved.ministry) == (topics["waste_reform"], ministry_a)
        assert len(response.redirect_chain) == 1
        assert response.context["appeal"] == second
        assert f"Обращение №{first.pk} распределено." in response.content.decode()

    def test_skipping_opens_the_next_and_the_end_comes_back_to_the_start(self, operator_client, queue):
        first, second, third = queue
        assert operator_client.get(TRIAGE, {"after": first.pk}).context["appeal"] == second
        assert operator_client.get(TRIAGE, {"after": third.pk}).context["appeal"] == first

    def test_an_empty_queue_sends_back_to_the_list_with_a_message(self, operator_client):
        response = operator_client.get(TRIAGE, follow=True)
        assert response.redirect_chain[-1][0] == f"{LIST}?queue=triage"
        assert "очередь пуста" in response.content.decode()

    def test_the_classifiers_suggestion_below_the_threshold_is_preselected_and_marked(
        self, operator_client, queue, settings
    ):
        settings.GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE = 0.999  # above any confidence here: a suggestion
        page = operator_client.get(triage_one(queue[0]))
        html = page.content.decode()
        assert "Классификатор предлагает «" in html
        assert "ниже порога 100 %" in html
        assert page.context["advice"].topic is not None and not page.context["advice"].sure
        assert page.context["form"].initial["topic"] == page.context["advice"].topic

    def test_with_the_classifier_routing_nothing_by_itself_the_suggestion_says_so(self, operator_client, queue):
        # The tests' threshold (tests/conftest.py) is 200 %: a threshold no confidence reaches is not shown as one.
        html = operator_client.get(triage_one(queue[0])).content.decode()
        assert "сам он здесь не распределяет" in html
        assert "порога" not in html

    def test_the_rules_ministry_is_preselected_and_a_disagreement_is_said(
        self, operator_client, topics, ministry_a, ministry_b
    ):
        RoutingRule.objects.create(name="Экология → Минтранс", topic=topics["ecology"], ministry=ministry_b)
        appeal = AppealFactory(topic=topics["ecology"])
        page = operator_client.get(triage_one(appeal))
        assert page.context["form"].initial["ministry"] == ministry_b.pk
        assert page.context["routing_rules"][str(topics["ecology"].pk)]["ministry"] == ministry_b.pk
        # On the appeal's page, routed elsewhere: the form says the rules disagree.
        services.assign(appeal, ministry=ministry_a)
        html = operator_client.get(change_url(appeal)).content.decode()
        assert "По правилу маршрутизации «Экология → Минтранс» такие обращения направляются в Минтранс." in html

    def test_a_head_routes_within_the_ministry_and_sees_the_officials_load(
        self, client, head_a, specialist_a, ministry_a, topics
    ):
        appeal = services.assign(AppealFactory(), ministry=ministry_a)
        services.assign(AppealFactory(), official=specialist_a)
        client.force_login(head_a.user)
        page = client.get(TRIAGE)
        assert page.context["appeal"] == appeal
        assert "ministry" not in page.context["form"].fields
        assert "Иванова М. · 1 открытое" in page.content.decode()
        client.post(TRIAGE, {"topic": topics["roads_transport"].pk, "assignee": specialist_a.pk, "_save": "1"})
        appeal.refresh_from_db()
        assert (appeal.topic, appeal.assignee) == (topics["roads_transport"], specialist_a)

    def test_it_is_scoped(self, client, operator_client, head_b, specialist_a, ministry_a):
        appeal = services.assign(AppealFactory(), ministry=ministry_a)
        assert operator_client.get(triage_one(appeal)).status_code == 200
        client.force_login(head_b.user)
        assert client.get(triage_one(appeal)).status_code == 404  # another ministry's
        client.force_login(specialist_a.user)
        assert client.get(TRIAGE).status_code == 403  # specialists do not route

    def test_a_refusal_is_shown_and_changes_nothing(self, operator_client, queue, topics, ministry_a, specialist_b):
        response = operator_client.post(
            triage_one(queue[0]),
            {"topic": topics["ecology"].pk, "ministry": ministry_a.pk, "assignee": specialist_b.pk, "_next": "1"},
        )
        assert response.status_code == 200
        assert "Сагалаков Олег" in str(response.context["form"].non_field_errors())
        queue[0].refresh_from_db()
        assert (queue[0].topic, queue[0].ministry) == (None, None)

    def test_the_page_runs_a_fixed_number_of_queries(self, operator_client, django_assert_num_queries, topics):
        for n in range(5):
            RoutingRule.objects.create(name=f"Правило {n}", keywords=f"слово{n}", ministry_id=_ministry(n))
        AppealFactory.create_batch(3)
        # 1 session, 2 user, 3 role, 4-5 permissions, 6 the appeal (account, topic, ministry and
        # assignee joined), 7 the topics (the classifier's code, the rules per topic), 8 the routing
        # rules, 9 the routing model in use (none trained here), 10 how many more wait (capped),
        # 11 the bell's notices, 12 the topics and 13 the ministries as the form's choices.
        with django_assert_num_queries(13):
            response = operator_client.get(TRIAGE)
        assert response.status_code == 200


def _ministry(n):
    from ..factories import MinistryFactory

    return MinistryFactory(name=f"Ведомство {n}", short_name=f"В{n}", slug=f"v{n}").pk


@pytest.mark.django_db
class TestAppealPage:
    def test_save_and_open_the_next_new(self, operator_client, queue, topics, ministry_a):
        first, second, _third = queue
        data = {
            "topic": topics["waste_reform"].pk,
            "ministry": ministry_a.pk,
            "assignee": "",
            "_savenext": "1",
            **{
                f"{prefix}-{field}": "0"
                for prefix in ["messages", "events", "notifications"]
                for field in ["TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"]
            },
        }
        response = operator_client.post(change_url(first), data)
        assert response["Location"] == change_url(second)
        first.refresh_from_db()
        assert (first.topic, first.ministry) == (topics["waste_reform"], ministry_a)
        assert 'name="_savenext"' in operator_client.get(change_url(second)).content.decode()


@pytest.mark.django_db
class TestBulk:
    def test_one_action_sets_the_topic_and_the_ministry_and_its_page_lists_the_appeals(
        self, operator_client, queue, topics, ministry_a
    ):
        selected = {"action": "bulk_triage", "_selected_action": [a.pk for a in queue], "index": 0}
        page = operator_client.post(LIST, selected).content.decode()
        for appeal in queue:
            assert f'href="{change_url(appeal)}">{appeal.pk}</a>' in page
        assert GARBAGE[:40] in page
        operator_client.post(
            LIST, {**selected, "apply": "1", "topic": topics["waste_reform"].pk, "ministry": ministry_a.pk}
        )
        routed = Appeal.objects.filter(topic=topics["waste_reform"], ministry=ministry_a)
        assert set(routed.values_list("pk", flat=True)) == {a.pk for a in queue}


@pytest.mark.django_db
def test_the_routing_models_suggestions_are_shown_with_their_confidence(
    monkeypatch, operator_client, queue, ministry_a, specialist_a
):
    """The routing model (appeals.routing_model) suggests ministries and officials once trained; its
    first suggestion is preselected and each one fills the form in one click."""
    from appeals import routing_model

    suggested = [routing_model.Suggestion(ministry=ministry_a, official=specialist_a, confidence=0.72)]
    monkeypatch.setattr(routing_model, "suggest", lambda appeal, k=3: suggested[:k])
    page = operator_client.get(triage_one(queue[0]))
    html = page.content.decode()
    assert "Модель маршрутизации предлагает" in html
    assert f'data-ministry="{ministry_a.pk}" data-official="{specialist_a.pk}"' in html
    assert "Минстрой — Иванова Мария · 72 %" in html
    assert page.context["form"].initial["ministry"] == ministry_a.pk


@pytest.mark.django_db
def test_the_list_links_each_row_waiting_for_routing_to_its_routing_page(
    operator_client, client, head_a, ministry_a, specialist_a
):
    new = AppealFactory()
    routed = services.assign(AppealFactory(), ministry=ministry_a)
    assigned = services.assign(AppealFactory(), official=specialist_a)
    html = operator_client.get(LIST).content.decode()
    assert f'href="{triage_one(new)}">распределить</a>' in html
    assert triage_one(routed) not in html and triage_one(assigned) not in html
    client.force_login(head_a.user)
    html = client.get(LIST, {"queue": "open"}).content.decode()
    assert f'href="{triage_one(routed)}">назначить</a>' in html
    assert triage_one(assigned) not in html
