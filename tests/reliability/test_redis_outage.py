"""(a) Redis stops while webhooks keep arriving: every appeal is stored, the API answers, and
when Redis returns the reminders that fell due meanwhile go out, each exactly once.

Redis is the Celery broker of a real worker with beat, and the cache of the rate limits; the
webhooks and the API run in this process against the same database.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.models import Appeal, InboundEvent, Notification
from ministries import roles

from ..api import token_for
from ..factories import AccountFactory, AppealFactory, MinistryFactory, OfficialFactory, UserFactory
from .conftest import Worker, child_env, sent_mails, wait_until
from .test_celery_faults import FAST

pytestmark = pytest.mark.django_db(transaction=True)


def wall_reply(n: int) -> dict:
    comment = {"id": 9000 + n, "from_id": 700 + n, "date": 1764300000, "text": f"Нет света в доме {n}"}
    comment |= {"post_id": 42 + n, "owner_id": -170000001}
    return {"type": "wall_reply_new", "event_id": f"out{n}", "v": "5.199", "object": comment, "secret": "vk-secret-1"}


@pytest.mark.parametrize("private_redis", ["outage"], indirect=True)
def test_redis_down_loses_no_appeal_and_reminders_go_out_once_it_returns(
    tmp_path, private_redis, workers, settings, client
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"{private_redis.url}/1"}
    }
    AccountFactory(platform="vk", external_id="170000001", webhook_secret="vk-secret-1")
    operator = UserFactory(username="operator", is_staff=True)
    operator.groups.add(Group.objects.get_or_create(name=roles.OPERATORS_GROUP)[0])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    ministry = MinistryFactory()
    specialist = OfficialFactory(ministry=ministry, email="spec@minstroy.example")
    worker = Worker(tmp_path, child_env(tmp_path, f"{private_redis.url}/0", **FAST), "worker")
    workers.append(worker)
    worker.wait_ready()

    private_redis.stop()
    # Meanwhile five appeals fall due and twenty webhooks arrive.
    overdue = [
        AppealFactory(ministry=ministry, assignee=specialist, status="assigned", due_at=timezone.now())
        for _ in range(5)
    ]
    for n in range(20):
        response = client.post("/intake/vk/170000001/", wall_reply(n), content_type="application/json")
        assert (response.status_code, response.content) == (200, b"ok")
    assert Appeal.objects.filter(account__external_id="170000001").count() == 20
    assert InboundEvent.objects.filter(outcome="created").count() == 20
    assert api.get("/api/v1/appeals/").status_code == 200
    assert api.get(f"/api/v1/appeals/{overdue[0].pk}/").status_code == 200
    time.sleep(3)  # beat ticks, and cannot reach the broker
    assert sent_mails(tmp_path) == [] and not Notification.objects.filter(sent_at__isnull=False).exists()

    private_redis.start()
    wait_until(lambda: len(sent_mails(tmp_path)) >= 5, 90, what="the reminders after Redis returned")
    time.sleep(3)  # more rounds of both jobs: nothing is sent again
    assert worker.process.poll() is None, worker.text()[-2000:]
    mails = Counter(sent_mails(tmp_path))
    assert sum(mails.values()) == 5 and set(mails.values()) == {1}
    assert {to for to, _subject in mails} == {"spec@minstroy.example"}
    assert Notification.objects.filter(appeal__in=overdue, kind="overdue", sent_at__isnull=False).count() == 5
    assert not Notification.objects.pending().exists()
    assert timezone.now() - min(a.due_at for a in overdue) < timedelta(minutes=5)
