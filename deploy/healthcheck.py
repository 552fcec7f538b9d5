"""Container health checks: `python deploy/healthcheck.py web|worker|beat` exits 0 when healthy.

- web: the login page answers through gunicorn (as the first of ALLOWED_HOSTS, over "https" as
  nginx forwards it), any status below 400 — a redirect to HTTPS also proves Django is serving;
- worker: this container's Celery worker answers a ping through the broker;
- beat: the schedule file has been written in the last 10 minutes (beat saves it every 3).
"""

import glob
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def web() -> bool:
    bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").replace("0.0.0.0", "127.0.0.1")
    host = (os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip() or "localhost").lstrip(".")
    request = urllib.request.Request(
        f"http://{bind}/admin/login/", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        status = urllib.request.build_opener(NoRedirect).open(request, timeout=8).status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"web: {error}", file=sys.stderr)
        return False
    print(f"web: HTTP {status}")
    return status < 400


def worker() -> bool:
    destination = f"celery@{socket.gethostname()}"
    result = subprocess.run(
        ["celery", "--app=govfeedback", "inspect", "ping", f"--destination={destination}", "--timeout=10"],
        capture_output=True,
        text=True,
        timeout=18,
    )
    print(result.stdout.strip() or result.stderr.strip())
    return result.returncode == 0


def beat() -> bool:
    run_dir = os.environ.get("RUN_DIR", "/var/lib/govfeedback")
    files = glob.glob(os.path.join(run_dir, "celerybeat-schedule*"))
    if not files:
        print(f"beat: no schedule file in {run_dir} yet", file=sys.stderr)
        return False
    age = time.time() - max(os.path.getmtime(path) for path in files)
    print(f"beat: schedule saved {age:.0f} s ago")
    return age < 600


if __name__ == "__main__":
    checks = {"web": web, "worker": worker, "beat": beat}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(checks)}")
    sys.exit(0 if checks[sys.argv[1]]() else 1)
