"""Reminders on the real PostgreSQL, Redis and Celery: separate processes, no mocks.

These need a database that other processes can open, so they run on PostgreSQL (.ci/run's
second pass, where GOVFEEDBACK_REQUIRE_SERVICES=1 guarantees it); the SQLite pass skips them.
"""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.models import Notification

from ..factories import AppealFactory, OfficialFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="other processes need PostgreSQL; .ci/run runs this"),
    pytest.mark.django_db(transaction=True),
]


def child_env(tmp_path, **extra) -> dict:
    """The environment of a child process that shares this test's database and broker."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "RUN_DIR": str(tmp_path / "run"),
        **extra,
    }


def mails(tmp_path) -> str:
    folder = tmp_path / "mail"
    return "".join(path.read_text(errors="replace") for path in folder.glob("*")) if folder.exists() else ""


def test_two_sender_processes_at_once_send_each_reminder_once(tmp_path):
    appeal = AppealFactory()
    count = 150
    Notification.objects.bulk_create(
        Notification(appeal=appeal, kind="overdue", address=f"n{i}@minstroy.example", recipient_name=f"n{i}")
        for i in range(count)
    )
    command = [sys.executable, "manage.py", "send_notifications", "--limit", "1000"]
    senders = [
        subprocess.Popen(command, cwd=ROOT, env=child_env(tmp_path), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120)[0] for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    text = mails(tmp_path)
    for i in range(count):
        assert text.count(f"To: n{i}@minstroy.example\n") == 1, f"n{i} got {text.count(f'To: n{i}@')} e-mails"
    assert Notification.objects.filter(sent_at__isnull=False).count() == count
    sent = [int(out.split()[1]) for out in outputs]  # "Sent N notification(s)."
    assert sum(sent) == count


def test_two_sender_processes_at_once_list_each_reminder_once_in_the_messages_to_its_person(tmp_path):
    """The reminders to one person go in few messages (one per sender that got there first), and
    each appeal is in exactly one of them: the companions are taken with a guarded update."""
    addresses = [f"head{i}@minstroy.example" for i in range(3)]
    appeals = AppealFactory.create_batch(60)
    Notification.objects.bulk_create(
        Notification(appeal=appeal, kind="overdue", address=address, recipient_name=address)
        for address in addresses
        for appeal in appeals
    )
    command = [sys.executable, "manage.py", "send_notifications", "--limit", "1000"]
    senders = [
        subprocess.Popen(command, cwd=ROOT, env=child_env(tmp_path), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120)[0] for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    messages = [
        email.message_from_bytes(raw.strip(), policy=email.policy.default)
        for path in (tmp_path / "mail").glob("*")
        for raw in path.read_bytes().split(b"-" * 79)
        if b"To: " in raw
    ]
    assert len(messages) <= 2 * len(addresses)
    for address in addresses:
        theirs = "".join(m.get_body(("plain",)).get_content() for m in messages if m["To"] == address)
        for appeal in appeals:
            assert theirs.count(f"/admin/appeals/appeal/{appeal.pk}/change/") == 1, (address, appeal.pk)
    assert Notification.objects.filter(sent_at__isnull=False).count() == 3 * len(appeals)
    assert sum(int(out.split()[1]) for out in outputs) == 3 * len(appeals)


def test_a_real_worker_with_beat_flags_an_overdue_appeal_and_delivers_its_email(tmp_path):
    specialist = OfficialFactory(email="e2e@minstroy.example")
    appeal = AppealFactory(
        ministry=specialist.ministry, assignee=specialist, due_at=timezone.now() - timedelta(minutes=1)
    )
    env = child_env(
        tmp_path,
        CELERY_QUEUE="govfeedback-e2e",
        FLAG_OVERDUE_EVERY_SECONDS="1",
        SEND_NOTIFICATIONS_EVERY_SECONDS="1",
    )
    (tmp_path / "run").mkdir()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "govfeedback",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            f"--schedule={tmp_path / 'run' / 'beat'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "To: e2e@minstroy.example" not in mails(tmp_path):
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            log = worker.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            log = worker.communicate()[0]
    assert "To: e2e@minstroy.example" in mails(tmp_path), log[-3000:]
    appeal.refresh_from_db()
    assert appeal.overdue_since == appeal.due_at
    assert Notification.objects.get(appeal=appeal, kind="overdue").sent_at is not None
