"""Item 7, the peer: django-helpdesk's ``escalate_tickets`` over N open tickets, most of them past due.

Two sides, in two interpreters. ``measure_peer``, called by ``bench.run``, installs django-helpdesk
into .bench/helpdesk-venv once (it is never installed into the project's own environment) and runs
this module with that venv's interpreter and DJANGO_SETTINGS_MODULE=bench.helpdesk_settings; there
``main`` makes the tickets, runs the command and prints one JSON line: tickets, escalated, seconds,
queries, peak RSS. Both sides import only the standard library, Django and ``bench.harness``.
"""

import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

from .harness import ROOT, say

PEER_VENV = ROOT / ".bench" / "helpdesk-venv"
HELPDESK_REQUIREMENT = "django-helpdesk==2.6.1"
PEER_TICKETS = int(os.environ.get("BENCH_PEER_TICKETS", "10000"))


def peer_python() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        say(f"installing {HELPDESK_REQUIREMENT} into {PEER_VENV.relative_to(ROOT)} (once)")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import helpdesk, psycopg"], capture_output=True)
    if check.returncode:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", HELPDESK_REQUIREMENT, "psycopg[binary]==3.3.9"],
            check=True,
        )
    return python


def measure_peer(peer_url: str) -> dict:
    python = peer_python()
    env = {**os.environ, "HELPDESK_DATABASE_URL": peer_url, "DJANGO_SETTINGS_MODULE": "bench.helpdesk_settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [str(python), "-m", "bench.peer_helpdesk", str(PEER_TICKETS), "0.9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"django-helpdesk failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
