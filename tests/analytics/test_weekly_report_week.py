"""The weekly report of a chosen week, made from the admin; its sheets have charts of their figures."""

import io
from datetime import date

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from analytics.models import WeeklyReport

from .conftest import NOW

LIST = reverse("admin:analytics_weeklyreport_changelist")
GENERATE = reverse("admin:analytics_weeklyreport_generate")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):  # Friday 20 Nov 2026
        yield


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_operator_generates_the_report_of_a_chosen_week_with_its_figures_and_charts(fortnight, operator):
    client = login(operator)
    page = client.get(LIST).content.decode()
    # The weeks that have ended, the latest first; not the current one.
    assert '<option value="2026-11-09">09.11.2026 – 15.11.2026</option>' in page
    assert "2026-11-16" not in page
    response = client.post(GENERATE, {"week": "2026-11-09"}, follow=True)
    report = WeeklyReport.objects.get()
    assert (report.week_start, report.week_end, report.received) == (date(2026, 11, 9), date(2026, 11, 15), 5)
    text = response.content.decode()
    assert "Отчёт за неделю 09.11.2026 – 15.11.2026 готов" in text
    assert reverse("admin:analytics_weeklyreport_download", args=[report.pk]) in text

    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("admin:analytics_weeklyreport_download", args=[report.pk])).content)
    )
    summary = {row[0].value: row[1].value for row in book["Сводка"].iter_rows(min_row=2)}
    assert summary["Поступило обращений"] == 5 and summary["Решено"] == 2
    assert summary["Период"] == "09.11.2026 – 15.11.2026"
    topics_sheet = book.worksheets[1]  # the sheets follow the dashboard's tables: topics first
    topics = {row[0].value: row[1].value for row in topics_sheet.iter_rows(min_row=2)}
    assert topics == {"ЖКХ и благоустройство": 2, "Дороги и транспорт": 2, "не задана": 1}
    # Every sheet has a chart, of the sheet's own figures.
    assert [len(sheet._charts) for sheet in book.worksheets] == [1] * len(book.worksheets)
    (chart,) = topics_sheet._charts
    assert chart.series[0].val.numRef.f == f"'{topics_sheet.title}'!$B$2:$B$4"


@pytest.mark.django_db
def test_a_week_that_has_not_ended_or_is_unknown_is_refused(fortnight, operator):
    client = login(operator)
    for week in ("2026-11-16", "2026-11-11", "nonsense"):
        response = client.post(GENERATE, {"week": week}, follow=True)
        assert "Выберите неделю из списка" in response.content.decode()
    assert not WeeklyReport.objects.exists()


@pytest.mark.django_db
def test_only_the_press_service_generates_reports(fortnight, head_a):
    client = login(head_a.user)
    assert client.post(GENERATE, {"week": "2026-11-09"}).status_code == 403
    assert "gf-week-form" not in client.get(LIST).content.decode()
    assert not WeeklyReport.objects.exists()
