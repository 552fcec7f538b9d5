"""The peer: django-helpdesk's ``escalate_tickets`` over N open tickets, most of them past due.

Run by ``bench.run`` with the interpreter of .bench/helpdesk-venv (helpdesk is never installed
into the project's own environment) and DJANGO_SETTINGS_MODULE=bench.helpdesk_settings; prints
one JSON line: tickets, escalated, seconds, queries, peak RSS.
"""

import json
import resource
import sys
import time
from datetime import timedelta

import django


def main(tickets: int, past_due_share: float) -> dict:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from helpdesk.models import Queue, Ticket

    call_command("migrate", verbosity=0)
    queue = Queue.objects.create(
        title="Appeals", slug="appeals", email_address="queue@localhost", escalate_days=1, allow_public_submission=False
    )
    now = timezone.now()
    past_due = int(tickets * past_due_share)
    rows = [
        Ticket(
            title=f"Ticket {n}",
            queue=queue,
            submitter_email=f"citizen{n}@example.org",
            description="Течёт крыша в доме, третий месяц никто не приходит.",
            status=Ticket.OPEN_STATUS,
            priority=3,
        )
        for n in range(tickets)
    ]
    Ticket.objects.bulk_create(rows, batch_size=5000)
    # Most are past due: created three days ago, the queue escalates after one.
    old_ids = list(Ticket.objects.order_by("id").values_list("id", flat=True)[:past_due])
    Ticket.objects.filter(id__in=old_ids).update(created=now - timedelta(days=3))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # Django runs in autocommit: VACUUM is allowed

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        call_command("escalate_tickets", verbosity=0)
    seconds = time.perf_counter() - started
    escalated = Ticket.objects.filter(last_escalation__isnull=False).count()
    return {
        "tickets": tickets,
        "escalated": escalated,
        "seconds": seconds,
        "queries": queries,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), float(sys.argv[2]))))
