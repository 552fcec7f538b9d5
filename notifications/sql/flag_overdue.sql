-- flag_overdue on PostgreSQL, in one statement whatever the number of appeals (notifications/jobs.py).
--
-- The same rows as the jobs' batches (jobs._flag_overdue_in_batches), which
-- tests/notifications/test_flag_overdue_parity.py compares column by column on random data:
--   * the appeals of Appeal.objects.overdue(now) not flagged yet (models.deadline_q) get
--     overdue_since = due_at;
--   * one history event each, "overdue", with the deadline in ISO 8601 as Python writes it;
--   * the reminders of notifications.recipients(to_assignee=True, to_head=True): the assignee and
--     the ministry's head, each once, at the addresses and on the channels of recipients, the
--     table jobs._flag_overdue_statement makes of notifications.official_recipients (every reachable official)
--     and notifications.operator_recipients (official_id NULL), the press service being told about
--     an appeal nobody owns.
-- A run that overlaps another waits for the rows the other holds, checks the filter again and
-- leaves them: nothing is flagged or told twice.
WITH recipients (official_id, user_id, channel, name, address) AS (
    SELECT *
    FROM unnest(
        %(official_id)s::integer[], %(user_id)s::integer[], %(channel)s::text[], %(name)s::text[], %(address)s::text[]
    )
),
flagged AS (
    UPDATE appeals_appeal
    SET overdue_since = due_at
    WHERE status = ANY(%(open_statuses)s::text[])
        AND paused_at IS NULL
        AND due_at < %(now)s
        AND overdue_since IS NULL
    RETURNING id, due_at, assignee_id, ministry_id
),
events AS (
    INSERT INTO appeals_appealevent (appeal_id, at, actor_id, actor_name, kind, data, note)
    SELECT
        id,
        %(now)s,
        NULL,
        '',
        %(event)s,
        jsonb_build_object(
            'due_at',
            to_char(
                due_at AT TIME ZONE 'UTC',
                CASE
                    WHEN date_trunc('second', due_at) = due_at THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'
                    ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
                END
            )
        ),
        ''
    FROM flagged
),
told (appeal_id, official_id) AS (
    -- The assignee and the ministry's head, each once, if reachable (in the recipients' table:
    -- active officials of active ministries); nobody reachable (0): the press service.
    SELECT f.id, coalesce(t.official_id, 0)
    FROM flagged f
    LEFT JOIN ministries_ministry m ON m.id = f.ministry_id
    LEFT JOIN LATERAL (
        SELECT DISTINCT v.official_id
        FROM (VALUES (f.assignee_id), (m.head_id)) AS v (official_id)
        WHERE v.official_id IN (SELECT r.official_id FROM recipients r WHERE r.official_id IS NOT NULL)
    ) AS t ON true
),
reminders AS (
    INSERT INTO notifications_notification (
        appeal_id, spike_id, kind, channel, recipient_official_id, recipient_user_id, recipient_name, address,
        digest_date, created_at, next_attempt_at, locked_until, attempts, sent_at, gave_up_at, last_error
    )
    SELECT
        t.appeal_id, NULL, %(kind)s, r.channel, r.official_id, r.user_id, r.name, r.address,
        NULL, %(now)s, %(now)s, NULL, 0, NULL, NULL, ''
    FROM told t
    JOIN recipients r ON coalesce(r.official_id, 0) = t.official_id
)
SELECT count(*) FROM flagged
