"""Items 1, 2 and 6 (the classifier): the work of a job, measured in a process of its own.

1. The seed (``bench/seed.py``): appeals per second.
2. ``flag_overdue`` against its floor, the same work written by hand in SQL (``FLAG_OVERDUE_FLOOR``);
   both must write the same rows.
6. The classifier over generated texts.
"""

import sys

from . import common
from .harness import in_child, repeated, sql, vacuum
from .seed import seed_appeals

CLASSIFIER_TEXTS = 2000


# --- 1. seed ----------------------------------------------------------------------------------


def seed(size: int, **options) -> dict:
    def work():
        return seed_appeals(size, stdout=sys.stdout, **options)

    outcome = in_child(work)
    vacuum("appeals_appeal", "appeals_appealevent")
    return outcome


def truncate_appeals() -> None:
    sql(
        "TRUNCATE notifications_notification, appeals_appealmessage, appeals_inboundevent, appeals_appealevent, "
        "appeals_appeal RESTART IDENTITY CASCADE"
    )


# --- 2. flag_overdue and its floor ------------------------------------------------------------

# The floor of flag_overdue: the same work written by hand as one statement — the UPDATE, one
# history event per flagged appeal, and the reminders (the assignee and the ministry head by e-mail,
# and by Telegram to a chat when the bot is configured; an appeal nobody owns: the press service's
# logins and mailbox), every constraint of the tables in place. Written here for the seeded data,
# apart from the application's notifications/sql/flag_overdue.sql, so that it stays a floor the
# application is measured against, not a copy of it; ``written`` checks that both wrote the same rows.
FLAG_OVERDUE_FLOOR = """
WITH flagged AS (
    UPDATE appeals_appeal SET overdue_since = due_at
    WHERE status IN ('new', 'assigned', 'in_progress', 'awaiting_citizen')
        AND paused_at IS NULL AND overdue_since IS NULL AND due_at < %(now)s
    RETURNING id, due_at, assignee_id, ministry_id
),
events AS (
    INSERT INTO appeals_appealevent (appeal_id, at, actor_id, actor_name, kind, data, note)
    SELECT id, %(now)s, NULL, '', 'overdue', jsonb_build_object('due_at', to_char(due_at AT TIME ZONE 'UTC',
        CASE WHEN date_trunc('second', due_at) = due_at THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'
        ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)), ''
    FROM flagged
),
told AS (
    SELECT id AS appeal_id, assignee_id AS official_id FROM flagged WHERE assignee_id IS NOT NULL
    UNION
    SELECT f.id, m.head_id FROM flagged f JOIN ministries_ministry m ON m.id = f.ministry_id
    WHERE m.head_id IS NOT NULL
),
to_officials AS (
    INSERT INTO notifications_notification (appeal_id, spike_id, kind, channel, recipient_official_id,
        recipient_user_id, recipient_name, address, digest_date, created_at, next_attempt_at, locked_until,
        attempts, sent_at, gave_up_at, last_error)
    SELECT t.appeal_id, NULL, 'overdue', c.channel, o.id, NULL, o.full_name, c.address, NULL, %(now)s, %(now)s,
        NULL, 0, NULL, NULL, ''
    FROM told t JOIN ministries_official o ON o.id = t.official_id
    CROSS JOIN LATERAL (VALUES ('email', o.email), ('telegram', o.telegram_chat_id)) AS c (channel, address)
    WHERE c.channel = 'email' OR (%(telegram)s AND o.telegram_chat_id <> '')
),
press (user_id, name, address) AS (
    SELECT u.id, coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.username), u.email
    FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id
    WHERE g.name = %(operators)s AND u.is_active
    UNION ALL
    SELECT NULL, %(press_name)s, %(press_email)s WHERE %(press_email)s <> ''
),
to_press AS (
    INSERT INTO notifications_notification (appeal_id, spike_id, kind, channel, recipient_official_id,
        recipient_user_id, recipient_name, address, digest_date, created_at, next_attempt_at, locked_until,
        attempts, sent_at, gave_up_at, last_error)
    SELECT f.id, NULL, 'overdue', 'email', NULL, p.user_id, p.name, p.address, NULL, %(now)s, %(now)s,
        NULL, 0, NULL, NULL, ''
    FROM flagged f LEFT JOIN ministries_ministry m ON m.id = f.ministry_id CROSS JOIN press p
    WHERE f.assignee_id IS NULL AND m.head_id IS NULL
)
SELECT count(*) FROM flagged
"""


def written() -> dict:
    """What a flag_overdue run wrote, for comparing two of them: the flagged appeals, the overdue
    events and the overdue notifications, each as a count and a digest of every column but the id."""
    statements = {
        "appeals": "SELECT id || '|' || overdue_since FROM appeals_appeal WHERE overdue_since IS NOT NULL",
        "events": "SELECT concat_ws('|', appeal_id, at, actor_id, actor_name, kind, data::text, note) "
        "FROM appeals_appealevent WHERE kind = 'overdue'",
        "notifications": "SELECT concat_ws('|', appeal_id, spike_id, kind, channel, recipient_official_id, "
        "recipient_user_id, recipient_name, address, digest_date, created_at, next_attempt_at, locked_until, "
        "attempts, sent_at, gave_up_at, last_error) FROM notifications_notification WHERE kind = 'overdue'",
    }
    return {
        name: tuple(sql(f"SELECT count(*), md5(string_agg(r, ',' ORDER BY r)) FROM ({query}) AS t (r)", fetch=True)[0])
        for name, query in statements.items()
    }


def flag_overdue_floor(now) -> int:
    """Run FLAG_OVERDUE_FLOOR at ``now``; return how many appeals it flagged."""
    from django.conf import settings
    from django.utils.translation import gettext

    from ministries.roles import OPERATORS_GROUP

    params = {
        "now": now,
        "telegram": bool(settings.GOVFEEDBACK_TELEGRAM_BOT_TOKEN),
        "operators": OPERATORS_GROUP,
        "press_name": gettext("press service"),
        "press_email": settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL,
    }
    return sql(FLAG_OVERDUE_FLOOR, params, fetch=True)[0][0]


def measure_flag_overdue(label: str) -> tuple[dict, dict]:
    from django.utils import timezone

    from notifications import jobs

    now = timezone.now()

    def reset():
        sql("UPDATE appeals_appeal SET overdue_since = NULL WHERE overdue_since IS NOT NULL")
        sql("DELETE FROM notifications_notification WHERE kind = 'overdue'")
        sql("DELETE FROM appeals_appealevent WHERE kind = 'overdue'")
        vacuum("appeals_appeal", "appeals_appealevent", "notifications_notification")
        # Every run, ours and the floor, starts right after a checkpoint: its WAL (mostly the first-touch
        # page images of the appeal table) then falls the same way for both, instead of whenever
        # max_wal_size happens to be reached.
        sql("CHECKPOINT")

    def ours():
        return jobs.flag_overdue(now=now)

    def floor():
        return flag_overdue_floor(now)

    job = repeated(ours, reset, label=f"flag_overdue ({label})")
    ours_wrote = written()
    bare = repeated(floor, reset, label=f"the same work in hand-written SQL ({label})")
    differences = common.differences(ours_wrote, written())
    if job["result"] != bare["result"] or differences:
        raise RuntimeError(
            f"flag_overdue flagged {job['result']}, the hand-written SQL {bare['result']}; "
            f"they wrote different {', '.join(differences) or 'numbers'}: not the same work"
        )
    return job, bare


# --- 6. the classifier ------------------------------------------------------------------------


def classifier_speed() -> dict:
    import random

    from appeals.classifier import classify
    from demo import government as demo

    rng = random.Random(6)
    codes = [code for code, _ in demo.TOPIC_SHARES]
    texts = []
    for _ in range(CLASSIFIER_TEXTS):
        text, _place = demo.appeal_text(rng, rng.choice(codes))
        # Vary the texts so that no two are the same: a number and a random tail.
        texts.append(f"{text} Дом {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}. {rng.choice(codes)}")
    classify(texts[0])  # loads the model

    def work():
        for text in texts:
            classify(text)
        return len(texts)

    return repeated(work, label="classifier")
