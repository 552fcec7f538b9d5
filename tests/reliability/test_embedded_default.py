"""`make run` as a new user has it — SQLite, the filesystem broker, the web server, a Celery worker
and beat, nothing configured — takes a burst of webhooks without losing one, and SIGTERM stops it
all within seconds.

The processes are the Makefile's own (`make run`: migrate, the demo's seed, the worker with beat,
runserver) on a database file, a RUN_DIR and a port of the test's; nothing of the checkout's
db.sqlite3 or .run/ is touched. No PostgreSQL or Redis: this runs in every `make test`.
"""

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, port_open, wait_until, wall_reply

OWN_DATABASE = True  # a SQLite file of its own: runs on the SQLite pass too (see conftest)

BURST, SENDERS = 50, 5  # 5 senders, each a webhook every 0.1 s: 50 in about a second
VK_GROUP = "170000001"  # the demo's Minstroy group
SETTLED = {"created", "message", "updated", "duplicate", "ignored", "rejected"}


class MakeRun:
    """`make run` in its own session; ``processes()`` are what is left of it."""

    def __init__(self, tmp: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.database = tmp / "db.sqlite3"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CACHE_URL", "CELERY_QUEUE", "CONN_MAX_AGE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
        }
        env |= {
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "CELERY_BROKER_URL": "filesystem://",
            "RUN_DIR": str(tmp / "run"),
            "EMAIL_FILE_PATH": str(tmp / "mail"),
            "PORT": str(self.port),
        }
        self.log_path = tmp / "make-run.log"
        self.log = self.log_path.open("w")
        # -o: the virtualenv counts as installed (no pip in a test).
        self.process = subprocess.Popen(
            ["make", "-o", ".venv/bin/.installed", "run"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def processes(self) -> list[str]:
        """Every live process of the session: make, its shell, the worker, its pool and beat, the server."""
        self.process.poll()  # reap make itself
        listing = subprocess.run(
            ["ps", "-o", "pid=,stat=,args=", "-s", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [line.strip() for line in listing.splitlines() if line.split()[1:2] != ["Z"]]

    def wait_ready(self) -> None:
        wait_until(
            lambda: (port_open(self.port) and " ready." in self.text()) or self.process.poll() is not None,
            240,
            what="make run: migrated, seeded, serving, the worker ready",
        )
        assert self.process.poll() is None, self.text()[-3000:]

    def query(self, sql: str, *params) -> list[sqlite3.Row]:
        with contextlib.closing(sqlite3.connect(self.database, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            return db.execute(sql, params).fetchall()

    def post(self, payload: dict, deadline: float) -> int:
        """Deliver one webhook as VK does: again after a failure (the development server restarts
        when a file of the checkout changes). How many attempts it took."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        url = f"http://127.0.0.1:{self.port}/intake/vk/{VK_GROUP}/"
        attempts = 0
        while True:
            attempts += 1
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    if response.status == 200 and response.read() == b"ok":
                        return attempts
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"webhook {payload['event_id']} not answered 'ok' after {attempts} attempts")
            time.sleep(0.5)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # all gone already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    stack = MakeRun(tmp_path_factory.mktemp("embedded"))
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def test_a_burst_of_webhooks_all_become_appeals(make_run):
    [group] = make_run.query(
        "SELECT id, webhook_secret FROM ministries_socialaccount WHERE platform = 'vk' AND external_id = ?", VK_GROUP
    )
    payloads = []
    for n in range(1, BURST + 1):
        payload = wall_reply(n, prefix="burst")
        payload["secret"] = group["webhook_secret"]
        payloads.append(payload)
    deadline = time.monotonic() + 60
    attempts = []

    def sender(first: int) -> None:
        for payload in payloads[first::SENDERS]:
            attempts.append(make_run.post(payload, deadline))
            time.sleep(0.1)

    threads = [threading.Thread(target=sender, args=(first,)) for first in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(attempts) == BURST

    authors = [str(payload["object"]["from_id"]) for payload in payloads]
    placeholders = ",".join("?" * BURST)

    def appeals() -> int:
        sql = f"SELECT COUNT(*) FROM appeals_appeal WHERE account_id = ? AND author_external_id IN ({placeholders})"
        return make_run.query(sql, group["id"], *authors)[0][0]

    def events() -> list[dict]:
        sql = "SELECT * FROM appeals_inboundevent WHERE account_id = ? AND dedup_key LIKE 'burst%' ORDER BY id"
        return [dict(row) for row in make_run.query(sql, group["id"])]

    def settled() -> bool:
        return appeals() == BURST or all(e["outcome"] in SETTLED or e["processed_at"] for e in events())

    wait_until(settled, 60, interval=0.5, what=f"the burst's {BURST} events processed")
    stored = events()
    failed = [
        (e["dedup_key"], e["outcome"], e["failed_attempts"], e["reason"])
        for e in stored
        if e["outcome"] not in SETTLED or e["failed_attempts"]
    ]
    print(f"{BURST} webhooks, {sum(attempts) - BURST} redelivered; {len(failed)} events failed: {failed[:3]}")
    assert failed == []
    assert {e["dedup_key"] for e in stored if e["outcome"] == "created"} == {p["event_id"] for p in payloads}
    assert appeals() == BURST


def test_sigterm_stops_the_server_the_worker_and_beat_within_seconds(make_run):
    running = "\n".join(make_run.processes())
    assert "celery -A govfeedback worker" in running and "runserver" in running, running
    make_run.process.send_signal(signal.SIGTERM)  # as a terminal's kill, a supervisor or a CI runner does
    started = time.monotonic()
    # The Makefile lets a busy worker finish for STOP_SECONDS (8), then stops it cold; the rest is
    # the processes' own exit, slower on a loaded two-core machine.
    limit = 8 + 5
    while make_run.processes() and time.monotonic() - started < limit:
        time.sleep(0.1)
    left = make_run.processes()
    print(f"make run stopped in {time.monotonic() - started:.1f} s")
    assert left == [], f"still running {limit} s after SIGTERM:\n" + "\n".join(left)
