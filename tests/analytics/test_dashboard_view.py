"""The dashboard page: who sees which figures, the list's filters, bad periods, exports, queries."""

import io
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from analytics import snapshots
from analytics.models import DashboardSnapshot

from ..factories import AppealFactory, UserFactory
from .conftest import NOW

URL = reverse("admin:analytics_dashboard")
FORTNIGHT = {"period": "custom", "from": "2026-11-09", "to": "2026-11-15"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cards(response) -> dict:
    figures = response.context["figures"]
    return {"received": figures.received, "resolved": figures.resolved, "overdue": figures.overdue_now}


@pytest.mark.django_db
def test_the_operator_sees_the_whole_government(fortnight, operator, ministry_a, ministry_b):
    response = login(operator).get(URL, FORTNIGHT)
    assert response.status_code == 200
    assert cards(response) == {"received": 5, "resolved": 2, "overdue": 3}
    page = response.content.decode()
    assert ministry_a.name in page and ministry_b.name in page
    assert "Период: 09.11.2026 – 15.11.2026" in page
    assert "chart.umd.min.js" in page  # charts from the project's own static files


@pytest.mark.django_db
def test_a_head_sees_only_their_ministry(fortnight, head_a, ministry_b):
    response = login(head_a.user).get(URL, FORTNIGHT)
    assert cards(response) == {"received": 3, "resolved": 2, "overdue": 1}
    assert ministry_b.name not in response.content.decode()


@pytest.mark.django_db
def test_the_appeals_lists_filters_apply(fortnight, operator, topics):
    response = login(operator).get(URL, {**FORTNIGHT, "topic__id__exact": topics["roads_transport"].pk})
    assert cards(response)["received"] == 2
    assert f"topic__id__exact={topics['roads_transport'].pk}" in response.context["list_query"]


@pytest.mark.django_db
def test_an_unknown_filter_shows_everything_with_a_warning(fortnight, operator):
    response = login(operator).get(URL, {**FORTNIGHT, "nonsense__exact": "1"}, follow=True)
    assert response.status_code == 200
    assert cards(response)["received"] == 5
    assert "фильтр" in " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "from": "2026-11-30", "to": "2026-11-01"}, "позже"),
        ({"period": "custom"}, "Укажите"),
        ({"period": "custom", "from": "2015-01-01", "to": "2026-11-30"}, "короче"),
        ({"period": "custom", "from": "9999-12-30", "to": "9999-12-31"}, "2999-12-31"),
    ],
)
def test_bad_periods_give_a_message_not_an_error_page(fortnight, operator, params, message):
    response = login(operator).get(URL, params)
    assert response.status_code == 200
    assert message in response.context["period_error"]
    assert response.context["figures"] is None


@pytest.mark.django_db
def test_an_empty_period_says_so(fortnight, operator):
    response = login(operator).get(URL, {"period": "custom", "from": "2020-01-01", "to": "2020-01-31"})
    assert "Нет обращений за этот период" in response.content.decode()


@pytest.mark.django_db
def test_people_without_a_role_are_refused(fortnight):
    assert login(UserFactory(username="nobody", is_staff=True)).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to the login page


@pytest.mark.django_db
def test_a_table_exports_to_csv_and_all_tables_to_xlsx(fortnight, operator, ministry_a):
    client = login(operator)
    csv = client.get(URL, {**FORTNIGHT, "format": "csv", "table": "ministries"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith('Ведомство,Поступило,Решено,"Решено в срок, %"')
    assert f"{ministry_a.name},3,2,50.0" in text
    xlsx = client.get(URL, {**FORTNIGHT, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert {"Тематики", "Ведомства", "Дольше всех решают"} <= set(book.sheetnames)
    assert [cell.value for cell in book["Тематики"][1]] == ["Тематика", "Обращения", "Доля, %"]


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_whatever_the_number_of_appeals(fortnight, operator, django_assert_num_queries):
    client = login(operator)
    fresh = {**FORTNIGHT, "fresh": "1"}
    client.get(URL, fresh)  # warm the session
    # Session, user, scope; the list's filter choices (topics, ministries, accounts) and the
    # user's permissions (2); the time-limit transaction (a savepoint, its settings on PostgreSQL,
    # its release); the figures: the topics' names, topics, the four per-ministry groups and the
    # ministries' names, timeline, platforms and their accounts, municipalities and their names,
    # the classifier's accuracy; the snapshot kept (a savepoint, a locking read, an update, a
    # release); the spike alerts; the bell in the header (notifications.templatetags).
    computed = 29 + (connection.vendor == "postgresql")
    with django_assert_num_queries(computed):
        client.get(URL, fresh)
    AppealFactory.create_batch(30)
    with django_assert_num_queries(computed):
        client.get(URL, fresh)
    # Read from the snapshot: the figures' thirteen queries are one.
    with django_assert_num_queries(computed - 16):
        client.get(URL, FORTNIGHT)


@pytest.mark.django_db
def test_figures_are_kept_for_a_while_and_can_be_recomputed(fortnight, operator, settings):
    client = login(operator)
    assert cards(client.get(URL, FORTNIGHT))["received"] == 5
    AppealFactory(received_at=NOW - timedelta(days=9))  # 11 Nov, inside the period
    page = client.get(URL, FORTNIGHT)
    assert cards(page)["received"] == 5  # the snapshot of a moment ago
    assert "Данные на 20.11.2026 12:00" in page.content.decode()
    assert cards(client.get(URL, {**FORTNIGHT, "fresh": "1"}))["received"] == 6
    AppealFactory(received_at=NOW - timedelta(days=9))
    with time_machine.travel(NOW + timedelta(seconds=settings.GOVFEEDBACK_DASHBOARD_SNAPSHOT_SECONDS + 1)):
        assert cards(client.get(URL, FORTNIGHT))["received"] == 7  # too old: computed again


@pytest.mark.django_db
def test_the_usual_views_are_computed_ahead_for_every_scope(fortnight, head_a, ministry_a, ministry_b):
    assert snapshots.refresh(NOW) == 3 * 3  # the government and two ministries; 7, 30, 365 days
    keys = set(DashboardSnapshot.objects.values_list("key", flat=True))
    assert {key.split("|")[0] for key in keys} == {"all", f"ministry-{ministry_a.pk}", f"ministry-{ministry_b.pk}"}
    page = login(head_a.user).get(URL, {"period": "month"})
    assert cards(page)["received"] == 3  # ministry A's own, from the snapshot
    assert page.context["computed_at"] == NOW


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's; .ci/run runs this on it"
)
def test_figures_that_take_too_long_are_stopped_with_a_message(fortnight, operator, settings, monkeypatch):
    settings.GOVFEEDBACK_DASHBOARD_TIMEOUT_SECONDS = 1

    def slow(appeals, period, now):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")

    monkeypatch.setattr(snapshots, "compute", slow)
    response = login(operator).get(URL, FORTNIGHT)
    assert response.status_code == 200
    assert "слишком долго" in response.context["period_error"]
