"""The production files in deploy/ hold together: the services and units a deployment needs, exactly
one beat, secrets from files, and an env.example that the settings accept.

`docker compose config` and `systemd-analyze verify` (deploy/check, run by .ci/run) check the
syntax where those tools exist; these tests check the structure everywhere, with PyYAML.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: the compose file's structure is not checked")
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def command(service: dict) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else value


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's settings as {key: [values]} (sections flattened: the keys do not repeat across them)."""
    settings: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


class TestCompose:
    def test_it_has_the_services_of_a_production_installation(self, compose):
        assert set(compose["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"}

    def test_there_is_exactly_one_beat_and_the_workers_scale(self, compose):
        services = compose["services"]
        beats = [name for name, service in services.items() if re.search(r"\bbeat\b", command(service))]
        assert beats == ["beat"]
        assert services["beat"]["deploy"]["replicas"] == 1
        assert "worker" in command(services["worker"]) and " -B" not in command(services["worker"])
        assert str(services["worker"]["deploy"]["replicas"]).startswith("${WORKER_REPLICAS")

    def test_web_is_gunicorn_with_the_config_in_the_repository(self, compose):
        web = command(compose["services"]["web"])
        assert web.startswith("gunicorn govfeedback.wsgi:application")
        config = web.split("--config", 1)[1].split()[0]
        assert (ROOT / config).is_file()

    def test_every_long_running_service_has_a_health_check(self, compose):
        for name, service in compose["services"].items():
            if name != "migrate":
                assert "healthcheck" in service, name
            test = service.get("healthcheck", {}).get("test", [])
            if "deploy/healthcheck.py" in test:
                assert test[test.index("deploy/healthcheck.py") + 1] in {"web", "worker", "beat"}

    def test_the_app_starts_after_the_database_the_broker_and_the_migrations(self, compose):
        services = compose["services"]
        for name in ["web", "worker", "beat"]:
            depends = services[name]["depends_on"]
            assert depends["postgres"]["condition"] == "service_healthy"
            assert depends["redis"]["condition"] == "service_healthy"
            assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert "migrate" not in services["migrate"]["depends_on"]
        assert "migrate --no-input" in command(services["migrate"])
        for service in services.values():
            assert set(service.get("depends_on", {})) <= set(services)

    def test_secrets_come_from_files_and_the_env_file_never_from_the_compose_file(self, compose):
        for name in ["migrate", "web", "worker", "beat"]:
            service = compose["services"][name]
            assert service["environment"]["SECRET_KEY_FILE"] == "/run/secrets/secret_key"
            assert "secret_key" in service["secrets"]
            assert service["env_file"][0]["path"] == "./govfeedback.env"
            assert not {"SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD"} & set(service["environment"])
        assert compose["secrets"]["secret_key"]["file"] == "./secrets/secret_key"

    def test_nginx_serves_the_static_files_that_migrate_collects(self, compose):
        services = compose["services"]
        assert "static:/app/staticfiles" in services["migrate"]["volumes"]
        static_mount = next(v for v in services["nginx"]["volumes"] if v.startswith("static:"))
        target = static_mount.split(":")[1]
        nginx = (DEPLOY / "nginx.conf").read_text()
        assert f"alias {target}/;" in nginx
        assert "location /static/" in nginx
        assert "proxy_pass http://govfeedback_web;" in nginx
        assert "server web:8000;" in nginx and "8000" in services["web"]["expose"]
        config_mount = next(v for v in services["nginx"]["volumes"] if "nginx.conf" in v)
        assert (DEPLOY / config_mount.split(":")[0]).is_file()
        named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith(".")}
        assert named <= set(compose["volumes"])

    def test_nginx_sets_the_forwarded_proto_that_django_trusts(self):
        nginx = (DEPLOY / "nginx.conf").read_text()
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
        assert env_example()["BEHIND_TLS_PROXY"] == "1"


class TestDockerfile:
    def test_it_builds_on_python_311_slim_as_a_non_root_user(self):
        dockerfile = (DEPLOY / "Dockerfile").read_text()
        assert dockerfile.startswith("#") and "\nFROM python:3.11-slim\n" in dockerfile
        assert "RUN pip install --require-hashes -r requirements/base.txt" in dockerfile
        assert "collectstatic --no-input" in dockerfile
        users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
        assert users and users[-1] not in {"root", "0"}

    def test_the_build_context_leaves_out_local_state(self):
        ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
        for path in [
            ".git",
            ".venv",
            ".run",
            "db.sqlite3",
            "**/__pycache__",
            "deploy/govfeedback.env",
            "deploy/secrets",
        ]:
            assert path in ignored

    def test_gunicorn_is_a_pinned_requirement(self):
        assert re.search(r"^gunicorn==[\d.]+$", (ROOT / "requirements" / "base.in").read_text(), flags=re.MULTILINE)


class TestSystemdUnits:
    def test_web_workers_and_one_beat_share_the_environment_file(self):
        for name in ["govfeedback-web.service", "govfeedback-worker@.service", "govfeedback-beat.service"]:
            settings = unit(name)
            assert settings["EnvironmentFile"] == ["/etc/govfeedback/govfeedback.env"], name
            assert settings["User"] == ["govfeedback"], name
            assert "SECRET_KEY_FILE=%d/secret_key" in settings["Environment"], name
            assert settings["LoadCredential"] == ["secret_key:/etc/govfeedback/secret_key"], name
            assert settings["ExecStart"][0].startswith("/opt/govfeedback/.venv/bin/"), name

    def test_the_worker_is_a_template_and_beat_is_alone(self):
        worker = unit("govfeedback-worker@.service")["ExecStart"][0]
        assert " worker " in worker and "%i" in worker and "beat" not in worker
        beat = unit("govfeedback-beat.service")["ExecStart"][0]
        assert " beat " in beat
        beats = [path.name for path in UNITS.iterdir() if " beat " in path.read_text()]
        assert beats == ["govfeedback-beat.service"]

    def test_web_runs_gunicorn_behind_nginx_on_the_loopback(self):
        web = unit("govfeedback-web.service")
        assert web["ExecStart"][0].startswith("/opt/govfeedback/.venv/bin/gunicorn govfeedback.wsgi:application")
        assert "GUNICORN_BIND=127.0.0.1:8000" in web["Environment"]


class TestEnvExample:
    def test_every_variable_is_one_the_deployment_reads(self):
        read = (ROOT / "govfeedback" / "settings.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text()
        for name in env_example():
            assert name.startswith("POSTGRES_") or f'"{name}"' in read, f"{name} is read by nothing"

    def test_the_settings_accept_it_in_production(self, tmp_path):
        """env.example with a secret key file makes a production configuration that `check --deploy`
        finds nothing to warn about."""
        key = tmp_path / "secret_key"
        key.write_text("x" * 30 + "-only-for-this-test-" + "y" * 30)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))},
            **env_example(),
            "SECRET_KEY_FILE": str(key),
            "RUN_DIR": str(tmp_path / "run"),
            # No database or broker is reached by `check`; keep whatever the test run uses.
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}"),
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://"),
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout
