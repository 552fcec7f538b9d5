"""(a) Redis stops while webhooks keep arriving: every webhook is answered and stored, the API
answers, and when Redis returns the webhooks' appeals are made and the reminders that fell due
meanwhile go out, each exactly once.

Redis is the Celery broker of a real worker with beat and of gunicorn, which answers the
webhooks and hands each to the worker; the API runs in this process against the same database.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.models import InboundEvent
from ministries import roles
from notifications.models import Notification

from ..api import token_for
from ..factories import AccountFactory, AppealFactory, MinistryFactory, OfficialFactory, UserFactory
from .conftest import SWEEP, Gunicorn, Worker, appeals_made, call, child_env, sent_mails, wait_until, wall_reply
from .test_celery_faults import FAST

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("private_redis", ["outage"], indirect=True)
def test_redis_down_loses_no_appeal_and_reminders_go_out_once_it_returns(tmp_path, private_redis, workers):
    AccountFactory(platform="vk", external_id="170000001", webhook_secret="vk-secret-1")
    operator = UserFactory(username="operator", is_staff=True)
    operator.groups.add(Group.objects.get_or_create(name=roles.OPERATORS_GROUP)[0])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    ministry = MinistryFactory()
    specialist = OfficialFactory(ministry=ministry, email="spec@minstroy.example")
    env = child_env(tmp_path, f"{private_redis.url}/0", CACHE_URL=f"{private_redis.url}/1", **FAST, **SWEEP)
    worker = Worker(tmp_path, env, "worker")
    workers.append(worker)
    server = Gunicorn(tmp_path, env)
    try:
        worker.wait_ready()
        # With Redis up, the worker makes the appeal of a webhook that gunicorn answered.
        assert call("POST", "/intake/vk/170000001/", wall_reply(0)) == (200, "ok")
        wait_until(lambda: appeals_made() == 1, 30, what="the worker makes the first appeal")

        private_redis.stop()
        # Meanwhile five appeals fall due and twenty webhooks arrive: each is answered (within the
        # five seconds a platform waits) and stored, its hand-off to the worker waits for Redis.
        overdue = [
            AppealFactory(ministry=ministry, assignee=specialist, status="assigned", due_at=timezone.now())
            for _ in range(5)
        ]
        for n in range(1, 21):
            assert call("POST", "/intake/vk/170000001/", wall_reply(n), timeout=5) == (200, "ok")
        waiting = InboundEvent.objects.filter(outcome="received", authenticated=True)
        assert waiting.count() == 20
        assert api.get("/api/v1/appeals/").status_code == 200
        assert api.get(f"/api/v1/appeals/{overdue[0].pk}/").status_code == 200
        time.sleep(3)  # beat ticks, and cannot reach the broker
        assert sent_mails(tmp_path) == [] and not Notification.objects.filter(sent_at__isnull=False).exists()
        assert appeals_made() == 1

        private_redis.start()
        wait_until(lambda: appeals_made() == 21, 90, what="the sweep makes the waiting appeals")
        reminders = Notification.objects.filter(appeal__in=overdue, kind="overdue", sent_at__isnull=False)
        wait_until(lambda: reminders.count() >= 5, 90, what="the reminders after Redis returned")
        time.sleep(3)  # more rounds of the jobs: nothing is made or sent again
    finally:
        server.stop()
    assert worker.process.poll() is None, worker.text()[-2000:]
    assert appeals_made() == 21
    assert Counter(InboundEvent.objects.values_list("outcome", flat=True)) == {"created": 21}
    # The five reminders to one person went out once each, in as many e-mails as carried them.
    assert reminders.count() == 5
    carriers = reminders.filter(sent_with__isnull=True).count()
    mails = sent_mails(tmp_path)
    assert 1 <= len(mails) == carriers <= 5
    assert {to for to, _subject in mails} == {"spec@minstroy.example"}
    assert not Notification.objects.pending().exists()
    assert timezone.now() - min(a.due_at for a in overdue) < timedelta(minutes=5)
