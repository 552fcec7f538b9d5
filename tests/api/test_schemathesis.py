"""Property-based: schemathesis generates requests for every operation of the schema, as an
operator; no answer is a server error, and every answer matches the schema (body, content type).

The WSGI application runs in the test's thread and transaction. Django closes "old" database
connections at the start and end of each request; inside the test's transaction that would
break it, so (like Django's own test client) this test keeps the connection open meanwhile.
"""

from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from appeals import services
from appeals.models import Appeal, AppealEvent, AppealMessage, Topic
from ministries.models import Ministry, Official, SocialAccount

from ..factories import AccountFactory, AppealFactory
from . import token_for

EXAMPLES_PER_OPERATION = 15
Status = Appeal.Status
# The rows behind each ``{id}`` path, so that generated requests reach real rows, not only 404s.
ROWS = {
    "/api/v1/appeals/": Appeal,
    "/api/v1/topics/": Topic,
    "/api/v1/ministries/": Ministry,
    "/api/v1/officials/": Official,
    "/api/v1/accounts/": SocialAccount,
}


@contextmanager
def connections_kept_open():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(topics, specialist_a, specialist_b):
    """Appeals in every status, so that each step finds one it applies to; a history, a
    conversation, and an account with a secret."""
    now = timezone.now()
    AccountFactory(webhook_secret="s3cr3t")
    new = AppealFactory(status=Status.NEW, topic=topics["ecology"])
    services.assign(AppealFactory(), official=specialist_a)
    services.start_work(services.assign(AppealFactory(), official=specialist_b))
    services.ask_citizen(AppealFactory(status=Status.IN_PROGRESS, ministry=specialist_a.ministry), question="Адрес?")
    AppealFactory(status=Status.RESOLVED, resolved_at=now, answer="Готово")
    AppealFactory(status=Status.REJECTED, rejection_reason="spam")
    AppealFactory(status=Status.IN_PROGRESS, due_at=now - timedelta(hours=3))
    AppealMessage.objects.create(appeal=new, text="Дополнение", author_name="Анна")
    AppealEvent.objects.create(appeal=new, kind=AppealEvent.Kind.COMMENTED, note="Заметка")


def strategy_for(operation):
    strategies = [operation.as_strategy()]
    for prefix, model in ROWS.items():
        if "{id}" in operation.path and operation.path.startswith(prefix):
            pks = model.objects.values_list("pk", flat=True)
            strategies += [operation.as_strategy(path_parameters={"id": pk}) for pk in pks]
    return st.one_of(strategies)


def fuzz(operation, auth: dict, calls: Counter):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy_for(operation))
    def call(case):
        response = case.call(headers=auth)
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
        )
        calls[operation.label] += 1

    return call


@pytest.mark.django_db
def test_no_operation_answers_with_a_server_error(operator, world):
    auth = {"Authorization": f"Token {token_for(operator)}"}
    calls = Counter()
    with connections_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), headers=auth)
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            fuzz(operation, auth, calls)()
    assert set(calls) == {operation.label for operation in operations} and len(operations) >= 20
