"""The benchmark's seed: N appeals (with their history) in bulk, no per-row saves, no services.

The shape follows the benchmark issue: 30 % of the appeals are open and ~30 % of the open ones
are past their deadline (not yet flagged, so ``flag_overdue`` has real work). The organisation is the
demo's (``demo.government``), found or created first.

Rows are plain tuples, not model instances: on PostgreSQL each batch goes in with COPY (the ORM's
per-value preparation and SQL building cost more than the database's work at a million rows);
elsewhere with ``bulk_create``. Appeals get their ids here, so that their history can refer to them
without reading them back; the id sequence is moved past them at the end.

``bench.run`` calls ``seed_appeals``; by hand, on the database DATABASE_URL names (migrated)::

    DATABASE_URL=postgres://… .venv/bin/python -m bench.seed --appeals 100000

runs it with the benchmark's settings (``bench.settings``), with its progress and a one-line summary.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from typing import TextIO

OPEN_STATUSES = ["new", "assigned", "in_progress", "awaiting_citizen"]


def seed_appeals(
    appeals: int,
    *,
    batch: int = 5_000,
    days: int = 365,
    open_share: float = 0.3,
    overdue_share: float = 0.3,
    seed: int = 7,
    stdout: TextIO | None = None,
) -> int:
    """Insert ``appeals`` appeals in batches of ``batch``, received over the last ``days``; return how many."""
    from django.core.management.base import OutputWrapper
    from django.core.management.color import no_style
    from django.db import connection, reset_queries, transaction
    from django.utils import timezone

    from appeals.models import Appeal, AppealEvent
    from demo import government as demo

    if appeals < 1 or batch < 1:
        raise ValueError("--appeals and --batch must be positive.")
    if not (0 <= open_share <= 1 and 0 <= overdue_share <= 1):
        raise ValueError("--open-share and --overdue-share are shares between 0 and 1.")
    rng = random.Random(seed)
    out = OutputWrapper(stdout or sys.stdout)
    org = demo.ensure_organisation(rng)
    demo.print_logins(out, org)
    accounts = [*org.head_accounts, *org.groups.values(), *org.pages.values()]
    topic_codes = [code for code, share in demo.TOPIC_SHARES for _ in range(share)]
    texts = {code: [demo.appeal_text(rng, code)[0] for _ in range(200)] for code, _ in demo.TOPIC_SHARES}
    answers = {code: [a.format(place="") for a in demo.ANSWERS[code]] for code, _ in demo.TOPIC_SHARES}
    now = timezone.now()

    def appeal(pk: int) -> dict:
        """One appeal's row: an account, a topic and its ministry, maybe an assignee, open or resolved or spam."""
        code = rng.choice(topic_codes)
        topic = org.topics[code]
        account = rng.choice(accounts)
        ministry = account.ministry or topic.default_ministry or org.ministries[rng.choice(demo.OTHER_MINISTRIES)]
        assignee = rng.choice(org.specialists[ministry.slug]) if rng.random() < 0.8 else None
        received = now - timedelta(seconds=rng.uniform(0, days * 86400))
        row = {
            "id": pk,
            "account_id": account.pk,
            "external_id": f"b{pk}",
            "text": rng.choice(texts[code]),
            "received_at": received,
            "topic_id": topic.pk,
            "ministry_id": ministry.pk,
            "assignee_id": assignee.pk if assignee else None,
            "author_name": demo.person_name(rng).rsplit(" ", 1)[0],
            "author_external_id": str(rng.randrange(10**7, 10**9)),
            "due_at": received + timedelta(hours=topic.sla_hours),
        }
        if rng.random() < open_share:
            row["status"] = rng.choice(OPEN_STATUSES) if assignee else "new"
            # Open appeals are recent; ~overdue_share of them are past their deadline.
            if rng.random() < overdue_share:
                row["due_at"] = now - timedelta(seconds=rng.uniform(60, 72 * 3600))
            else:
                row["due_at"] = now + timedelta(seconds=rng.uniform(60, 48 * 3600))
            row["received_at"] = min(row["received_at"], row["due_at"] - timedelta(hours=topic.sla_hours))
        elif rng.random() < 0.95:
            row["status"] = "resolved"
            row["resolved_at"] = received + timedelta(hours=rng.uniform(1, 60))
            row["answer"] = rng.choice(answers[code])
        else:
            row["status"], row["rejection_reason"] = "rejected", "spam"
        return row

    offset = (Appeal.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    started, done = time.monotonic(), 0
    while done < appeals:
        size = min(batch, appeals - done)
        rows = [appeal(offset + done + i) for i in range(size)]
        with transaction.atomic():
            insert(Appeal, rows)
            insert(AppealEvent, list(history(rows)))
        done += size
        reset_queries()  # with DEBUG on, Django would keep every INSERT's SQL in memory
        rate = done / max(time.monotonic() - started, 1e-9)
        out.write(f"  {done:,}/{appeals:,} appeals ({rate:,.0f} appeals/s)", ending="\r")
        out.flush()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Appeal]):
            cursor.execute(statement)
    elapsed = time.monotonic() - started
    out.write("")
    out.write(
        f"Seeded {appeals:,} appeals in {elapsed:.1f} s ({appeals / elapsed:,.0f} appeals/s); "
        f"the table holds {Appeal.objects.count():,}."
    )
    return appeals


def history(appeals: list[dict]):
    from appeals.models import AppealEvent

    Kind = AppealEvent.Kind
    for appeal in appeals:
        yield {"appeal_id": appeal["id"], "at": appeal["received_at"], "kind": Kind.CREATED.value}
        if appeal["status"] == "resolved":
            yield {
                "appeal_id": appeal["id"],
                "at": appeal["resolved_at"],
                "kind": Kind.RESOLVED.value,
                "data": {"on_time": appeal["resolved_at"] <= appeal["due_at"]},
                "note": appeal["answer"],
            }
        elif appeal["status"] == "rejected":
            yield {
                "appeal_id": appeal["id"],
                "at": appeal["received_at"],
                "kind": Kind.REJECTED.value,
                "data": {"reason": "spam"},
            }


def insert(model, rows: list[dict]) -> None:
    """Insert ``rows`` (attribute name → value; the rest takes the field's default) in one go."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
    defaults = {f.attname: f.get_default() for f in fields}
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**{**defaults, **row}) for row in rows])
        return
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = {**defaults, **row}
            for name in json_fields:
                values[name] = json.dumps(values[name], ensure_ascii=False)
            copy.write_row([values[name] for name in names])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed",
        description="Insert N appeals (with their history) in bulk, on the database DATABASE_URL names.",
    )
    parser.add_argument("--appeals", type=int, default=100_000, help="How many appeals (default 100000).")
    parser.add_argument("--batch", type=int, default=5_000, help="Rows per batch (default 5000).")
    parser.add_argument("--days", type=int, default=365, help="Spread over this many days (default 365).")
    parser.add_argument("--open-share", type=float, default=0.3, help="Share of open appeals (default 0.3).")
    parser.add_argument(
        "--overdue-share", type=float, default=0.3, help="Share of open appeals past due (default 0.3)."
    )
    parser.add_argument("--seed", type=int, default=7, help="Random seed.")
    options = vars(parser.parse_args(argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    try:
        seed_appeals(options.pop("appeals"), **options)
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
