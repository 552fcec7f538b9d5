"""`make bench` refuses to start while another run holds the same PostgreSQL server: a second run
would drop the first one's database under it."""

import psycopg
import pytest
from django.db import connection

from bench import run
from bench.common import Refused

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the lock is PostgreSQL's; .ci/run runs this on it"
)


def test_a_second_run_is_refused_while_one_runs(monkeypatch):
    db = connection.settings_dict
    address = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    server = f"{address}/postgres"
    monkeypatch.setenv("DATABASE_URL", f"{address}/govfeedback")
    monkeypatch.setenv("BENCH_APPEALS", "1000")
    with psycopg.connect(server, autocommit=True) as first_run:
        first_run.execute("SELECT pg_advisory_lock(%s)", [run.BENCH_LOCK])
        with pytest.raises(Refused, match="another benchmark is running on postgres://") as refused:
            run.prepare()
    assert "\n" not in str(refused.value)
    assert run._server_lock is None  # it took nothing and dropped nothing
