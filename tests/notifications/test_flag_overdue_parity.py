"""flag_overdue's one statement on PostgreSQL (notifications/sql/flag_overdue.sql) writes exactly what the
jobs' batches write: both run on the same random appeals, people and settings, and every row they
write is compared column by column (only the new rows' ids differ)."""

import json
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from appeals.models import Appeal, AppealEvent
from ministries import roles
from notifications import jobs
from notifications.models import Notification

from ..factories import AccountFactory, MinistryFactory, OfficialFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement is PostgreSQL's; .ci/run runs this"),
    pytest.mark.django_db,
]

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))
APPEALS = 300
# Names a statement could get wrong if it quoted them itself.
AWKWARD_NAMES = ['Иванова "Маша" & Co', "О'Нил Шон", "Сто 100% Процентов", "Back\\slash Иван"]


def seed(rng: random.Random, operators: int) -> None:
    """Ministries with and without a head (one closed), officials with and without an e-mail or a
    Telegram chat (some who left),
    press-service logins (some inactive, some without a name or an address), and appeals in every
    status, before, at and after their deadline, paused or not, flagged already or not, owned by an
    assignee, a head, both (the same person or not), or nobody."""
    ministries = [MinistryFactory() for _ in range(6)]
    officials = []
    for n in range(30):
        officials.append(
            OfficialFactory(
                ministry=rng.choice(ministries),
                full_name=AWKWARD_NAMES[n] if n < len(AWKWARD_NAMES) else f"Чиновник {n}",
                email=rng.choice(["", f"official{n}@r-19.example"]),
                telegram_chat_id=rng.choice(["", str(500_000 + n)]),
                # Some have left: they are told nothing, and whoever is reachable is told instead.
                is_active=rng.random() > 0.2,
            )
        )
    for ministry in ministries[:4]:
        ministry.head = rng.choice([o for o in officials if o.ministry_id == ministry.pk] or officials)
        ministry.save()
    ministries[3].is_active = False  # a closed ministry: its people are told nothing either
    ministries[3].save()
    group = Group.objects.get(name=roles.OPERATORS_GROUP)
    for n in range(operators):
        user = UserFactory(
            username=f"press{n}",
            first_name=rng.choice(["", "Дарья"]),
            last_name=rng.choice(["", "Тюмерекова"]),
            email=rng.choice(["", f"press{n}@r-19.example"]),
            is_active=n != 0,
        )
        user.groups.add(group)
    account = AccountFactory()
    appeals = []
    for n in range(APPEALS):
        status = rng.choice(list(Appeal.Status))
        due_at = NOW + timedelta(seconds=rng.randint(-72 * 3600, 72 * 3600), microseconds=rng.choice([0, n + 1]))
        if rng.random() < 0.05:
            due_at = NOW  # not overdue yet: the deadline is passed only after it
        ministry = rng.choice([*ministries, None])
        appeals.append(
            Appeal(
                account=account,
                external_id=f"p{n}",
                text="Во дворе третий день нет горячей воды.",
                status=status,
                due_at=due_at,
                paused_at=NOW - timedelta(hours=1) if rng.random() < 0.2 else None,
                overdue_since=due_at if rng.random() < 0.15 else None,
                ministry=ministry,
                assignee=(
                    ministry.head
                    if ministry is not None and ministry.head is not None and rng.random() < 0.1
                    else rng.choice([*officials, None, None, None])
                ),
                resolved_at=NOW if status == Appeal.Status.RESOLVED else None,
                answer="Отремонтировано." if status == Appeal.Status.RESOLVED else "",
                rejection_reason="spam" if status == Appeal.Status.REJECTED else "",
            )
        )
    Appeal.objects.bulk_create(appeals)


def rows(model, without: tuple[str, ...] = ()) -> list[str]:
    """Every row of ``model``, every column but ``without``, in a stable order."""
    columns = [field.attname for field in model._meta.concrete_fields if field.attname not in without]
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in model.objects.values(*columns))


def written() -> dict[str, list[str]]:
    return {
        "appeals": rows(Appeal),
        "events": rows(AppealEvent, without=("id",)),
        "notifications": rows(Notification, without=("id",)),
    }


def run(flag) -> tuple[int, dict[str, list[str]]]:
    """What ``flag`` returns and writes, then undone for the other way to run on the same data."""
    with transaction.atomic():
        flagged = flag()
        after = written()
        transaction.set_rollback(True)
    return flagged, after


@pytest.mark.parametrize(
    ("seed_value", "bot", "mailbox", "operators"),
    [
        (1, True, "press@r-19.example", 3),
        (2, False, "", 2),
        (3, True, "", 0),
        (4, False, "press@r-19.example", 0),
    ],
)
def test_the_statement_writes_what_the_batches_write(settings, seed_value, bot, mailbox, operators):
    settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN = "123:secret" if bot else ""
    settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL = mailbox
    seed(random.Random(seed_value), operators)
    before = written()

    statement = run(lambda: jobs._flag_overdue_statement(NOW))
    batches = run(lambda: jobs._flag_overdue_in_batches(NOW, batch_size=40))

    assert written() == before
    assert statement == batches
    flagged, after = statement
    expected = Appeal.objects.overdue(NOW).filter(overdue_since__isnull=True)
    assert flagged == expected.count() > 40  # more than one batch
    assert len(after["events"]) == len(before["events"]) + flagged
    # The data reaches every branch of the rule: telegram only with the bot, the press service
    # (its logins, its mailbox, or nobody at all) for the appeals nobody owns.
    notes = [json.loads(note) for note in after["notifications"]]
    assert any(note["channel"] == "telegram" for note in notes) == bot
    press = {(note["recipient_user_id"], note["address"]) for note in notes if note["recipient_official_id"] is None}
    assert any(user for user, _address in press) == bool(operators)
    if mailbox:
        assert (None, mailbox) in press
    elif not operators:
        assert press == {(None, "")}  # nobody to tell: one visible notification without an address
    assert {note["recipient_name"] for note in notes} & set(AWKWARD_NAMES)
