"""Set-based work in locked batches, for the jobs that mark what they did on the rows they handle."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet

# Rows a job handles in one transaction.
BATCH_SIZE = 5000


def in_batches(queryset: QuerySet, fields: list[str], handle: Callable[[list[dict]], None], batch_size: int) -> int:
    """Lock a batch of the rows ``queryset`` still selects, let ``handle`` mark them, repeat.

    ``handle`` must update the rows so that ``queryset`` no longer selects them. Rows another run
    holds are skipped, so overlapping runs never handle a row twice.
    """
    handled = 0
    while True:
        with transaction.atomic():
            rows = list(
                queryset.select_for_update(skip_locked=True, of=("self",)).order_by().values(*fields)[:batch_size]
            )
            if rows:
                handle(rows)
        handled += len(rows)
        if len(rows) < batch_size:
            return handled
