"""``make bench``: seed BENCH_APPEALS appeals in a database of its own and measure (issue 8).

Every figure is the median of BENCH_REPEATS runs after a warm-up, with the SQL query count and
the peak memory (RSS) of the process that did the work, and beside it its floor: the same work
written by hand in SQL, a page's own SQL run directly, a bare Django view through the same
gunicorn. Results go to bench/results.json and bench/RESULTS.md.

The database named by DATABASE_URL is never touched: the benchmark drops and creates
``govfeedback_bench`` (and ``govfeedback_bench_helpdesk`` for the peer) on the same server at the
start, so an interrupted run is cleaned by the next one.

This module is the run: it prepares the databases, starts gunicorn, calls each item's measurement in
order and writes the table. The measurements live beside it: ``measure_jobs`` (1, 2, the classifier
of 6), ``measure_pages`` (3, 4, the dashboard of 6), ``measure_intake`` (5), ``peer_helpdesk`` (7);
what they share is in ``harness`` (a measurement in a child process, repeated) and ``servers``
(gunicorn, the Celery worker).
"""

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from . import common
from .common import Refused, ratio
from .harness import ROOT, say, sql
from .measure_intake import INTAKE_EVENTS, measure_intake
from .measure_jobs import CLASSIFIER_TEXTS, classifier_speed, measure_flag_overdue, seed, truncate_appeals
from .measure_pages import LOAD_SECONDS, PAGE_REPEATS, deep_cursor, measure_page, taking_turns, throughput, user
from .measure_publishing import PUBLICATIONS, measure_publishing
from .peer_helpdesk import PEER_TICKETS, measure_peer
from .servers import WORKERS, gunicorn

HERE = Path(__file__).resolve().parent
# BENCH_ONLY=5 (or 2,5): only these measurements, after the seed (1), which every one needs.
ONLY = set(os.environ.get("BENCH_ONLY", "2,3,4,5,6,7,8").replace(" ", "").split(","))

results: dict = {"rows": []}


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
    say(f"1. seed: {size:,} appeals (bench/seed.py)")
    seeded = seed(size)
    row(
        what=f"1. seed_bench, {size:,} appeals",  # the row's name in the published results
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
        first = measure_page(api, "/api/v1/appeals/")
        deep = f"/api/v1/appeals/?cursor={deep_cursor(size)}"
        page_row("4. API deep page (middle of the table)", measure_page(api, deep))
        bare_page = measure_page(api, "/bench/bare-appeals/")
        page_row("4. bare Django view (floor), first page", bare_page, target="")
        # The API's floor is the bare view serving the same rows (its own SQL swings with the load),
        # the two timed taking turns, request by request.
        turns = taking_turns(api, {"api": "/api/v1/appeals/", "bare": "/bench/bare-appeals/"}, PAGE_REPEATS * 5)
        first["seconds"], first["floor_seconds"] = turns["api"], turns["bare"]
        page_row("4. API first page, against the bare view", first, target=API_PAGE_TARGET)

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
            target="≥ 80 % of the bare view, no errors",
            met=bool(share is not None and share >= 0.8 and drf["errors"] == 0 and drf["requests"] > 0),
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

    if "8" in ONLY:
        # 8. publishing answers through the fake platforms
        say(f"8. publishing: {PUBLICATIONS:,} answers through the local fake platforms")
        published = measure_publishing()
        row(
            what=f"8. publishing {published['answers']:,} answers, {published['workers']} worker process(es)",
            value=published["per_s"],
            unit="answers/s",
            seconds=published["seconds"],
            target="none doubled, none lost, no account above its platform's limit a second",
            met=bool(
                published["published"] == published["answers"]
                and not published["doubled"]
                and not published["lost"]
                and not published["over_limit"]
            ),
            note=(
                f"doubled {published['doubled']}, lost {published['lost']}; busiest second of one account: "
                + ", ".join(f"{platform} {calls}" for platform, calls in sorted(published["busiest_second"].items()))
                + " (limits: vk 20, telegram 30)"
            ),
        )

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


API_PAGE_TARGET = "≤ 10 queries, ≤ 1.25× the bare view, no full COUNT"
PAGE_TARGET = "≤ 10 queries, ≤ 3× its SQL, no full COUNT"


def page_row(label: str, page: dict, target: str = PAGE_TARGET) -> dict:
    page_ratio = ratio(page["seconds"], page["floor_seconds"])
    met = None
    if target in (PAGE_TARGET, API_PAGE_TARGET):
        limit = 1.25 if target == API_PAGE_TARGET else 3
        met = bool(
            page["queries"] <= 10 and page_ratio is not None and page_ratio <= limit and not page["unbounded_counts"]
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
