"""Item 2's floor (bench/measure_jobs.py, FLAG_OVERDUE_FLOOR) does the work of flag_overdue: the same appeals
flagged, the same history events, the same reminders, to the last column. Otherwise the benchmark
would compare the job with a floor that does less (it also checks this on its own data)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bench import measure_jobs
from notifications import jobs

from ..factories import AppealFactory, OfficialFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is PostgreSQL's; .ci/run runs this"),
    pytest.mark.django_db,
]


def wrote(flag) -> tuple[int, dict]:
    with transaction.atomic():
        flagged = flag()
        after = measure_jobs.written()
        transaction.set_rollback(True)
    return flagged, after


@pytest.mark.parametrize("bot", [True, False])
def test_the_floor_writes_what_flag_overdue_writes(settings, operator, head_a, specialist_a, ministry_b, bot):
    settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = "123:secret" if bot else ""
    settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL = "press@r-19.example"
    now = timezone.now()
    chat = OfficialFactory(ministry=ministry_b, email="chat@mintrans.example", telegram_chat_id="555001")
    late = now - timedelta(hours=2, microseconds=17)
    AppealFactory.create_batch(3, ministry=head_a.ministry, assignee=specialist_a, due_at=late)
    AppealFactory.create_batch(2, ministry=head_a.ministry, assignee=head_a, due_at=now - timedelta(hours=5))
    AppealFactory.create_batch(2, ministry=ministry_b, assignee=chat, due_at=late)
    AppealFactory.create_batch(2, ministry=ministry_b, due_at=late)  # nobody owns them: the press service
    AppealFactory(ministry=head_a.ministry, assignee=specialist_a, due_at=now + timedelta(hours=1))

    ours = wrote(lambda: jobs.flag_overdue(now))
    floor = wrote(lambda: measure_jobs.flag_overdue_floor(now))

    assert ours == floor
    flagged, written = ours
    assert flagged == 9 and written["events"][0] == 9
    # 3 × (assignee, head) + 2 × the head + 2 × the chat's e-mail (and Telegram with the bot)
    # + 2 × (the operator, the press mailbox)
    assert written["notifications"][0] == 6 + 2 + (4 if bot else 2) + 4
