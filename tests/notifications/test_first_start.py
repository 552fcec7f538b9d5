"""The demo's first start: its seeded past tells nobody; beat's first jobs mail nobody about what
was already overdue when the demo was seeded."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from notifications.models import Notification


@pytest.mark.django_db
def test_the_first_start_of_the_demo_mails_nobody_about_the_seeded_overdue_appeals(mailoutbox, capsys):
    call_command("seed_demo", appeals=200, days=20)
    seeded_overdue = set(Appeal.objects.filter(overdue_since__isnull=False).values_list("pk", flat=True))
    assert len(seeded_overdue) >= 3
    # Flagged and escalated as beat would have done, with their history, as if everybody had been told.
    assert AppealEvent.objects.filter(kind="overdue").count() == len(seeded_overdue)
    # Nothing of the seeded past waits to be mailed: its assignments, reminders and escalations. The
    # last day's assignments are in the bells, as delivered notices.
    assert set(Notification.objects.pending().values_list("kind", flat=True)) <= {"spike"}
    notices = Notification.objects.filter(kind="assigned")
    assert notices.exists() and set(notices.values_list("channel", flat=True)) == {"admin"}
    oldest = min(notices.values_list("created_at", flat=True))
    assert oldest >= timezone.now() - timedelta(days=1, minutes=5)

    # `make run` starts: beat's jobs, then the sender.
    call_command("run_deadline_jobs")
    call_command("send_notifications")
    capsys.readouterr()
    told_about = set(
        Notification.objects.exclude(appeal=None).exclude(channel="admin").values_list("appeal_id", flat=True)
    )
    assert not told_about & seeded_overdue
    for message in mailoutbox:
        for pk in seeded_overdue:
            assert f"/admin/appeals/appeal/{pk}/change/" not in message.body
    # What is left to say on the first start: the spike alert of the last hours (the operators and the
    # head of housing), and at most a reminder per person of an appeal due soon.
    assert len(mailoutbox) <= 10
    assert not Notification.objects.filter(kind__in=["overdue", "escalation"]).exists()
