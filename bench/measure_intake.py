"""Item 5: VK webhooks by concurrent senders through gunicorn, ~5 % redelivered, while the Celery
worker makes the appeals: the events answered per second, then none lost and none doubled.
"""

import json
import os
import time

from .common import percentile
from .servers import HOST, PORT, WORKERS, celery_workers

INTAKE_EVENTS = int(os.environ.get("BENCH_INTAKE_EVENTS", "10000"))


def intake_events(count: int, first: int = 0, senders: int = 4, redelivered: float = 0.05) -> tuple[list, int]:
    """VK ``wall_reply_new`` events to the ministries' groups, ``redelivered`` of them posted twice."""
    import random

    from demo import government as demo
    from ministries.models import SocialAccount

    rng = random.Random(8)
    groups = list(SocialAccount.objects.filter(platform="vk", kind="ministry_group").order_by("id"))
    codes = [code for code, _ in demo.TOPIC_SHARES]
    lists: list[list] = [[] for _ in range(senders)]
    redeliveries = []
    for n in range(first, first + count):
        group = groups[n % len(groups)]
        payload = {
            "type": "wall_reply_new",
            "event_id": f"bench{n}",
            "v": "5.199",
            "group_id": int(group.external_id),
            "secret": group.webhook_secret,
            "object": {
                "id": 7_000_000 + n,
                "from_id": 10_000_000 + n,
                "date": 1764300000 + n,
                "text": demo.appeal_text(rng, rng.choice(codes))[0],
                "post_id": 900_000 + n,
                "owner_id": -int(group.external_id),
                "parents_stack": [],
                "thread": {"count": 0},
            },
        }
        request = (f"/intake/vk/{group.external_id}/", json.dumps(payload, ensure_ascii=False).encode())
        lists[n % senders].append(request)
        if rng.random() < redelivered:
            redeliveries.append((n, request))
    for n, request in redeliveries:  # redelivered later, by another sender
        lists[(n + 1) % senders].insert(rng.randrange(len(lists[(n + 1) % senders]) + 1), request)
    return lists, len(redeliveries)


def wait_processed(timeout: float) -> None:
    """Until no accepted event waits for a worker (every webhook posted has its outcome)."""
    from appeals.models import InboundEvent

    waiting = InboundEvent.objects.waiting()
    deadline = time.monotonic() + timeout
    while waiting.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{waiting.count()} accepted events still unprocessed after {timeout:.0f} s")
        time.sleep(0.1)


def measure_intake() -> dict:
    from django.db.models import Count

    from appeals.models import Appeal, InboundEvent

    from .loadgen import send_all

    senders, redeliveries = intake_events(INTAKE_EVENTS)
    with celery_workers():
        # Warm-up: every gunicorn worker parses an event, and the Celery workers start and load
        # the classifier, before the clock starts.
        warm, _ = intake_events(WORKERS * 8, first=1_000_000, redelivered=0)
        send_all(HOST, PORT, warm, {"Content-Type": "application/json"})
        wait_processed(120)
        before = Appeal.objects.count()
        last_event = InboundEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.monotonic()
        statuses, latencies, elapsed = send_all(HOST, PORT, senders, {"Content-Type": "application/json"})
        wait_processed(1800)
        drained = time.monotonic() - started
    posted = sum(len(s) for s in senders)
    created = Appeal.objects.count() - before
    posted_events = InboundEvent.objects.filter(pk__gt=last_event)
    outcomes = dict(posted_events.order_by().values_list("outcome").annotate(n=Count("id")))
    return {
        "posted": posted,
        "redelivered": redeliveries,
        "events_per_s": posted / elapsed,
        "seconds": elapsed,
        "processed_per_s": posted / drained,
        "processed_seconds": drained,
        "statuses": {str(k): v for k, v in statuses.items()},
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "stored_events": posted_events.count(),
        "appeals_created": created,
        "outcomes": outcomes,
        "exact": created == INTAKE_EVENTS and outcomes.get("duplicate", 0) == redeliveries,
    }
