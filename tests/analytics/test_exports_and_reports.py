"""Exports of the appeals list (scoped, filtered, logged) and the weekly report for the Head."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from analytics import reports
from analytics.models import WeeklyReport
from audit.models import AccessLog

from .conftest import NOW

EXPORT = reverse("admin:appeals_appeal_export")
KRSK = ZoneInfo("Asia/Krasnoyarsk")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def xlsx_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.django_db
def test_the_filtered_list_exports_to_xlsx_with_russian_headers_and_is_logged(fortnight, operator, ministry_a):
    response = login(operator).get(EXPORT, {"ministry__id__exact": ministry_a.pk, "format": "xlsx"})
    rows = xlsx_rows(response)
    assert rows[0][:4] == ["Номер", "Поступило", "Статус", "Тематика"]
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {fortnight[k].pk for k in ("a1", "a2", "a3", "old")}
    a1 = next(row for row in rows[1:] if row[0] == fortnight["a1"].pk)
    assert a1[1] == datetime(2026, 11, 10, 9, 0)  # local time, as a date cell
    assert a1[2] == "решено"
    log = AccessLog.objects.get(action="export")
    assert (log.user, log.count) == (operator, 4)
    assert f"ministry__id__exact={ministry_a.pk}" in log.detail


@pytest.mark.django_db
def test_a_head_exports_only_their_ministry_as_csv(fortnight, head_b):
    response = login(head_b.user).get(EXPORT, {"format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Номер,Поступило,Статус")
    assert [line.split(",")[0] for line in lines[1:]] == [str(fortnight["b1"].pk)]


@pytest.mark.django_db
def test_too_many_appeals_for_a_workbook_are_refused_with_a_hint(fortnight, operator, settings):
    settings.GOVFEEDBACK_EXPORT_MAX_ROWS = 3
    response = login(operator).get(EXPORT, {"format": "xlsx"}, follow=True)
    assert "уточните фильтр или выгрузите их в CSV" in " ".join(str(m) for m in response.context["messages"])
    assert not AccessLog.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_nobody_without_a_role_exports(fortnight, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", is_staff=True)
    assert login(nobody).get(EXPORT, {"format": "csv"}).status_code == 403


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime(2026, 11, 23, 7, 0, tzinfo=KRSK), date(2026, 11, 9)),  # Monday before 8: not yet
        (datetime(2026, 11, 23, 8, 0, tzinfo=KRSK), date(2026, 11, 16)),  # Monday 8:00: last week
        (datetime(2026, 11, 29, 23, 0, tzinfo=KRSK), date(2026, 11, 16)),  # Sunday night
    ],
)
def test_the_report_due_is_last_weeks_from_monday_morning(now, week):
    assert reports.due_week(now) == week


@pytest.mark.django_db
def test_the_weekly_report_is_made_once_and_holds_the_heads_figures(fortnight, ministry_a):
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=KRSK)
    report = reports.generate_due(monday)
    assert reports.generate_due(monday) is None  # a doubled scheduler makes no second report
    assert (report.week_start, report.week_end, report.received) == (date(2026, 11, 9), date(2026, 11, 15), 5)
    book = openpyxl.load_workbook(io.BytesIO(bytes(report.content)))
    assert book.sheetnames[0] == "Сводка" and "Худшие просрочки" in book.sheetnames
    summary = {row[0].value: row[1].value for row in book["Сводка"].iter_rows(min_row=2)}
    assert summary["Поступило обращений"] == 5
    assert summary["Решено в срок, %"] == 50.0
    worst = [row[0].value for row in book["Худшие просрочки"].iter_rows(min_row=2)]
    assert worst[0] == fortnight["old"].pk  # the longest overdue first


@pytest.mark.django_db
def test_the_report_is_downloaded_by_operators_only(fortnight, operator, head_a):
    with time_machine.travel(NOW, tick=False):
        report = reports.build(date(2026, 11, 9))
    url = reverse("admin:analytics_weeklyreport_download", args=[report.pk])
    response = login(operator).get(url)
    assert response.status_code == 200 and response.content == bytes(report.content)
    assert "weekly-report-2026-11-09.xlsx" in response["Content-Disposition"]
    assert AccessLog.objects.get(action="export").detail == "weekly-report-2026-11-09.xlsx"
    assert login(head_a.user).get(url).status_code in (403, 404)
    assert WeeklyReport.objects.count() == 1
