"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = check(DEBUG="0", ALLOWED_HOSTS="feedback.example.ru")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = check(DEBUG="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_a_bad_boolean_is_named_with_the_fix():
    result = check(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 30 + "-production-secret-" + "z" * 20,
    "ALLOWED_HOSTS": "feedback.example.ru",
    "CACHE_URL": "redis://127.0.0.1:6379/2",  # not reached by `check`
}


def test_production_settings_pass_the_deploy_check():
    result = check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_rate_limits_counted_by_each_process_alone():
    result = check(**{**PRODUCTION, "CACHE_URL": ""})
    assert result.returncode != 0
    assert "govfeedback.E001" in result.stderr and "CACHE_URL=redis://" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("f" * 30 + "-from-a-file-" + "q" * 20 + "\n")
    result = check(
        DEBUG="0", ALLOWED_HOSTS="feedback.example.ru", SECRET_KEY_FILE=str(secret), CACHE_URL="redis://127.0.0.1/2"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_interface_is_russian_in_krasnoyarsk_time(settings):
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE) == ("ru", "Asia/Krasnoyarsk")


def test_an_unknown_time_zone_is_refused_with_an_example():
    result = check(DEBUG="1", TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "TIME_ZONE='Mars/Olympus' is not a known time zone" in result.stderr
    assert "Asia/Krasnoyarsk" in result.stderr


def test_a_zero_hour_default_policy_is_refused():
    result = check(DEBUG="1", GOVFEEDBACK_DEFAULT_SLA_HOURS="0")
    assert result.returncode != 0
    assert "GOVFEEDBACK_DEFAULT_SLA_HOURS=0 must be a positive number" in result.stderr
