"""The Odnoklassniki webhook secret travels in the URL (``/intake/ok/<group>/?secret=…``: OK's
``me/subscribe`` takes only a URL, no header or signature). No log keeps it: gunicorn's and
nginx's access logs write /intake/ paths without the query string, and so does runserver's.
"""

import logging
import re
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from ..factories import AccountFactory
from ..intake.conftest import post_json

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRET = "ok-Secret-7f3a"


class Response:
    status, sent, headers = "403 Forbidden", 52, []


def gunicorn_line(uri: str) -> str:
    """The access log line deploy/gunicorn.conf.py makes of a POST to ``uri``."""
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    for name in ("access_log_format", "logger_class"):
        if name in conf:
            config.set(name, conf[name])
    logger = config.logger_class(config)
    path, _, query = uri.partition("?")
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "217.20.145.193",
    }
    atoms = logger.atoms(Response(), [("USER-AGENT", "OK")], environ, timedelta(milliseconds=3))
    return config.access_log_format % SafeAtoms(atoms)


def test_gunicorn_logs_an_intake_path_without_its_query():
    line = gunicorn_line(f"/intake/ok/200000001/?secret={SECRET}")
    assert SECRET not in line and "POST /intake/ok/200000001/ HTTP/1.1" in line and " 403 " in line


def nginx_conf() -> str:
    return (DEPLOY / "nginx.conf").read_text()


def test_nginx_logs_an_intake_path_without_its_query():
    conf = nginx_conf()
    formats = dict(re.findall(r"log_format\s+(\S+)\s+((?:'[^']*'\s*)+);", conf))
    assert formats, "deploy/nginx.conf declares its own log format"
    for name, text in formats.items():
        assert not re.search(r"\$request\b|\$request_uri\b|\$args\b|\$query_string\b", text), name
    # Every server logs with one of them (nginx's own "combined" writes $request, query and all).
    servers = conf.count("\nserver {")
    logs = re.findall(r"^\s*access_log\s+(\S+)(?:\s+(\S+))?;", conf, flags=re.MULTILINE)
    named = [fmt for path, fmt in logs if path != "off"]
    assert len(named) == servers and set(named) <= set(formats)


def test_nginx_map_cuts_the_query_of_intake_paths_only():
    """The map's regular expression, applied as nginx applies it (PCRE; Python's re agrees here)."""
    conf = nginx_conf()
    block = re.search(r"map \$request_uri \$(\S+) \{(.*?)\}", conf, flags=re.DOTALL)
    assert block, "a map of $request_uri"
    rules = re.findall(r"^\s*~(\S+)\s+\$(\S+);", block.group(2), flags=re.MULTILINE)

    def logged(uri: str) -> str:
        for pattern, variable in rules:
            match = re.search(pattern.replace("(?<", "(?P<"), uri)
            if match:
                return match.group(variable)
        return uri

    assert logged(f"/intake/ok/200000001/?secret={SECRET}") == "/intake/ok/200000001/"
    assert logged(f"/intake/ok/200000001?secret={SECRET}&x=1") == "/intake/ok/200000001"
    assert logged("/admin/appeals/appeal/?status=new") == "/admin/appeals/appeal/?status=new"


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def collected():
    handler = Collect()
    loggers = [logging.getLogger(name) for name in ("django.server", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.lines
    for logger in loggers:
        logger.removeHandler(handler)


def test_runserver_logs_an_intake_path_without_its_query(collected):
    import appeals.intake.views  # noqa: F401 -- loaded with the URLs, as runserver does before serving

    server = logging.getLogger("django.server")
    server.warning('"%s" %s %s', f"POST /intake/ok/200000001/?secret={SECRET} HTTP/1.1", "403", "52")
    server.info('"%s" %s %s', "GET /admin/appeals/appeal/?status=new HTTP/1.1", "200", "10")
    assert collected == [
        '"POST /intake/ok/200000001/ HTTP/1.1" 403 52',
        '"GET /admin/appeals/appeal/?status=new HTTP/1.1" 200 10',
    ]


@pytest.mark.django_db
def test_django_logs_a_refused_intake_request_without_its_query(client, collected):
    AccountFactory(platform="ok", external_id="200000001", webhook_secret="ok-secret")
    assert post_json(client, f"/intake/ok/200000001/?secret={SECRET}", {"webhookType": "X"}).status_code == 403
    assert post_json(client, f"/intake/ok/404/?secret={SECRET}", {"webhookType": "X"}).status_code == 404
    assert collected and not [line for line in collected if SECRET in line]
