"""One appeal's page: the source, the history, routing through the services, the next steps."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent

from ..factories import AppealFactory


def change_url(appeal):
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


def step_url(appeal, step):
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, step])


# The management forms of the read-only inlines (history, notifications).
INLINES = {
    f"{prefix}-{field}": "0"
    for prefix in ["messages", "events", "notifications"]
    for field in ["TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"]
}


def routing_form(appeal, **changes):
    data = {
        "topic": appeal.topic_id or "",
        "ministry": appeal.ministry_id or "",
        "assignee": appeal.assignee_id or "",
        **INLINES,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
class TestChangePage:
    def test_it_shows_the_source_with_a_link_to_the_original_and_the_history(self, operator_client, specialist_a):
        appeal = AppealFactory(permalink="https://vk.com/wall-1_2?reply=3", author_url="https://vk.com/id77")
        services.assign(appeal, official=specialist_a)
        html = operator_client.get(change_url(appeal)).content.decode()
        assert 'href="https://vk.com/wall-1_2?reply=3"' in html
        assert 'href="https://vk.com/id77"' in html
        assert "Иванова Мария" in html  # in the history: assigned to the specialist

    def test_it_offers_only_the_allowed_next_steps(self, operator_client):
        open_appeal = AppealFactory()
        html = operator_client.get(change_url(open_appeal)).content.decode()
        assert step_url(open_appeal, "resolve") in html
        assert step_url(open_appeal, "reopen") not in html
        closed = AppealFactory(status=Appeal.Status.RESOLVED, resolved_at=timezone.now(), answer="Ответ")
        html = operator_client.get(change_url(closed)).content.decode()
        assert step_url(closed, "reopen") in html
        assert step_url(closed, "resolve") not in html

    def test_routing_on_the_page_goes_through_the_services(self, operator, operator_client, specialist_a):
        appeal = AppealFactory()
        response = operator_client.post(
            change_url(appeal), routing_form(appeal, ministry=specialist_a.ministry_id, assignee=specialist_a.pk)
        )
        assert response.status_code == 302
        appeal.refresh_from_db()
        assert (appeal.assignee, appeal.status) == (specialist_a, Appeal.Status.ASSIGNED)
        assert appeal.events.get().actor == operator

    def test_it_refuses_an_assignee_from_another_ministry_on_the_page(self, operator_client, ministry_a, specialist_b):
        appeal = AppealFactory()
        response = operator_client.post(
            change_url(appeal), routing_form(appeal, ministry=ministry_a.pk, assignee=specialist_b.pk)
        )
        assert response.status_code == 200
        assert "Сагалаков Олег" in str(response.context["adminform"].form.non_field_errors())
        appeal.refresh_from_db()
        assert (appeal.ministry, appeal.assignee) == (None, None)
        assert not appeal.events.exists()

    def test_a_forged_post_cannot_change_the_status_or_the_deadline(self, operator_client):
        appeal = AppealFactory()
        due = appeal.due_at
        operator_client.post(change_url(appeal), routing_form(appeal, status="resolved", due_at_0="01.01.2030"))
        appeal.refresh_from_db()
        assert (appeal.status, appeal.due_at) == (Appeal.Status.NEW, due)

    def test_an_operator_enters_an_appeal_from_a_phone_call(self, operator_client, topics):
        response = operator_client.post(
            reverse("admin:appeals_appeal_add"),
            {
                "text": "Звонок: в с. Аскиз не работает уличное освещение",
                "author_name": "Пётр Сазанаков",
                "received_at_0": timezone.localtime().strftime("%d.%m.%Y"),
                "received_at_1": timezone.localtime().strftime("%H:%M:%S"),
                "account": "",
                "topic": topics["housing_utilities_landscaping"].pk,
                "ministry": "",
                "assignee": "",
                **INLINES,
            },
        )
        assert response.status_code == 302
        appeal = Appeal.objects.get()
        assert (appeal.account, appeal.external_id, appeal.author_name) == (None, "", "Пётр Сазанаков")
        assert appeal.events.get().kind == AppealEvent.Kind.CREATED

    def test_it_answers_404_for_a_missing_appeal(self, operator_client):
        assert operator_client.get(step_url(AppealFactory.build(pk=987654), "resolve")).status_code == 404


@pytest.mark.django_db
class TestSteps:
    def test_it_resolves_with_an_answer(self, operator, operator_client):
        appeal = AppealFactory()
        response = operator_client.post(step_url(appeal, "resolve"), {"answer": "Вода подана", "answer_url": ""})
        assert response.status_code == 302
        appeal.refresh_from_db()
        assert (appeal.status, appeal.answer) == (Appeal.Status.RESOLVED, "Вода подана")
        assert appeal.events.get().actor == operator

    def test_it_refuses_an_illegal_step_with_a_message_and_changes_nothing(self, operator_client):
        appeal = services.reject(AppealFactory(), reason="spam")
        response = operator_client.post(step_url(appeal, "resolve"), {"answer": "Ответ"})
        assert response.status_code == 200
        assert "отклонено" in str(response.context["form"].non_field_errors())
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.REJECTED

    def test_it_extends_the_deadline_from_the_page(self, operator_client):
        appeal = AppealFactory(due_at=timezone.now() + timedelta(hours=1))
        later = timezone.localtime() + timedelta(days=4)
        operator_client.post(
            step_url(appeal, "extend"),
            {"due_at_0": later.strftime("%d.%m.%Y"), "due_at_1": later.strftime("%H:%M:%S"), "reason": "Экспертиза"},
        )
        appeal.refresh_from_db()
        assert appeal.extension_reason == "Экспертиза"
        assert appeal.due_at > timezone.now() + timedelta(days=3)

    def test_it_answers_404_for_an_unknown_step(self, operator_client):
        assert operator_client.get(step_url(AppealFactory(), "explode")).status_code == 404

    def test_a_user_without_a_role_cannot_even_see_the_step(self, client, django_user_model):
        appeal = AppealFactory()
        user = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
        client.force_login(user)
        response = client.post(step_url(appeal, "resolve"), {"answer": "Ответ"})
        assert response.status_code == 404
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.NEW
