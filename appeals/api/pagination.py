"""Pagination of the API.

Appeals (millions of rows) are paged with a cursor: a page is a range scan of the
``(received_at desc, id desc)`` index, however deep, and nothing counts the table. The small
reference tables (topics, ministries, officials, accounts) are paged by number.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class AppealCursorPagination(pagination.CursorPagination):
    """Newest first by default; ``ordering`` picks one of a fixed list of index-backed orders.

    Each order ends with the id, so that rows with the same time always come in the same order.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_description = gettext_lazy("The position in the list: the next or previous page's link carries it.")
    page_size_query_description = gettext_lazy("How many appeals a page holds.")
    ordering_param = "ordering"
    ordering = ("-received_at", "-id")
    ORDERINGS = {
        "-received_at": ("-received_at", "-id"),
        "received_at": ("received_at", "id"),
        "-due_at": ("-due_at", "-id"),
        "due_at": ("due_at", "id"),
        "-id": ("-id",),
        "id": ("id",),
    }

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if value is None:
            return self.ordering
        try:
            return self.ORDERINGS[value]
        except KeyError:
            raise ValidationError(
                {self.ordering_param: [_("Order by one of: %(choices)s.") % {"choices": ", ".join(self.ORDERINGS)}]}
            ) from None

    def decode_cursor(self, request):
        """A cursor whose position is not a value of the ordering field is invalid (404), not a crash.

        A time is handed to the database in UTC (PostgreSQL refuses offsets beyond ±15:59).
        """
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            position = field.to_python(cursor.position)
            if isinstance(position, datetime):
                position = position.astimezone(UTC)
        except (DjangoValidationError, OverflowError, ValueError):
            raise NotFound(self.invalid_cursor_message) from None
        return cursor._replace(position=str(position))

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": gettext_lazy("Sort order (default: newest first)."),
                "schema": {"type": "string", "enum": list(self.ORDERINGS)},
            },
        ]


class SmallTablePagination(pagination.PageNumberPagination):
    """Topics, ministries, officials and accounts: tens or hundreds of rows."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = gettext_lazy("The page's number.")
    page_size_query_description = gettext_lazy("How many rows a page holds.")
