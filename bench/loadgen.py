"""A small HTTP load generator: several processes, a few threads each, http.client with keep-alive.

No install by hand: the standard library only. Each thread sends its requests one after another
on one connection (opened again when the server closes it, as gunicorn's sync workers do).
"""

import http.client
import multiprocessing
import threading
import time


def _request(state: dict, host: str, port: int, method: str, path: str, body: bytes | None, headers: dict):
    """One request on the thread's connection; returns (status, body). Reconnects once if the server closed it."""
    for attempt in (1, 2):
        if state.get("conn") is None:
            state["conn"] = http.client.HTTPConnection(host, port, timeout=30)
        conn = state["conn"]
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.will_close:
                conn.close()
                state["conn"] = None
            return response.status, data
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            state["conn"] = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _hammer_process(host, port, path, headers, seconds, threads, queue):
    deadline = time.monotonic() + seconds
    results = []

    def worker():
        state, latencies, errors = {}, [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _ = _request(state, host, port, "GET", path, None, headers)
                ok = status == 200
            except OSError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        results.append((latencies, errors))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(([lat for lats, _ in results for lat in lats], sum(errors for _, errors in results)))


def hammer(host: str, port: int, path: str, headers: dict, seconds: float, processes: int = 2, threads: int = 4):
    """GET ``path`` as fast as ``processes × threads`` connections can for ``seconds``.

    Returns (latencies of the successful requests in seconds, number of errors, elapsed seconds).
    """
    queue = multiprocessing.get_context("fork").Queue()
    ctx = multiprocessing.get_context("fork")
    started = time.monotonic()
    procs = [
        ctx.Process(target=_hammer_process, args=(host, port, path, headers, seconds, threads, queue))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    collected = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    return [lat for lats, _ in collected for lat in lats], sum(errors for _, errors in collected), elapsed


def _send_process(host, port, requests, headers, queue):
    state, statuses, latencies = {}, {}, []
    for path, body in requests:
        started = time.perf_counter()
        try:
            status, _ = _request(state, host, port, "POST", path, body, headers)
        except OSError as error:
            status = type(error).__name__
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    queue.put((statuses, latencies))


def send_all(host: str, port: int, senders: list[list[tuple[str, bytes]]], headers: dict):
    """POST each sender's (path, body) list in order, the senders in parallel processes.

    Returns ({status: count}, latencies, elapsed seconds).
    """
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_send_process, args=(host, port, requests, headers, queue)) for requests in senders]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    collected = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    statuses = {}
    for part, _ in collected:
        for status, count in part.items():
            statuses[status] = statuses.get(status, 0) + count
    return statuses, [lat for _, lats in collected for lat in lats], elapsed
