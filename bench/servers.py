"""The processes a run starts: gunicorn serving the project as production does (items 4 and 5) and
the Celery worker that turns accepted webhooks into appeals (item 5); and stopping what an
interrupted run left behind.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .harness import ROOT, say

HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8620"))
# gunicorn's processes: as deploy/gunicorn.conf.py, one more than the CPUs.
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 2) + 1)))
# Celery worker processes that make the appeals of the accepted webhooks while they arrive.
INTAKE_WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "1"))
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
