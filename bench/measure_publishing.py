"""Item 8: BENCH_PUBLICATIONS answers published through the local fake platforms (the tests' server,
real sockets) by the deployed Celery worker(s): answers per second, none doubled, none lost, and
each account's calls in any second never above its platform's limit (appeals.publishing.platforms).
"""

import os
import time
from collections import Counter, defaultdict

PUBLICATIONS = int(os.environ.get("BENCH_PUBLICATIONS", "10000"))
VK_GROUPS, TELEGRAM_BOTS = 5, 2


def queue_answers(count: int) -> dict[str, tuple[str, int]]:
    """``count`` queued answers on VK groups (wall replies) and Telegram bots (distinct chats);
    returns {token: (platform, the limit a second of one account)}."""
    from datetime import timedelta

    from django.utils import timezone

    from appeals.models import Appeal, Publication
    from appeals.publishing.platforms import platform
    from ministries.models import SocialAccount

    now = timezone.now()
    accounts = [
        SocialAccount.objects.create(
            platform="vk", external_id=str(190_000_000 + n), kind="ministry_group", access_token=f"bench-vk-{n}"
        )
        for n in range(VK_GROUPS)
    ] + [
        SocialAccount.objects.create(
            platform="telegram", external_id=str(390_000_000 + n), kind="head", access_token=f"{n}:bench-tg"
        )
        for n in range(TELEGRAM_BOTS)
    ]
    appeals = []
    for n in range(count):
        account = accounts[n % len(accounts)]
        external_id = f"wall_reply-{account.external_id}_{n}_{n + 1}" if account.platform == "vk" else f"{n + 1}:{n}"
        appeals.append(
            Appeal(
                account=account,
                external_id=external_id,
                text=f"Обращение для замера публикации №{n}",
                status="in_progress",
                received_at=now - timedelta(hours=1),
                due_at=now + timedelta(days=1),
                first_answer_due_at=now + timedelta(hours=23),
            )
        )
    Appeal.objects.bulk_create(appeals, batch_size=2000)
    rows = []
    for appeal in appeals:
        publication = Publication(appeal=appeal, account=appeal.account, text=f"Ответ на обращение №{appeal.pk}")
        publication.queue(now)
        rows.append(publication)
    Publication.objects.bulk_create(rows, batch_size=2000)
    return {
        account.access_token: (
            account.platform,
            next(limit.calls for limit in platform(account.platform).limits if limit.scope == "token"),
        )
        for account in accounts
    }


def measure_publishing() -> dict:
    from appeals import tasks
    from appeals.models import Publication
    from tests.publishing.fakeplatforms import FakePlatforms

    from .servers import INTAKE_WORKERS, celery_workers

    fake = FakePlatforms()
    os.environ.update(fake.settings())
    try:
        limits = queue_answers(PUBLICATIONS)
        queued = Publication.objects.filter(status=Publication.Status.QUEUED)
        with celery_workers():
            started = time.monotonic()
            for _ in range(INTAKE_WORKERS):
                tasks.publish_answers.delay()  # each run queues the next while it finds a full batch
            deadline, left, moved = started + 1800, queued.count(), time.monotonic()
            while left:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{left} answers still queued after 30 min")
                time.sleep(0.2)
                now_left = queued.count()
                if now_left != left:
                    left, moved = now_left, time.monotonic()
                elif time.monotonic() - moved > 5:  # what is left is put off (rate limit): run again, as beat does
                    tasks.publish_answers.delay()
                    moved = time.monotonic()
            elapsed = time.monotonic() - started
        statuses = Counter(Publication.objects.values_list("status", flat=True))
        texts = Counter(post.text for post in fake.published)
        per_second: dict[str, Counter] = defaultdict(Counter)
        for _platform, token, at in fake.state.requests:
            per_second[token][int(at)] += 1
        busiest = {token: max(seconds.values()) for token, seconds in per_second.items()}
        over = {token: calls for token, calls in busiest.items() if token in limits and calls > limits[token][1]}
        by_platform = defaultdict(int)
        for token, calls in busiest.items():
            if token in limits:
                by_platform[limits[token][0]] = max(by_platform[limits[token][0]], calls)
        return {
            "answers": PUBLICATIONS,
            "seconds": elapsed,
            "per_s": statuses.get("published", 0) / elapsed,
            "published": statuses.get("published", 0),
            "statuses": dict(statuses),
            "doubled": sum(1 for times in texts.values() if times > 1),
            "lost": PUBLICATIONS - len(texts),
            "busiest_second": dict(by_platform),
            "over_limit": over,
            "workers": INTAKE_WORKERS,
        }
    finally:
        fake.stop()
