"""Bulk appeals for benchmarks: bulk inserts in batches, no per-row saves, no services.

The shape follows the benchmark issue: 30 % of the appeals are open and ~30 % of the open ones
are past their deadline (not yet flagged, so ``flag_overdue`` has real work).

Rows are plain tuples, not model instances: on PostgreSQL each batch goes in with COPY (the ORM's
per-value preparation and SQL building cost more than the database's work at a million rows);
elsewhere with ``bulk_create``. Appeals get their ids here, so that their history can refer to them
without reading them back; the id sequence is moved past them at the end.
"""

import json
import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from appeals import demo, demo_data
from appeals.models import Appeal, AppealEvent

OPEN_STATUSES = ["new", "assigned", "in_progress", "awaiting_citizen"]


class Command(BaseCommand):
    help = "Insert N appeals (with their history) in bulk for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=100_000, help="How many appeals (default 100000).")
        parser.add_argument("--batch", type=int, default=5_000, help="Rows per INSERT (default 5000).")
        parser.add_argument("--days", type=int, default=365, help="Spread over this many days (default 365).")
        parser.add_argument("--open-share", type=float, default=0.3, help="Share of open appeals (default 0.3).")
        parser.add_argument(
            "--overdue-share", type=float, default=0.3, help="Share of open appeals past due (default 0.3)."
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed.")

    def handle(self, *args, appeals, batch, days, open_share, overdue_share, seed, **options):
        if appeals < 1 or batch < 1:
            raise CommandError("--appeals and --batch must be positive.")
        if not (0 <= open_share <= 1 and 0 <= overdue_share <= 1):
            raise CommandError("--open-share and --overdue-share are shares between 0 and 1.")
        rng = random.Random(seed)
        org = demo.ensure_organisation(rng)
        demo.print_logins(self.stdout, org)
        accounts = [*org.head_accounts, *org.groups.values(), *org.pages.values()]
        topic_codes = [code for code, share in demo.TOPIC_SHARES for _ in range(share)]
        texts = {code: [demo.appeal_text(rng, code)[0] for _ in range(200)] for code, _ in demo.TOPIC_SHARES}
        answers = {code: [a.format(place="") for a in demo_data.ANSWERS[code]] for code, _ in demo.TOPIC_SHARES}
        now = timezone.now()
        offset = (Appeal.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        started, done = time.monotonic(), 0
        while done < appeals:
            size = min(batch, appeals - done)
            appeals_rows = [
                self.appeal(
                    rng,
                    org,
                    accounts,
                    topic_codes,
                    texts,
                    answers,
                    now,
                    days,
                    open_share,
                    overdue_share,
                    offset + done + i,
                )
                for i in range(size)
            ]
            with transaction.atomic():
                insert(Appeal, appeals_rows)
                insert(AppealEvent, list(self.history(appeals_rows)))
            done += size
            reset_queries()  # with DEBUG on, Django would keep every INSERT's SQL in memory
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stdout.write(f"  {done:,}/{appeals:,} appeals ({rate:,.0f} appeals/s)", ending="\r")
            self.stdout.flush()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Appeal]):
                cursor.execute(statement)
        elapsed = time.monotonic() - started
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {appeals:,} appeals in {elapsed:.1f} s ({appeals / elapsed:,.0f} appeals/s); "
                f"the table holds {Appeal.objects.count():,}."
            )
        )

    def appeal(self, rng, org, accounts, topic_codes, texts, answers, now, days, open_share, overdue_share, pk):
        code = rng.choice(topic_codes)
        topic = org.topics[code]
        account = rng.choice(accounts)
        ministry = account.ministry or topic.default_ministry or org.ministries[rng.choice(demo.OTHER_MINISTRIES)]
        assignee = rng.choice(org.specialists[ministry.slug]) if rng.random() < 0.8 else None
        received = now - timedelta(seconds=rng.uniform(0, days * 86400))
        appeal = {
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
            appeal["status"] = rng.choice(OPEN_STATUSES) if assignee else "new"
            # Open appeals are recent; ~overdue_share of them are past their deadline.
            if rng.random() < overdue_share:
                appeal["due_at"] = now - timedelta(seconds=rng.uniform(60, 72 * 3600))
            else:
                appeal["due_at"] = now + timedelta(seconds=rng.uniform(60, 48 * 3600))
            appeal["received_at"] = min(appeal["received_at"], appeal["due_at"] - timedelta(hours=topic.sla_hours))
        elif rng.random() < 0.95:
            appeal["status"] = "resolved"
            appeal["resolved_at"] = received + timedelta(hours=rng.uniform(1, 60))
            appeal["answer"] = rng.choice(answers[code])
        else:
            appeal["status"], appeal["rejection_reason"] = "rejected", "spam"
        return appeal

    def history(self, appeals):
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
