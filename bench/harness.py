"""How the benchmark takes a measurement: the work in a forked process (its wall time, SQL queries
and peak RSS), a warm-up and repeated runs, their medians; and what every measurement shares (the
progress line, raw SQL). Django is imported only inside the functions, once the run has set it up,
so that every module of the benchmark can import this one (the peer's side too, in django-helpdesk's
interpreter).
"""

import multiprocessing
import os
import resource
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from .common import median

ROOT = Path(__file__).resolve().parent.parent
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def say(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def sql(statement: str, params=None, *, fetch: bool = False):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if fetch else cursor.rowcount


def vacuum(*tables: str) -> None:
    sql("VACUUM ANALYZE " + ", ".join(tables))


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
