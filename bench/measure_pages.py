"""Items 3, 4 and 6 (the dashboard): pages in-process against their own SQL run directly, and the
API's throughput through gunicorn against a bare Django view's.
"""

import base64
import os
import re
import time
from urllib.parse import urlencode

from .common import median, percentile
from .servers import HOST, PORT

PAGE_REPEATS = int(os.environ.get("BENCH_PAGE_REPEATS", "7"))
LOAD_SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))


def user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def taking_turns(client, urls: dict[str, str], rounds: int) -> dict[str, float]:
    """Median time of GET of each of ``urls``, taking turns request by request (after a warm-up of
    each): two pages compared on the same caches and the same moment's load."""
    for url in urls.values():
        for _ in range(2):
            client.get(url)
    times = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            times[name].append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
    return {name: median(values) for name, values in times.items()}


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
