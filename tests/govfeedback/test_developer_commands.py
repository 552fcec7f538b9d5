"""The commands the README and the demo's seed tell people to type work as shown, with no DEBUG=1
in front; a deployment (anything of it set) still refuses to start half-configured."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``.venv/bin/python manage.py ARGS`` in a clean environment: a new shell in the checkout."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(ROOT), "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_readmes_commands_run_as_shown():
    result = manage("changepassword", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: manage.py changepassword" in result.stdout

    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_a_deployment_without_a_secret_key_still_refuses_to_start():
    for deployment in (
        {"DATABASE_URL": "postgres://govfeedback@127.0.0.1:5432/govfeedback"},
        {"DJANGO_ENV": "production"},
        {"ALLOWED_HOSTS": "feedback.example.ru"},
        {"DEBUG": "0"},
    ):
        result = manage("changepassword", "--help", **deployment)
        assert result.returncode != 0, deployment
        assert "SECRET_KEY is not set" in result.stderr, deployment
