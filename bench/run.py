"""``make bench``: seed BENCH_APPEALS appeals in a database of its own and measure (issue 8).

Every figure is the median of BENCH_REPEATS runs after a warm-up, with the SQL query count and
the peak memory (RSS) of the process that did the work, and beside it its floor: the same work
written by hand in SQL, a page's own SQL run directly, a bare Django view through the same
gunicorn. Results go to bench/results.json and bench/RESULTS.md.

The database named by DATABASE_URL is never touched: the benchmark drops and creates
``govfeedback_bench`` (and ``govfeedback_bench_helpdesk`` for the peer) on the same server at the
start, so an interrupted run is cleaned by the next one.
"""

import base64
import json
import multiprocessing
import os
import platform
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import traceback
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from . import common
from .common import Refused, median, percentile, ratio

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PEER_VENV = ROOT / ".bench" / "helpdesk-venv"
HELPDESK_REQUIREMENT = "django-helpdesk==2.6.1"
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8620"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
PAGE_REPEATS = int(os.environ.get("BENCH_PAGE_REPEATS", "7"))
LOAD_SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
# gunicorn's processes: as deploy/gunicorn.conf.py, one more than the CPUs.
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 2) + 1)))
PEER_TICKETS = int(os.environ.get("BENCH_PEER_TICKETS", "10000"))
INTAKE_EVENTS = int(os.environ.get("BENCH_INTAKE_EVENTS", "10000"))
# Celery worker processes that make the appeals of the accepted webhooks while they arrive.
INTAKE_WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "1"))
CLASSIFIER_TEXTS = 2000
# BENCH_ONLY=5 (or 2,5): only these measurements, after the seed (1), which every one needs.
ONLY = set(os.environ.get("BENCH_ONLY", "2,3,4,5,6,7").replace(" ", "").split(","))

results: dict = {"rows": []}


def say(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def row(**values) -> dict:
    results["rows"].append(values)
    return values


# --- checks and the database ------------------------------------------------------------------


# The advisory lock a run holds on the server's maintenance database ("govbench" in ASCII), and the
# connection that holds it.
BENCH_LOCK = 0x676F7662656E6368
_server_lock = None


def prepare() -> tuple[int, str, str]:
    """Check the input, reach PostgreSQL, drop and create the bench databases. Raises Refused."""
    size = common.appeals_from(os.environ.get("BENCH_APPEALS"))
    server, bench = common.bench_database_url(os.environ.get("DATABASE_URL"))
    _, peer = common.bench_database_url(os.environ.get("DATABASE_URL"), common.DEFAULT_DATABASE + "_helpdesk")
    import psycopg

    global _server_lock
    try:
        conn = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Refused(f"PostgreSQL is not reachable at {server.rsplit('/', 1)[0]}: {reason}") from None
    # One run per server: a second would drop the first one's database under it. The lock is the
    # connection's, held until this process ends (however it ends).
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", [BENCH_LOCK]).fetchone()[0]:
        conn.close()
        raise Refused(f"another benchmark is running on {server.rsplit('/', 1)[0]}; wait for it to end")
    _server_lock = conn
    for url in (bench, peer):
        name = url.rsplit("/", 1)[1].split("?")[0]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    broker = common.bench_broker_url(os.environ.get("CELERY_BROKER_URL"))
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=5).delete(common.BENCH_QUEUE)
    except redis.RedisError as error:
        raise Refused(f"Redis is not reachable at {broker} (the intake's broker): {error}") from None
    # gunicorn and the Celery workers inherit these. As in deploy/, the intake's per-account
    # counters live in the same Redis (CACHE_URL), shared by the gunicorn processes.
    os.environ.update(CELERY_BROKER_URL=broker, CELERY_QUEUE=common.BENCH_QUEUE, CACHE_URL=broker)
    return size, bench, peer


def setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.urls import get_resolver

    # Import every view now: the run measures the code as it was when it started.
    get_resolver().url_patterns  # noqa: B018


def sql(statement: str, params=None, *, fetch: bool = False):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if fetch else cursor.rowcount


def vacuum(*tables: str) -> None:
    sql("VACUUM ANALYZE " + ", ".join(tables))


# --- measuring --------------------------------------------------------------------------------


def in_child(fn, *args) -> dict:
    """Run ``fn(*args)`` in a forked process: its wall time, SQL queries, peak RSS and result."""
    from django.db import connection, connections

    connections.close_all()  # the child opens its own connection
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def target():
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        try:
            started = time.perf_counter()
            with connection.execute_wrapper(count):
                result = fn(*args)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            send.send({"seconds": seconds, "queries": queries, "peak_mb": peak, "result": result})
        except BaseException:
            send.send({"error": traceback.format_exc()})
        finally:
            connections.close_all()

    proc = ctx.Process(target=target)
    proc.start()
    outcome = receive.recv()
    proc.join()
    if "error" in outcome:
        raise RuntimeError(outcome["error"])
    return outcome


def repeated(fn, reset=None, repeats: int = REPEATS, label: str = "") -> dict:
    """Warm-up once, then ``repeats`` runs (each after ``reset``): the medians and the last result."""
    runs = []
    for n in range(repeats + 1):
        if reset:
            reset()
        outcome = in_child(fn)
        if n:
            runs.append(outcome)
        say(f"  {label} run {n or 'warm-up'}: {outcome['seconds']:.3f} s, {outcome['queries']} queries")
    return {
        "seconds": median([r["seconds"] for r in runs]),
        "runs": [r["seconds"] for r in runs],
        "queries": max(r["queries"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "result": runs[-1]["result"],
    }


# --- 1. seed ----------------------------------------------------------------------------------


def seed(size: int, **options) -> dict:
    from django.core.management import call_command

    def work():
        call_command("seed_bench", appeals=size, stdout=sys.stdout, **options)
        return size

    outcome = in_child(work)
    vacuum("appeals_appeal", "appeals_appealevent")
    return outcome


def truncate_appeals() -> None:
    sql(
        "TRUNCATE appeals_notification, appeals_appealmessage, appeals_inboundevent, appeals_appealevent, "
        "appeals_appeal RESTART IDENTITY CASCADE"
    )


# --- 2. flag_overdue and its floor ------------------------------------------------------------

# The floor of flag_overdue: the same work written by hand as one statement — the UPDATE, one
# history event per flagged appeal, and the reminders (the assignee and the ministry head by e-mail,
# and by Telegram to a chat when the bot is configured; an appeal nobody owns: the press service's
# logins and mailbox), every constraint of the tables in place. Written here for the seeded data,
# apart from the application's appeals/sql/flag_overdue.sql, so that it stays a floor the
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
    INSERT INTO appeals_notification (appeal_id, spike_id, kind, channel, recipient_official_id,
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
    INSERT INTO appeals_notification (appeal_id, spike_id, kind, channel, recipient_official_id,
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
        "attempts, sent_at, gave_up_at, last_error) FROM appeals_notification WHERE kind = 'overdue'",
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

    from appeals import sla

    now = timezone.now()

    def reset():
        sql("UPDATE appeals_appeal SET overdue_since = NULL WHERE overdue_since IS NOT NULL")
        sql("DELETE FROM appeals_notification WHERE kind = 'overdue'")
        sql("DELETE FROM appeals_appealevent WHERE kind = 'overdue'")
        vacuum("appeals_appeal", "appeals_appealevent", "appeals_notification")
        # Every run, ours and the floor, starts right after a checkpoint: its WAL (mostly the first-touch
        # page images of the appeal table) then falls the same way for both, instead of whenever
        # max_wal_size happens to be reached.
        sql("CHECKPOINT")

    def ours():
        return sla.flag_overdue(now=now)

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


# --- 3/4. pages in-process, and their own SQL -------------------------------------------------


def user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def measure_page(client, url: str, headers: dict | None = None) -> dict:
    """Median time of GET ``url`` (after two warm-ups), its queries, and its own SQL run directly."""
    import tracemalloc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = headers or {}
    for _ in range(2):
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    times = []
    for _ in range(PAGE_REPEATS):
        started = time.perf_counter()
        client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        tracemalloc.start()
        client.get(url, headers=headers)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    statements = [query["sql"] for query in captured.captured_queries]
    floor_times = []
    for _ in range(PAGE_REPEATS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()
        floor_times.append(time.perf_counter() - started)
    full_counts = [
        s for s in statements if re.search(r"\bCOUNT\(", s, re.I) and "appeals_appeal" in s and "LIMIT" not in s
    ]
    return {
        "seconds": median(times),
        "queries": len(statements),
        "floor_seconds": median(floor_times),
        "alloc_peak_mb": peak / 2**20,
        "unbounded_counts": full_counts,
        "sql": statements,
    }


def deep_cursor(size: int) -> str:
    """A cursor in the middle of the newest-first list (what following ``next`` for N/2 rows would give)."""
    from appeals.models import Appeal

    position = Appeal.objects.order_by("-received_at", "-id").values_list("received_at", flat=True)[size // 2]
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


# --- 4/5. gunicorn ----------------------------------------------------------------------------


PIDFILE = ROOT / ".bench" / "gunicorn.pid"
CELERY_PIDFILE = ROOT / ".bench" / "celery.pid"


def stop_leftover(pidfile: Path, marker: bytes) -> None:
    """An interrupted run may have left its gunicorn or workers behind: stop them (by the pidfile,
    and only a process whose command line holds ``marker``)."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if marker in cmdline:
        say(f"stopping {marker.decode()} that an interrupted run left behind (pid {pid})")
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.2)


@contextmanager
def gunicorn():
    stop_leftover(PIDFILE, b"bench.wsgi")
    PIDFILE.parent.mkdir(exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    args = [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind", f"{HOST}:{PORT}"]
    args += ["--pid", str(PIDFILE), "--preload"]
    args += ["--workers", str(WORKERS), "--log-level", "warning", "--timeout", "120"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, PORT), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start on {HOST}:{PORT}") from None
                time.sleep(0.2)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def throughput(paths: dict[str, str], headers: dict, rounds: int = 2) -> dict[str, dict]:
    """Requests per second of each path, the paths taking turns (``rounds`` × LOAD_SECONDS/rounds
    each), so that a change in the machine's load falls on all of them alike."""
    from .loadgen import hammer

    for path in paths.values():
        hammer(HOST, PORT, path, headers, 3)  # warm-up: every worker connects and loads its code
    collected = {name: ([], 0, 0.0) for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            latencies, errors, elapsed = hammer(HOST, PORT, path, headers, LOAD_SECONDS / rounds)
            before = collected[name]
            collected[name] = (before[0] + latencies, before[1] + errors, before[2] + elapsed)
    return {
        name: {
            "rps": len(latencies) / elapsed,
            "requests": len(latencies),
            "errors": errors,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "seconds": elapsed,
        }
        for name, (latencies, errors, elapsed) in collected.items()
    }


def intake_events(count: int, first: int = 0, senders: int = 4, redelivered: float = 0.05) -> tuple[list, int]:
    """VK ``wall_reply_new`` events to the ministries' groups, ``redelivered`` of them posted twice."""
    import random

    from appeals import demo
    from ministries.models import SocialAccount

    rng = random.Random(8)
    groups = list(SocialAccount.objects.filter(platform="vk", kind="ministry_group").order_by("id"))
    codes = [code for code, _ in demo.TOPIC_SHARES]
    lists: list[list] = [[] for _ in range(senders)]
    redeliveries = []
    for n in range(first, first + count):
        group = groups[n % len(groups)]
        payload = {
            "type": "wall_reply_new",
            "event_id": f"bench{n}",
            "v": "5.199",
            "group_id": int(group.external_id),
            "secret": group.webhook_secret,
            "object": {
                "id": 7_000_000 + n,
                "from_id": 10_000_000 + n,
                "date": 1764300000 + n,
                "text": demo.appeal_text(rng, rng.choice(codes))[0],
                "post_id": 900_000 + n,
                "owner_id": -int(group.external_id),
                "parents_stack": [],
                "thread": {"count": 0},
            },
        }
        request = (f"/intake/vk/{group.external_id}/", json.dumps(payload, ensure_ascii=False).encode())
        lists[n % senders].append(request)
        if rng.random() < redelivered:
            redeliveries.append((n, request))
    for n, request in redeliveries:  # redelivered later, by another sender
        lists[(n + 1) % senders].insert(rng.randrange(len(lists[(n + 1) % senders]) + 1), request)
    return lists, len(redeliveries)


@contextmanager
def celery_workers():
    """The Celery worker that turns accepted webhooks into appeals, on the same machine as
    gunicorn and at the lowest priority (as deploy/systemd runs it), so that answering the
    platforms comes first and the worker takes the CPU that is left."""
    stop_leftover(CELERY_PIDFILE, b"celery")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    args = ["nice", "-n", "19", sys.executable, "-m", "celery", "-A", "govfeedback", "worker"]
    args += ["--concurrency", str(INTAKE_WORKERS), "--loglevel", "warning", "-n", "bench@%h"]
    args += ["--pidfile", str(CELERY_PIDFILE), "--without-gossip", "--without-mingle", "--without-heartbeat"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_processed(timeout: float) -> None:
    """Until no accepted event waits for a worker (every webhook posted has its outcome)."""
    from appeals.models import InboundEvent

    waiting = InboundEvent.objects.waiting()
    deadline = time.monotonic() + timeout
    while waiting.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{waiting.count()} accepted events still unprocessed after {timeout:.0f} s")
        time.sleep(0.1)


def measure_intake() -> dict:
    from django.db.models import Count

    from appeals.models import Appeal, InboundEvent

    from .loadgen import send_all

    senders, redeliveries = intake_events(INTAKE_EVENTS)
    with celery_workers():
        # Warm-up: every gunicorn worker parses an event, and the Celery workers start and load
        # the classifier, before the clock starts.
        warm, _ = intake_events(WORKERS * 8, first=1_000_000, redelivered=0)
        send_all(HOST, PORT, warm, {"Content-Type": "application/json"})
        wait_processed(120)
        before = Appeal.objects.count()
        last_event = InboundEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.monotonic()
        statuses, latencies, elapsed = send_all(HOST, PORT, senders, {"Content-Type": "application/json"})
        wait_processed(1800)
        drained = time.monotonic() - started
    posted = sum(len(s) for s in senders)
    created = Appeal.objects.count() - before
    posted_events = InboundEvent.objects.filter(pk__gt=last_event)
    outcomes = dict(posted_events.order_by().values_list("outcome").annotate(n=Count("id")))
    return {
        "posted": posted,
        "redelivered": redeliveries,
        "events_per_s": posted / elapsed,
        "seconds": elapsed,
        "processed_per_s": posted / drained,
        "processed_seconds": drained,
        "statuses": {str(k): v for k, v in statuses.items()},
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "stored_events": posted_events.count(),
        "appeals_created": created,
        "outcomes": outcomes,
        "exact": created == INTAKE_EVENTS and outcomes.get("duplicate", 0) == redeliveries,
    }


# --- 6. dashboard and classifier --------------------------------------------------------------


def classifier_speed() -> dict:
    import random

    from appeals import demo
    from appeals.classify import classify

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


# --- 7. the peer ------------------------------------------------------------------------------


def peer_python() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        say(f"installing {HELPDESK_REQUIREMENT} into {PEER_VENV.relative_to(ROOT)} (once)")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import helpdesk, psycopg"], capture_output=True)
    if check.returncode:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", HELPDESK_REQUIREMENT, "psycopg[binary]==3.3.9"],
            check=True,
        )
    return python


def measure_peer(peer_url: str) -> dict:
    python = peer_python()
    env = {**os.environ, "HELPDESK_DATABASE_URL": peer_url, "DJANGO_SETTINGS_MODULE": "bench.helpdesk_settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [str(python), "-m", "bench.peer_helpdesk", str(PEER_TICKETS), "0.9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"django-helpdesk failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run ----------------------------------------------------------------------------------


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    version = sql("SHOW server_version", fetch=True)[0][0]
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "postgresql": version,
        "load_at_start": os.getloadavg(),
    }


def main() -> int:
    try:
        size, bench_url, peer_url = prepare()
    except Refused as refused:
        print(f"make bench: {refused}", file=sys.stderr)
        return 2
    started = time.monotonic()
    setup_django(bench_url)
    from django.core.management import call_command

    results.update({"appeals": size, "started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()})
    say(f"benchmark at {size:,} appeals in {bench_url.rsplit('/', 1)[1]}; machine {results['machine']}")
    call_command("migrate", verbosity=0)
    # gunicorn loads the application now (--preload) and serves it later in the run.
    with gunicorn():
        return measure(size, peer_url, started)


def measure(size: int, peer_url: str, started: float) -> int:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    if ONLY & {"2", "7"}:
        # 7 (ours first, on a table of its own size): flag_overdue over PEER_TICKETS open appeals, 90 % past due;
        # 2 compares its query count with this one's.
        say(f"flag_overdue at {PEER_TICKETS:,} open appeals, 90 % past their deadline (2's query count, 7's peer)")
        seed(PEER_TICKETS, open_share=1.0, overdue_share=0.9)
        small_job, _small_floor = measure_flag_overdue(f"{PEER_TICKETS:,}")
        truncate_appeals()

    # 1. seed
    say(f"1. seed_bench --appeals {size:,}")
    seeded = seed(size)
    row(
        what=f"1. seed_bench, {size:,} appeals",
        value=size / seeded["seconds"],
        unit="appeals/s",
        seconds=seeded["seconds"],
        queries=seeded["queries"],
        peak_mb=seeded["peak_mb"],
    )
    client = Client()
    operator = user("operator1")
    head = user("minstroy.head")

    if "2" in ONLY:
        # 2. flag_overdue
        say("2. flag_overdue against the same work written by hand in SQL")
        job, floor = measure_flag_overdue(f"{size:,}")
        flag_ratio = ratio(job["seconds"], floor["seconds"])
        row(
            what=f"2. flag_overdue ({job['result']:,} flagged)",
            value=job["seconds"],
            unit="s",
            queries=job["queries"],
            peak_mb=job["peak_mb"],
            floor=floor["seconds"],
            ratio=flag_ratio,
            target="≤ 1.2× the same work in hand-written SQL; queries independent of size",
            met=bool(flag_ratio is not None and flag_ratio <= 1.2 and job["queries"] == small_job["queries"]),
            queries_at_peer_size=small_job["queries"],
            floor_queries=floor["queries"],
            note=f"{job['queries']} queries at {size:,} appeals, {small_job['queries']} at {PEER_TICKETS:,}",
        )

    if "3" in ONLY:
        # 3. admin pages
        say("3. admin appeals list (operator, operator overdue, ministry head's queue)")
        pages = [
            ("operator, no filter", operator, "/admin/appeals/appeal/"),
            ("operator, overdue", operator, "/admin/appeals/appeal/?deadline=overdue"),
            ("head's queue (Минстрой)", head, "/admin/appeals/appeal/?queue=open"),
        ]
        for label, who, url in pages:
            client.force_login(who)
            page = measure_page(client, url)
            page_row(f"3. admin list: {label}", page)

    if "4" in ONLY:
        # 4. API pages in-process
        say("4. API pages and throughput through gunicorn")
        # A logged-in operator's session (DRF's SessionAuthentication; no CSRF for GET), the same for the bare view.
        api = Client()
        api.force_login(operator)
        auth = {"Cookie": f"sessionid={api.cookies['sessionid'].value}"}
        page_row("4. API first page", measure_page(api, "/api/v1/appeals/"))
        deep = f"/api/v1/appeals/?cursor={deep_cursor(size)}"
        page_row("4. API deep page (middle of the table)", measure_page(api, deep))
        page_row("4. bare Django view (floor), first page", measure_page(api, "/bench/bare-appeals/"))

        # gunicorn was started (and the application loaded) at the start of the run.
        say(f"  API and the bare view through gunicorn ({WORKERS} workers), {LOAD_SECONDS:.0f} s each, taking turns")
        load = throughput({"api": "/api/v1/appeals/", "bare": "/bench/bare-appeals/"}, auth)
        drf, bare = load["api"], load["bare"]
        share = ratio(drf["rps"], bare["rps"])
        row(
            what="4. API throughput via gunicorn (first page)",
            value=drf["rps"],
            unit="req/s",
            floor=bare["rps"],
            ratio=share,
            target="≥ 50 % of the bare view, no errors",
            met=bool(share is not None and share >= 0.5 and drf["errors"] == 0 and drf["requests"] > 0),
            p50_ms=drf["p50_ms"],
            p99_ms=drf["p99_ms"],
            errors=drf["errors"],
            bare=bare,
            note=f"p50 {drf['p50_ms']:.0f} ms, p99 {drf['p99_ms']:.0f} ms, {drf['errors']} errors",
        )

    if "5" in ONLY:
        # 5. intake
        say(f"5. intake: {INTAKE_EVENTS:,} VK events by 4 senders, ~5 % redelivered")
        intake = measure_intake()
        row(
            what=(
                f"5. intake, VK wall_reply_new ({intake['posted']:,} posts, {intake['redelivered']} redelivered), "
                "answered"
            ),
            value=intake["events_per_s"],
            unit="events/s",
            target="≥ 300 events/s, none lost or doubled",
            met=bool(intake["events_per_s"] >= 300 and intake["exact"] and not set(intake["statuses"]) - {"200"}),
            note=(
                f"all {intake['appeals_created']:,} appeals made {intake['processed_seconds']:.0f} s "
                f"after the first post ({intake['processed_per_s']:.0f} events/s end to end); "
                + ("exact: none lost, none doubled" if intake["exact"] else "NOT exact")
            ),
            **{k: v for k, v in intake.items() if k not in ("events_per_s",)},
        )

    if "6" in ONLY:
        # 6. dashboard and classifier
        say("6. dashboard and classifier")
        try:
            dashboard = reverse("admin:analytics_dashboard")
        except NoReverseMatch:
            dashboard = None
        if dashboard is None:
            row(what="6. dashboard, month and year", note="not measured: dashboard missing", met=None)
        else:
            client.force_login(operator)
            for period in ("month", "year"):
                try:
                    page = measure_page(client, f"{dashboard}?period={period}")
                except Exception as error:  # the dashboard is another team's work in progress
                    say(f"  dashboard ({period}) failed: {type(error).__name__}: {error}")
                    row(what=f"6. dashboard, {period}", note=f"not measured: the page fails ({type(error).__name__})")
                    continue
                page_row(f"6. dashboard, {period}", page, target="< 1 s" if period == "year" else "")
                if period == "year":
                    results["rows"][-1]["met"] = page["seconds"] < 1.0
                results["rows"][-1]["note"] = "served from its snapshot (analytics/snapshots.py)"
                # What computing the figures costs (the snapshot job, or "Recompute now").
                computed = measure_page(client, f"{dashboard}?period={period}&fresh=1")
                page_row(f"6. dashboard, {period}, computed afresh", computed, target="")
                results["rows"][-1]["note"] = "every figure aggregated again (fresh=1)"
        speed = classifier_speed()
        row(
            what=f"6. classifier, {CLASSIFIER_TEXTS:,} generated texts",
            value=CLASSIFIER_TEXTS / speed["seconds"],
            unit="appeals/s",
            queries=speed["queries"],
            peak_mb=speed["peak_mb"],
        )

    if "7" in ONLY:
        # 7. the peer
        if os.environ.get("BENCH_PEER", "1") != "0":
            say(f"7. django-helpdesk escalate_tickets over {PEER_TICKETS:,} open tickets (slow: ~10 ms a ticket)")
            peer = measure_peer(peer_url)
            faster = ratio(peer["seconds"], small_job["seconds"])
            row(
                what=f"7. peer: helpdesk escalate_tickets ({peer['escalated']:,} of {peer['tickets']:,} escalated)",
                value=peer["seconds"],
                unit="s",
                queries=peer["queries"],
                peak_mb=peer["peak_mb"],
                note=f"{common.per_item(peer['seconds'], peer['escalated'])} per escalated ticket",
            )
            row(
                what=f"7. ours: flag_overdue ({small_job['result']:,} of {PEER_TICKETS:,} flagged)",
                value=small_job["seconds"],
                unit="s",
                queries=small_job["queries"],
                peak_mb=small_job["peak_mb"],
                floor=peer["seconds"],
                ratio=faster,
                met=None,
                note=(
                    f"{common.per_item(small_job['seconds'], small_job['result'])} per flagged appeal; "
                    "ratio: helpdesk's time / ours"
                ),
            )
        else:
            row(what="7. peer: django-helpdesk", note="not measured: BENCH_PEER=0", met=None)

    results["load_at_end"] = os.getloadavg()
    results["minutes"] = (time.monotonic() - started) / 60
    write(size)
    met = [r for r in results["rows"] if r.get("met") is not None]
    missed = [r["what"] for r in met if not r["met"]]
    say(
        f"done in {results['minutes']:.1f} min: {len(met) - len(missed)}/{len(met)} targets met"
        + (f"; missed: {'; '.join(missed)}" if missed else "")
        + " — bench/RESULTS.md, bench/results.json"
    )
    return 0


def page_row(label: str, page: dict, target: str = "≤ 10 queries, ≤ 3× its SQL, no full COUNT") -> dict:
    page_ratio = ratio(page["seconds"], page["floor_seconds"])
    met = None
    if target.startswith("≤ 10"):
        met = bool(
            page["queries"] <= 10 and page_ratio is not None and page_ratio <= 3 and not page["unbounded_counts"]
        )
    return row(
        what=label,
        value=page["seconds"] * 1000,
        unit="ms",
        queries=page["queries"],
        peak_mb=page["alloc_peak_mb"],
        floor=page["floor_seconds"] * 1000,
        ratio=page_ratio,
        target=target,
        met=met,
        unbounded_counts=page["unbounded_counts"],
        sql=page["sql"],
    )


def write(size: int) -> None:
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    info = results["machine"]
    header = (
        f"Benchmark at {size:,} appeals, {results['started']} — {info['cpus']} CPUs, {info['memory_gib']} GiB, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}; load average at start "
        f"{info['load_at_start'][0]:.2f}, at end {results['load_at_end'][0]:.2f}; "
        f"{results['minutes']:.1f} min.\n\n"
        "Times are medians after a warm-up; peak memory is the RSS of the process that did the work "
        "(for pages: the Python allocations of one request); the floor is the same work written by hand "
        "in SQL (2), the page's own SQL run directly (3, 4), the bare Django view through the same gunicorn "
        "(4), django-helpdesk (7).\n\n"
    )
    (HERE / "RESULTS.md").write_text(header + common.markdown_table(results["rows"]))


if __name__ == "__main__":
    sys.exit(main())
