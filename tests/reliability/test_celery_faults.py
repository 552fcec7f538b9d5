"""Celery workers that die, and too many of them: every reminder is sent once, none lost.

(b) a worker killed (SIGKILL) in the middle of a batch of reminders; (c) two workers and, by
mistake, two beat schedulers at once. The notifications are claimed with a lease (see
notifications/services.py): a killed worker's claim runs out and another run sends it.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from ministries import roles
from notifications.models import Notification

from ..factories import AppealFactory, MinistryFactory, OfficialFactory, UserFactory
from .conftest import Worker, child_env, sent_mails, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {
    "FLAG_OVERDUE_EVERY_SECONDS": "1",
    "REMIND_DUE_SOON_EVERY_SECONDS": "1",
    "ESCALATE_EVERY_SECONDS": "1",
    "QUEUE_DIGESTS_EVERY_SECONDS": "1",
    "SEND_NOTIFICATIONS_EVERY_SECONDS": "1",
    "GOVFEEDBACK_NOTIFY_LEASE_SECONDS": "4",
}


@pytest.mark.parametrize("private_redis", ["kill"], indirect=True)
def test_a_worker_killed_mid_batch_sends_each_reminder_once_after_a_restart(tmp_path, private_redis, workers):
    appeal = AppealFactory()
    count = 60
    start = timezone.now() - timedelta(minutes=5)
    Notification.objects.bulk_create(
        Notification(
            appeal=appeal,
            kind="overdue",
            address=f"n{i}@minstroy.example",
            recipient_name=f"n{i}",
            next_attempt_at=start + timedelta(seconds=i),  # sent in this order
        )
        for i in range(count)
    )
    env = child_env(tmp_path, private_redis.url, GOVFEEDBACK_TEST_HANG_ON="n20@minstroy.example", **FAST)
    first = Worker(tmp_path, env, "first")
    workers.append(first)
    first.wait_ready()
    # The worker hangs in the middle of the batch, sending n20.
    wait_until(lambda: (tmp_path / "hanging").exists(), 60, what="the worker reaches n20")
    first.kill()
    before = Counter(to for to, _subject in sent_mails(tmp_path))
    assert "n20@minstroy.example" not in before and set(before) == {f"n{i}@minstroy.example" for i in range(20)}
    assert Notification.objects.get(address="n20@minstroy.example").sent_at is None

    second = Worker(tmp_path, env, "second")
    workers.append(second)
    second.wait_ready()
    wait_until(lambda: len(sent_mails(tmp_path)) >= count, 60, what="every reminder sent after the restart")
    second.kill()
    received = Counter(to for to, _subject in sent_mails(tmp_path))
    assert received == Counter({f"n{i}@minstroy.example": 1 for i in range(count)})
    assert Notification.objects.filter(sent_at__isnull=False).count() == count
    # n20's first claim ran out with the killed worker; the restarted one sent it.
    assert Notification.objects.get(address="n20@minstroy.example").attempts == 2


@pytest.mark.parametrize("private_redis", ["double"], indirect=True)
def test_two_workers_and_two_beats_double_nothing(tmp_path, private_redis, workers):
    now = timezone.now()
    ministry = MinistryFactory()
    head = OfficialFactory(ministry=ministry, role="head", email="head@minstroy.example")
    ministry.head = head
    ministry.save()
    specialist = OfficialFactory(ministry=ministry, email="spec@minstroy.example")
    operator = UserFactory(username="operator", email="press@r-19.example", is_staff=True)
    operator.groups.add(Group.objects.get_or_create(name=roles.OPERATORS_GROUP)[0])
    overdue = [
        AppealFactory(ministry=ministry, assignee=specialist, status="assigned", due_at=now - timedelta(hours=30))
        for _ in range(8)
    ]
    due_soon = [
        AppealFactory(ministry=ministry, assignee=specialist, status="assigned", due_at=now + timedelta(hours=1))
        for _ in range(8)
    ]
    local_hour = timezone.localtime(now).hour
    env = child_env(tmp_path, private_redis.url, GOVFEEDBACK_DIGEST_HOUR=str(local_hour), **FAST)
    for name in ("one", "two"):
        workers.append(Worker(tmp_path, env, name))
    for worker in workers:
        worker.wait_ready()

    # 8 overdue x (assignee + head), 8 escalations x 1 operator, 8 due soon x assignee, 1 digest:
    # one notification each; reminders of one kind waiting for one person go out as one e-mail.
    expected = 8 * 2 + 8 + 8 + 1
    sent = Notification.objects.filter(sent_at__isnull=False)
    wait_until(lambda: sent.count() >= expected, 60, what=f"{expected} notifications sent")
    # Both beats keep ticking for a few more rounds: nothing new may appear.
    time.sleep(4)
    for worker in workers:
        assert worker.process.poll() is None, worker.text()[-2000:]
        worker.kill()
    assert sent.count() == expected
    # Each e-mail carried its own notification and those listed with it (sent_with): one e-mail
    # per carrier, so nobody got a reminder twice.
    carriers = sent.filter(sent_with__isnull=True)
    mails = sent_mails(tmp_path)
    assert len(mails) == carriers.count() < expected, Counter(mails).most_common(3)
    assert Counter(to for to, _subject in mails) == Counter(carriers.values_list("address", flat=True))
    for appeal in overdue:
        kinds = Counter(appeal.events.values_list("kind", flat=True))
        assert (kinds[AppealEvent.Kind.OVERDUE], kinds[AppealEvent.Kind.ESCALATED]) == (1, 1)
    assert Appeal.objects.filter(pk__in=[a.pk for a in due_soon], reminded_due_soon_at__isnull=False).count() == 8
    assert Notification.objects.filter(kind="digest").count() == 1
    assert not Notification.objects.pending().exists()
