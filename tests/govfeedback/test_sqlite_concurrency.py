"""The embedded default (SQLite) takes the writers `make run` has at once: the web process storing
webhooks while the worker's pool processes turn them into appeals and beat's jobs run. Each check
runs in a process of its own, on the settings as a developer gets them."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Two writers that read before they write, as the worker does (the event, then the appeal), the
# second starting while the first has read: with SQLite's deferred transactions the first fails at
# once with "database is locked" when it comes to write (the second holds the write lock and waits
# for the first's read to end).
TWO_WRITERS = """
import json, threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    cursor.execute("CREATE TABLE appeal (id INTEGER PRIMARY KEY, text TEXT)")
errors = []
first_has_read = threading.Event()

def writer(n):
    try:
        if n:
            first_has_read.wait(5)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM appeal")
            if not n:
                first_has_read.set()
                time.sleep(0.3)
            cursor.execute("INSERT INTO appeal (text) VALUES (%s)", [f"appeal {n}"])
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    rows = cursor.execute("SELECT COUNT(*) FROM appeal").fetchone()[0]
print(json.dumps({"journal_mode": mode, "errors": errors, "rows": rows}))
"""

DATABASE = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({key: settings.DATABASES["default"][key] for key in ("ENGINE", "NAME", "OPTIONS")}, default=str))
"""


def run(script: str, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CONN_MAX_AGE"}}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "govfeedback.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_opens_the_embedded_default_for_concurrent_writers():
    database = run(DATABASE)
    assert (database["ENGINE"], Path(database["NAME"])) == ("django.db.backends.sqlite3", ROOT / "db.sqlite3")
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    pragmas = {"".join(pragma.split()).lower() for pragma in options["init_command"].split(";")}
    assert {"pragmajournal_mode=wal", "pragmasynchronous=normal"} <= pragmas


def test_two_writers_that_read_first_both_commit(tmp_path):
    outcome = run(TWO_WRITERS, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert outcome == {"journal_mode": "wal", "errors": [], "rows": 2}
