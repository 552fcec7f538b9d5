"""The admin pages for ministries, officials, accounts, topics and the history."""

import pytest
from django.urls import reverse

from appeals import services
from ministries.models import SocialAccount
from notifications import jobs

from ..factories import AccountFactory, AppealFactory, MinistryFactory, OfficialFactory


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_the_officials_list_runs_a_fixed_number_of_queries(operator_client, django_assert_num_queries, rows):
    ministry = MinistryFactory()
    OfficialFactory.create_batch(rows, ministry=ministry)
    # 1 session, 2 user, 3-4 permissions, 5 the user's role, 6 ministries for the filter, 7 count of the
    # filtered list, 8 count of the whole list (small tables show it), 9 the page with ministry and login,
    # 10 the bell in the header.
    with django_assert_num_queries(10):
        response = operator_client.get(reverse("admin:ministries_official_changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_the_ministries_list_runs_a_fixed_number_of_queries(operator_client, django_assert_num_queries, rows):
    for _ in range(rows):
        ministry = MinistryFactory()
        ministry.head = OfficialFactory(ministry=ministry)
        ministry.save()
    # 1 session, 2 user, 3-4 permissions, 5 the user's role, 6-7 counts (filtered, whole), 8 the page
    # with each head joined, 9 the bell in the header.
    with django_assert_num_queries(9):
        response = operator_client.get(reverse("admin:ministries_ministry_changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_the_accounts_list_runs_a_fixed_number_of_queries(operator_client, django_assert_num_queries, rows):
    ministry = MinistryFactory()
    AccountFactory.create_batch(rows, ministry=ministry, kind=SocialAccount.Kind.MINISTRY_GROUP)
    # 1 session, 2 user, 3-4 permissions, 5 the user's role, 6 ministries for the filter, 7-8 counts
    # (filtered, whole), 9 the page with ministry and official joined, 10 the bell in the header.
    with django_assert_num_queries(10):
        response = operator_client.get(reverse("admin:ministries_socialaccount_changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.django_db
def test_the_topics_list_shows_the_five_topics_with_their_deadlines(operator_client, django_assert_num_queries):
    # 1 session, 2 user, 3-4 permissions, 5 the classifier's figures (predicted and corrected in one
    # aggregate), 6-7 counts (filtered, whole), 8 topics with default ministry (topics are not
    # scoped: no role query but the bell's), 9 the user's role and 10 the notices for the bell in the
    # header.
    with django_assert_num_queries(10):
        html = operator_client.get(reverse("admin:appeals_topic_changelist")).content.decode()
    for name in ["ЖКХ и благоустройство", "Мусорная реформа", "Дороги и транспорт", "Экология", "Прочее"]:
        assert name in html


@pytest.mark.django_db
def test_the_classifiers_accuracy_in_practice_counts_operators_corrections(operator, operator_client, topics):
    from appeals.models import Appeal

    for code in ["ecology", "ecology", "waste_reform", "other"]:
        appeal = AppealFactory()
        services.set_topic(appeal, topic=topics[code])  # the classifier (no actor)
    wrong = Appeal.objects.filter(topic__code="other").get()
    services.set_topic(wrong, topic=topics["roads_transport"], actor=operator)  # an operator corrects it
    event = wrong.events.filter(actor=operator).get()
    assert event.data["correction"]["predicted"] == "other"
    response = operator_client.get(reverse("admin:appeals_topic_changelist"))
    assert response.context["classifier"] == {"predicted": 4, "corrected": 1, "accuracy": 75.0}


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_the_history_list_runs_a_fixed_number_of_queries(operator_client, django_assert_num_queries, rows):
    for appeal in AppealFactory.create_batch(rows):
        services.comment(appeal, note="Позвонили заявителю")
    # 1 session, 2 user, 3-4 permissions, 5 the user's role, 6 capped count, 7 the page of events,
    # 8 the bell in the header.
    with django_assert_num_queries(8):
        response = operator_client.get(reverse("admin:appeals_appealevent_changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.django_db
def test_the_history_cannot_be_edited_or_deleted(operator_client):
    event = services.comment(AppealFactory(), note="Позвонили заявителю")
    url = reverse("admin:appeals_appealevent_change", args=[event.pk])
    operator_client.post(url, {"note": "Переписано"})
    operator_client.post(reverse("admin:appeals_appealevent_delete", args=[event.pk]), {"post": "yes"})
    event.refresh_from_db()
    assert event.note == "Позвонили заявителю"


@pytest.mark.django_db
def test_officials_autocomplete_offers_active_officials_only(operator_client, ministry_a):
    OfficialFactory(ministry=ministry_a, full_name="Кызласов Активный")
    OfficialFactory(ministry=ministry_a, full_name="Кызласов Уволенный", is_active=False)
    response = operator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "appeals", "model_name": "appeal", "field_name": "assignee", "term": "Кызласов"},
    )
    names = [result["text"] for result in response.json()["results"]]
    assert names == ["Кызласов Активный"]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_the_notifications_list_runs_a_fixed_number_of_queries(operator_client, django_assert_num_queries, rows):
    from notifications.models import Notification

    appeal = AppealFactory()
    Notification.objects.bulk_create(
        Notification(appeal=appeal, kind="overdue", address=f"n{i}@example.ru") for i in range(rows)
    )
    # 1 session, 2 user, 3-4 permissions, 5 the user's role, 6 capped count, 7 the page of notifications,
    # 8 the bell in the header.
    with django_assert_num_queries(8):
        response = operator_client.get(reverse("admin:notifications_notification_changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.django_db
def test_the_appeal_page_shows_both_clocks_and_the_reminders(operator_client, specialist_a):
    from datetime import timedelta

    from django.utils import timezone

    specialist_a.email = "ivanova@minstroy.example"
    specialist_a.save()
    appeal = AppealFactory(
        ministry=specialist_a.ministry,
        assignee=specialist_a,
        due_at=timezone.now() - timedelta(hours=1),
        first_answer_due_at=timezone.now() - timedelta(hours=2),
    )
    jobs.flag_overdue()
    html = operator_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "gf-deadline-overdue" in html  # the resolution clock, and the first answer not given in time
    assert html.count("gf-deadline-overdue") >= 2
    assert "ivanova@minstroy.example" in html  # the overdue reminder in the notifications inline
