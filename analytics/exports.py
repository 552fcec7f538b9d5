"""Exports to XLSX (openpyxl) and CSV with Russian headers: tables of figures and lists of appeals.

CSV is UTF-8 with a byte-order mark (so that Excel reads Cyrillic) and commas; it streams, so any
number of appeals can be exported. XLSX is written in openpyxl's write-only mode and holds at most
GOVFEEDBACK_EXPORT_MAX_ROWS appeals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from appeals.models import Appeal
from ministries.models import SocialAccount

from .figures import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")


def _plain(value):
    """A cell's value as a spreadsheet keeps it: local naive datetimes, text for lazy strings."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def add_sheet(workbook: Workbook, title: str, headers: list[str], rows: Iterable[Iterable]) -> None:
    """A sheet with a bold header row that stays in view, dates as dates."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(12, min(len(header) + 4, 60))
    bold = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_plain(value))
            if isinstance(cell.value, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            cells.append(cell)
        sheet.append(cells)


def workbook_bytes(sheets: Iterable[tuple[str, list[str], Iterable[Iterable]]]) -> bytes:
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        add_sheet(workbook, title, headers, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(headers: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(header) for header in headers])
    for row in rows:
        yield writer.writerow(
            [value.strftime("%d.%m.%Y %H:%M") if isinstance(value, datetime) else value for value in map(_plain, row)]
        )


def csv_response(headers: list[str], rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_response(tables: list[Table], fmt: str, filename: str):
    """One table as CSV, or several as the sheets of one workbook."""
    if fmt == "csv":
        (table,) = tables
        return csv_response(table.headers, table.rows, f"{filename}.csv")
    return xlsx_response(workbook_bytes((t.title, t.headers, t.rows) for t in tables), f"{filename}.xlsx")


# --- appeals -------------------------------------------------------------------------------------

_APPEAL_FIELDS = [
    "pk",
    "received_at",
    "status",
    "topic__name",
    "municipality__name",
    "ministry__name",
    "assignee__full_name",
    "account__platform",
    "account__title",
    "author_name",
    "author_url",
    "permalink",
    "text",
    "due_at",
    "first_answered_at",
    "resolved_at",
    "answer",
]


def appeal_headers() -> list[str]:
    return [
        _("Number"),
        _("Received"),
        _("Status"),
        _("Topic"),
        _("Municipality"),
        _("Ministry"),
        _("Assignee"),
        _("Platform"),
        _("Account"),
        _("Author"),
        _("Author's profile"),
        _("Link to the original"),
        _("Text"),
        _("Deadline"),
        _("First answer"),
        _("Resolved"),
        _("Answer"),
    ]


def appeal_rows(appeals: QuerySet) -> Iterator[list]:
    """The appeals as rows, read in chunks from the database (never all at once)."""
    statuses = dict(Appeal.Status.choices)
    platforms = dict(SocialAccount.Platform.choices)
    for row in appeals.values_list(*_APPEAL_FIELDS).iterator(chunk_size=2000):
        row = list(row)
        row[2] = statuses.get(row[2], row[2])
        row[7] = platforms.get(row[7], row[7] or "")
        yield row
