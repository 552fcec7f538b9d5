"""A Redis that accepts connections and never answers (a hung server, a half-open firewall): the
webhooks are still answered within seconds and stored, gunicorn kills no worker.

Before read/write timeouts were set, each webhook waited on the broker (and the rate-limit cache)
until gunicorn killed the worker after its timeout: 60 s in production, 30 s here.
"""

import socket
import threading
import time

import pytest

from appeals.models import InboundEvent

from ..factories import AccountFactory
from .conftest import Gunicorn, call, child_env, wall_reply

pytestmark = pytest.mark.django_db(transaction=True)


class BlackHole:
    """A TCP listener that accepts every connection, reads what comes, and never answers."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.server.settimeout(0.2)
        while self.running:
            try:
                conn, _address = self.server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            self.connections.append(conn)
            threading.Thread(target=self._swallow, args=(conn,), daemon=True).start()

    @staticmethod
    def _swallow(conn):
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass

    def close(self):
        self.running = False
        for conn in self.connections:
            conn.close()
        self.server.close()


def test_a_redis_that_never_answers_delays_no_webhook_for_long(tmp_path):
    AccountFactory(platform="vk", external_id="170000001", webhook_secret="vk-secret-1")
    hole = BlackHole()
    url = f"redis://127.0.0.1:{hole.port}"
    env = child_env(tmp_path, f"{url}/0", CACHE_URL=f"{url}/1")
    server = Gunicorn(tmp_path, env)
    answered = []
    try:
        for n in range(6):
            started = time.monotonic()
            # A platform waits a few seconds; gunicorn here kills a worker after 30 s.
            assert call("POST", "/intake/vk/170000001/", wall_reply(n), timeout=25) == (200, "ok")
            answered.append(time.monotonic() - started)
    finally:
        server.stop()
        hole.close()
    assert hole.connections, "the application never tried the black hole: the test tests nothing"
    assert InboundEvent.objects.filter(outcome="received", authenticated=True).count() == 6
    log = (tmp_path / "gunicorn.log").read_text()
    assert "WORKER TIMEOUT" not in log, log[-2000:]
    # A guard against blocking until the worker is killed, not a speed target: the broker and the
    # cache each give up after REDIS_TIMEOUT_SECONDS (1 s), and the web process then stops asking.
    assert max(answered) < 10, answered
