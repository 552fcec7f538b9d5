"""Exports to XLSX (openpyxl) and CSV with Russian headers: tables of figures and lists of appeals.

CSV is UTF-8 with a byte-order mark (so that Excel reads Cyrillic) and commas; it streams, so any
number of appeals can be exported. XLSX is written in openpyxl's write-only mode and holds at most
GOVFEEDBACK_EXPORT_MAX_ROWS appeals.

Citizens' texts and the names people type must never run as formulas in a spreadsheet: every value
goes through ``xlsx_cell`` or ``csv_value``, which keep numbers and dates as they are and write any
text as plain text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from appeals.models import Appeal
from ministries.models import SocialAccount

from .figures import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")

# A spreadsheet reads a text that begins with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: object) -> datetime | int | float | Decimal | str | None:
    """A cell's value as a spreadsheet keeps it: numbers, local naive datetimes, and text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | float | Decimal):
        return value
    return str(value)


def xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    """A cell of a write-only sheet: numbers and dates as they are, any text as a text cell (never a
    formula or an error value), without the control characters a workbook cannot hold."""
    value = _plain(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes a text that begins with "=" a formula
    elif isinstance(value, datetime):
        cell.number_format = "DD.MM.YYYY HH:MM"
    return cell


def csv_value(value: object) -> str | int | float | Decimal | None:
    """A CSV field: numbers as they are, dates as text, and a text that a spreadsheet would read as
    a formula behind a single quote, which makes it text."""
    value = _plain(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class SheetChart:
    """A chart beside a sheet's table, of its own cells: the data ``columns`` (1-based; each a series
    named by its header) against the first column, over the table's rows (or its first ``rows``).
    ``kind``: "bar" (horizontal), "column", "stacked" (stacked columns) or "line". ``colours``: one
    per series, or with one series one per bar (hex, "#" optional). Every bar of a "bar" or
    "column" chart is labelled with its figure (a stacked column's parts are in the table beside)."""

    kind: str
    columns: list[int]
    title: str = ""
    rows: int | None = None
    colours: list[str] | None = None


def _chart(sheet, spec: SheetChart, width: int, rows: int):
    first, last = 2, min(spec.rows or rows, rows) + 1
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        if spec.kind == "stacked":
            chart.grouping, chart.overlap = "stacked", 100
    chart.title = spec.title or None
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl hides the axes unless told
    if spec.kind == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # the table's first row on top
    chart.legend = None if len(spec.columns) == 1 else chart.legend
    for column in spec.columns:
        chart.add_data(Reference(sheet, min_col=column, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    colours = [colour.lstrip("#") for colour in spec.colours or []]
    for index, series in enumerate(chart.series):
        if len(chart.series) > 1 and index < len(colours):
            series.graphicalProperties.solidFill = colours[index]
            series.graphicalProperties.line.solidFill = colours[index]
        elif len(chart.series) == 1 and colours:
            for point, colour in enumerate(colours[: last - first + 1]):
                data_point = DataPoint(idx=point)
                data_point.graphicalProperties.solidFill = colour
                series.dPt.append(data_point)
    if spec.kind in ("bar", "column"):
        for series in chart.series:
            series.dLbls = DataLabelList()
            series.dLbls.showVal = True
            for hidden in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
                setattr(series.dLbls, hidden, False)
    chart.width, chart.height = 18, max(7.5, 0.6 * (last - first + 1) + 3)
    sheet.add_chart(chart, f"{get_column_letter(width + 2)}2")


def add_sheet(
    workbook: Workbook, title: str, headers: list[str], rows: Iterable[Iterable], chart: SheetChart | None = None
) -> None:
    """A sheet with a bold header row that stays in view, dates as dates; with ``chart``, a chart of
    its figures beside the table."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(12, min(len(header) + 4, 60))
    bold = []
    for header in headers:  # a header may be a topic's name (the volume table)
        cell = xlsx_cell(sheet, header)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
    if chart is not None and count:
        _chart(sheet, chart, len(headers), count)


def workbook_bytes(sheets: Iterable[tuple]) -> bytes:
    """A workbook of sheets: (title, headers, rows) or (title, headers, rows, SheetChart)."""
    workbook = Workbook(write_only=True)
    for title, headers, rows, *chart in sheets:
        add_sheet(workbook, title, headers, rows, *chart)
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
    yield "\ufeff" + writer.writerow([csv_value(header) for header in headers])
    for row in rows:
        yield writer.writerow([csv_value(value) for value in row])


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
