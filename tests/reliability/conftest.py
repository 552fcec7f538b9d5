"""Fault tests against real services: PostgreSQL, Redis, Celery workers and gunicorn as separate
processes that the tests stop, kill and restart. They need a database that other processes can
open, so they run on PostgreSQL (.ci/run's second pass, GOVFEEDBACK_REQUIRE_SERVICES=1); the
SQLite pass skips them. The shared Redis and PostgreSQL are never stopped: each test starts its
own Redis, and a PostgreSQL restart is played on the test's own database (see test_postgres).
"""

import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# Private ports (this project's range for tests): one Redis per test, one HTTP server.
REDIS_PORTS = {"outage": 6391, "kill": 6392, "double": 6393, "reuse": 6394}
HTTP_PORT = 8641


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="other processes need PostgreSQL; .ci/run runs these on it")
    for item in items:
        # A module that brings a database file of its own (OWN_DATABASE) runs on SQLite too.
        own_database = getattr(getattr(item, "module", None), "OWN_DATABASE", False)
        if "tests/reliability/" in str(item.fspath) and not own_database and connection.vendor != "postgresql":
            item.add_marker(skip)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition, timeout: float, interval: float = 0.2, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"Not within {timeout} s: {what}")


class PrivateRedis:
    """A throwaway redis-server on a private port; stop() and start() play an outage."""

    def __init__(self, port: int):
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (Debian package redis-server).")
        self.port, self.process = port, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert not port_open(self.port), f"port {self.port} is taken"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, what=f"redis on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        wait_until(lambda: not port_open(self.port), 10, what=f"redis on {self.port} stopped")


@pytest.fixture
def private_redis(request):
    redis = PrivateRedis(REDIS_PORTS[request.param])
    redis.start()
    yield redis
    redis.stop()


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(tmp_path, broker: str = "", **extra) -> dict:
    """A child process that shares this test's database; its e-mails go to tmp_path/mail."""
    (tmp_path / "run").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker or settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": "govfeedback-faults",
        "EMAIL_BACKEND": "tests.reliability.mailbox.HangingBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "RUN_DIR": str(tmp_path / "run"),
        **extra,
    }


class Worker:
    """``celery worker --beat`` in its own process group (the embedded beat dies with it)."""

    def __init__(self, tmp_path, env: dict, name: str):
        self.log_path = tmp_path / f"{name}.log"
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "govfeedback",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
                f"--schedule={tmp_path / 'run' / name}-beat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30) -> None:
        wait_until(lambda: " ready." in self.text() or self.process.poll() is not None, timeout, what="worker ready")
        assert self.process.poll() is None, self.text()[-3000:]

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill(signal.SIGKILL)


def sent_mails(tmp_path) -> list[tuple[str, str]]:
    """(recipient, subject) of every e-mail written by the children, one per message."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return []
    mails = []
    for path in folder.glob("*"):
        for text in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            message = email.message_from_string(text.strip("\n"), policy=email.policy.default)
            if message["To"]:
                mails.append((str(message["To"]), str(message["Subject"])))
    return mails


class Gunicorn:
    """The application under gunicorn (3 sync workers) on the private HTTP port, in its own process."""

    ARGS = ["-b", f"127.0.0.1:{HTTP_PORT}", "-w", "3", "--timeout", "30", "--graceful-timeout", "3"]
    BASE = f"http://127.0.0.1:{HTTP_PORT}"

    def __init__(self, tmp_path, env: dict):
        self.log_path = tmp_path / "gunicorn.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "govfeedback.wsgi:application", *self.ARGS],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: port_open(HTTP_PORT) or self.process.poll() is not None, 30, what="gunicorn")
        assert self.process.poll() is None, self.log_path.read_text()[-3000:]

    def poll(self):
        return self.process.poll()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def call(method: str, path: str, body: dict | None = None, token: str = "", timeout: float = 15) -> tuple[int, str]:
    """One HTTP request to the Gunicorn server: (status, body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(Gunicorn.BASE + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def wall_reply(n: int, prefix: str = "r") -> dict:
    """A VK comment to the group 170000001 (secret vk-secret-1), the n-th of a test."""
    comment = {"id": n, "from_id": 100000 + n, "date": 1764300000, "text": f"Яма на дороге у дома {n}"}
    comment |= {"post_id": n, "owner_id": -170000001}
    return {
        "type": "wall_reply_new",
        "event_id": f"{prefix}{n}",
        "v": "5.199",
        "object": comment,
        "secret": "vk-secret-1",
    }


# The sweep of accepted webhooks whose hand-off to a worker was lost: every second, after 2 s.
SWEEP = {"PROCESS_PENDING_EVERY_SECONDS": "1", "GOVFEEDBACK_INTAKE_PENDING_AFTER_SECONDS": "2"}


def appeals_made() -> int:
    """The appeals made from webhooks to the VK group 170000001 (``wall_reply``)."""
    from appeals.models import Appeal

    return Appeal.objects.filter(account__external_id="170000001").count()
