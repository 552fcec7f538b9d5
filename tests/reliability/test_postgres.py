"""(e) PostgreSQL restarts under load: requests in flight fail cleanly (503 with Retry-After,
never a 500 or a traceback), later ones succeed, and no appeal is half-written.

The shared PostgreSQL server is not ours to restart. The restart is played on this test's own
database, as the application sees one: every connection is cut (pg_terminate_backend, what a
shutdown does to the backends) and new ones are refused for two seconds (ALLOW_CONNECTIONS
false, as while the server starts), then allowed again. The application is gunicorn with the
production settings (DEBUG off), in its own processes.
"""

import json
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from appeals.intake import processing
from appeals.models import Appeal, AppealEvent, InboundEvent
from govfeedback.celery import app
from ministries import roles

from ..api import token_for
from ..factories import AccountFactory, UserFactory
from .conftest import Gunicorn, Worker, appeals_made, call, child_env, wait_until, wall_reply

pytestmark = pytest.mark.django_db(transaction=True)


class Outage:
    """Cut every connection to the test database and refuse new ones for a while."""

    def __init__(self):
        db = connection.settings_dict
        self.name = db["NAME"]
        self.admin = psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.own_pid = cursor.fetchone()[0]

    def allow(self, allowed: bool) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')

    def cut(self) -> int:
        rows = self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
            [self.name, self.own_pid],
        ).fetchall()
        return len(rows)


def production_env(tmp_path, broker: str = "", **extra) -> dict:
    """The children with the production settings (DEBUG off: a lost database is a 503)."""
    return child_env(
        tmp_path,
        broker,
        DEBUG="0",
        DJANGO_ENV="production",
        SECRET_KEY="restart-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        GOVFEEDBACK_INTAKE_RATE_PER_MINUTE="100000",
        GOVFEEDBACK_API_RATE="100000/min",
        **extra,
    )


@pytest.fixture
def server(tmp_path):
    env = production_env(tmp_path)
    server = Gunicorn(tmp_path, env)
    try:
        yield server
    finally:
        server.stop()
        # The hand-offs to workers that this test does not run (the sweep below does their work).
        with app.connection_for_write() as broker:
            broker.SimpleQueue(env["CELERY_QUEUE"]).clear()


def test_a_restart_under_load_fails_requests_cleanly_and_loses_nothing(server):
    AccountFactory(platform="vk", external_id="170000001", webhook_secret="vk-secret-1")
    operator = UserFactory(username="operator", is_staff=True)
    operator.groups.add(Group.objects.get_or_create(name=roles.OPERATORS_GROUP)[0])
    token = token_for(operator)
    assert call("GET", "/api/v1/appeals/", token=token)[0] == 200
    outage = Outage()
    results, stop, counter, lock = [], threading.Event(), iter(range(1, 100000)), threading.Lock()

    def load():
        while not stop.is_set():
            with lock:
                n = next(counter)
            status, body = call("POST", "/intake/vk/170000001/", wall_reply(n, "pg"))
            results.append((time.monotonic(), "intake", n, status, body))
            status, body = call("GET", "/api/v1/appeals/?status=new", token=token)
            results.append((time.monotonic(), "api", n, status, body))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        # Requests in flight lose their connections (tried until a cut finds one: between two
        # requests a process holds none), then new connections are refused for two seconds.
        cut, deadline = 0, time.monotonic() + 5
        while not cut and time.monotonic() < deadline:
            cut = outage.cut()
        outage.allow(False)
        cut += outage.cut()
        time.sleep(2)
        outage.cut()
    finally:
        outage.allow(True)
    recovered = time.monotonic()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    outage.admin.close()

    statuses = {status for *_rest, status, _body in results}
    assert cut >= 1 and statuses <= {200, 503}, statuses
    failed = [(kind, body) for _at, kind, _n, status, body in results if status == 503]
    assert failed, "the outage was not felt: no request failed"
    for _kind, body in failed:
        assert "Traceback" not in body and set(json.loads(body)) == {"detail"}
    # Once the database is back (allow a second for the workers' new connections), all succeed.
    assert all(status == 200 for at, *_rest, status, _body in results if at > recovered + 1)
    assert server.poll() is None

    # No half-written appeal: each has its "received" event, and each accepted webhook its appeal
    # once the workers' part is done (here by the sweep that picks up accepted events).
    processing.process_pending(now=timezone.now() + timedelta(hours=1), limit=100000)
    accepted = {n for _at, kind, n, status, _body in results if kind == "intake" and status == 200}
    refused = {n for _at, kind, n, status, _body in results if kind == "intake" and status == 503}
    stored = dict(Appeal.objects.filter(account__external_id="170000001").values_list("external_id", "pk"))
    assert all(any(key.endswith(f"_{n}") for key in stored) for n in accepted)
    created = AppealEvent.objects.filter(kind="created").values_list("appeal_id", flat=True)
    assert sorted(created) == sorted(Appeal.objects.values_list("pk", flat=True))
    # The platform redelivers what was refused: each appeal exists once.
    for n in refused:
        assert call("POST", "/intake/vk/170000001/", wall_reply(n, "pg"))[0] == 200
    processing.process_pending(now=timezone.now() + timedelta(hours=1), limit=100000)
    assert Appeal.objects.count() == len(accepted | refused)
    assert not InboundEvent.objects.filter(outcome="rejected").exists()


@pytest.mark.parametrize("private_redis", ["reuse"], indirect=True)
def test_a_cut_connection_is_replaced_before_the_next_request_or_task(tmp_path, private_redis, workers):
    """Workers and gunicorn keep their connections (CONN_MAX_AGE); when the server cuts them (what
    a restart does), the next request and the next task find the kept connection dead before using
    it and reconnect: nothing fails, and the appeal is made by its own task at once, not by the
    sweep a minute later."""
    AccountFactory(platform="vk", external_id="170000001", webhook_secret="vk-secret-1")
    env = production_env(tmp_path, f"{private_redis.url}/0", CONN_MAX_AGE="60")
    worker = Worker(tmp_path, env, "worker")
    workers.append(worker)
    server = Gunicorn(tmp_path, env)
    try:
        worker.wait_ready()
        assert call("POST", "/intake/vk/170000001/", wall_reply(1, "cut")) == (200, "ok")
        wait_until(lambda: appeals_made() == 1, 30, what="the first appeal")
        outage = Outage()
        assert outage.cut() >= 1  # the worker's and gunicorn's kept connections
        outage.admin.close()
        answers = [call("POST", "/intake/vk/170000001/", wall_reply(2, "cut"))[0] for _ in range(3)]
        assert answers == [200, 200, 200]
        # The sweep would wait a minute for an accepted event: this is the task's own work.
        wait_until(lambda: appeals_made() == 2, 20, what="the second appeal, made by its task")
        time.sleep(2)  # the redeliveries are recorded as duplicates: nothing is made twice
    finally:
        server.stop()
    assert worker.process.poll() is None, worker.text()[-2000:]
    assert Appeal.objects.filter(external_id__startswith="wall_reply").count() == 2
