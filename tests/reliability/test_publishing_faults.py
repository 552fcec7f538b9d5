"""Publishing answers with real workers: every answer published exactly once where the platform
allows it, none lost — through flood control and 429s, two workers (and two beats) claiming at once,
a worker killed mid-send, and Redis (broker and rate counters) restarted.

The platforms are the local fake server of tests/publishing (real sockets); the workers are
``celery worker --beat`` processes on this test's PostgreSQL database.
"""

import time
from collections import Counter

import pytest
from django.utils import timezone

from appeals.models import Publication

from ..factories import AppealFactory
from ..publishing.conftest import account
from ..publishing.fakeplatforms import FakePlatforms
from .conftest import PrivateRedis, Worker, child_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_PORT = 6396
Status = Publication.Status


@pytest.fixture
def fake():
    server = FakePlatforms()
    yield server
    server.stop()


@pytest.fixture
def redis():
    server = PrivateRedis(REDIS_PORT)
    server.start()
    yield server
    server.stop()


def env(tmp_path, fake: FakePlatforms, redis: PrivateRedis) -> dict:
    return child_env(
        tmp_path,
        f"{redis.url}/0",
        CACHE_URL=f"{redis.url}/2",
        PUBLISH_ANSWERS_EVERY_SECONDS="1",
        GOVFEEDBACK_PUBLISH_LEASE_SECONDS="3",
        GOVFEEDBACK_PUBLISH_BACKOFF_SECONDS="1",
        GOVFEEDBACK_PUBLISH_TIMEOUT="60",
        **fake.settings(),
    )


def queue(appeal, text: str) -> Publication:
    publication = Publication(appeal=appeal, account=appeal.account, text=text)
    publication.queue(timezone.now())
    publication.save()
    return publication


def vk_answers(count: int, group: str = "170000001") -> list[Publication]:
    vk = account("vk", external_id=group)
    return [
        queue(AppealFactory(account=vk, external_id=f"wall_reply-{group}_9_{n}"), f"Ответ VK {group} №{n}")
        for n in range(count)
    ]


def telegram_answers(count: int) -> list[Publication]:
    bot = account("telegram")
    return [
        queue(AppealFactory(account=bot, external_id=f"{7000 + n}:{n + 1}"), f"Ответ TG №{n}") for n in range(count)
    ]


def statuses() -> Counter:
    return Counter(Publication.objects.values_list("status", flat=True))


def assert_each_published_once(fake: FakePlatforms) -> None:
    texts = Counter(post.text for post in fake.published)
    doubled = {text: times for text, times in texts.items() if times > 1}
    assert not doubled, f"published more than once: {doubled}"
    for publication in Publication.objects.filter(status=Status.PUBLISHED):
        assert texts[publication.text] == 1


def test_flood_control_429s_two_workers_and_a_redis_restart_publish_each_answer_once(tmp_path, fake, redis, workers):
    answers = vk_answers(40) + vk_answers(20, group="170000002") + telegram_answers(10)
    fake.fail("vk", times=15, code=9, message="Flood control")
    fake.fail("telegram", times=3, code=429, message="Too Many Requests: retry after 1", retry_after=1)
    for name in ("first", "second"):  # two workers, each with a beat of its own (by mistake)
        workers.append(Worker(tmp_path, env(tmp_path, fake, redis), name))
    for worker in workers:
        worker.wait_ready()

    wait_until(lambda: len(fake.published) >= 20, 60, what="publishing under way")
    outage_from = time.time()
    redis.stop()
    time.sleep(2)  # the broker and the rate counters gone for a while
    redis.start()
    outage_to = time.time()
    wait_until(
        lambda: statuses()[Status.PUBLISHED] == len(answers),
        120,
        what=f"every answer published: {statuses()}",
    )

    assert_each_published_once(fake)
    assert len(fake.published) == len(answers)
    assert Publication.objects.filter(attempts__gt=1).exists()  # the flood control was met and waited out
    # Both VK groups publish with one token: the two workers together kept to its 20 calls a second
    # (and the bot to its 30), as the platform counts them, by arrival; while the counters were gone
    # (and a moment after, for a call already under way) nothing is held back, by design. (On a fast
    # run every call may fall in that window: then there is nothing to count.)
    for platform, limit in (("vk", 20), ("telegram", 30)):
        per_second = Counter(
            (token, int(at))
            for _platform, token, at in fake.requests(platform)
            if not outage_from - 1 <= at <= outage_to + 2
        )
        assert max(per_second.values(), default=0) <= limit, f"{platform}: {per_second.most_common(3)}"


def test_a_worker_killed_mid_send_leaves_vk_answers_published_once(tmp_path, fake, redis, workers):
    answers = vk_answers(10)
    fake.fail("vk", times=1, kind="slow", delay=30)  # published, and the answer comes too late
    first = Worker(tmp_path, env(tmp_path, fake, redis), "first")
    workers.append(first)
    first.wait_ready()
    wait_until(lambda: len(fake.requests("vk")) >= 1, 60, what="the first VK call")
    first.kill()

    second = Worker(tmp_path, env(tmp_path, fake, redis), "second")
    workers.append(second)
    second.wait_ready()
    wait_until(lambda: statuses()[Status.PUBLISHED] == len(answers), 90, what=f"all published: {statuses()}")

    assert_each_published_once(fake)
    assert len(fake.published) == len(answers)
    assert len(fake.requests("vk")) == len(answers) + 1  # the killed one asked again with the same guid


def test_a_worker_killed_mid_send_leaves_a_telegram_answer_to_a_person_never_doubled(tmp_path, fake, redis, workers):
    answers = telegram_answers(5)
    fake.fail("telegram", times=1, kind="slow", delay=30)
    first = Worker(tmp_path, env(tmp_path, fake, redis), "first")
    workers.append(first)
    first.wait_ready()
    wait_until(lambda: len(fake.requests("telegram")) >= 1, 60, what="the first Telegram call")
    first.kill()

    second = Worker(tmp_path, env(tmp_path, fake, redis), "second")
    workers.append(second)
    second.wait_ready()
    wait_until(lambda: statuses()[Status.QUEUED] == 0, 90, what=f"none queued: {statuses()}")

    assert statuses() == {Status.PUBLISHED: len(answers) - 1, Status.UNKNOWN: 1}
    assert_each_published_once(fake)
    assert len(fake.published) == len(answers)  # the unknown one is there once, and a person looks
