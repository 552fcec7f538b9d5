"""The admin's paginator for big tables."""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts matching rows only up to GOVFEEDBACK_ADMIN_COUNT_LIMIT + 1.

    A full COUNT(*) over millions of appeals on every page view is what makes big admin lists
    slow; operators need "more than 10,000", not the exact figure. The count query scans at most
    limit + 1 rows of the index that serves the list.

    ``also_count`` ({name: queryset}) is counted the same way in the same query (the appeals
    list's counters): ``counts`` holds each figure, "" the list's own.
    """

    also_count: dict = {}

    @cached_property
    def limit(self) -> int:
        return settings.GOVFEEDBACK_ADMIN_COUNT_LIMIT

    @cached_property
    def counts(self) -> dict[str, int]:
        querysets = {"": self.object_list, **self.also_count}
        parts, params = [], []
        for n, queryset in enumerate(querysets.values()):
            # No ORDER BY: which limit + 1 rows are counted does not matter, and sorting would.
            try:
                sql, sql_params = queryset.order_by().values("pk")[: self.limit + 1].query.sql_with_params()
            except EmptyResultSet:  # an empty scope (qs.none()): nothing to count
                parts.append("0")
                continue
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) c{n})")
            params.extend(sql_params)
        with connections[self.object_list.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            return dict(zip(querysets, cursor.fetchone(), strict=True))

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):
            return len(self.object_list)
        return self.counts[""]

    @property
    def is_capped(self) -> bool:
        return self.count > self.limit

    def figure(self, name: str) -> int | str:
        """A counter as shown: the number, or "10000+" above the limit."""
        value = self.counts[name]
        return f"{self.limit}+" if value > self.limit else value
