"""Processing that fails for a reason that may pass (the database locked or unreachable, the broker
down) is tried again by itself, later and later; a failure for good (a bug) stops at once and the
event waits for a person. The admin says which."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import InterfaceError, OperationalError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerError

from appeals import services
from appeals.intake import processing
from appeals.models import Appeal, InboundEvent
from govfeedback.celery import app

from .conftest import post_json
from .test_vk import URL, event, wall_reply
from .test_worker_handoff import queued, through_the_broker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 5, 14, 30))
PERSON = "needs a person: replay it after a fix"


@pytest.fixture
def failing(monkeypatch):
    """``services.receive_message`` raises the errors put in this list, one a call, then works."""
    errors = []
    receive = services.receive_message

    def flaky(*args, **kwargs):
        if errors:
            raise errors.pop(0)
        return receive(*args, **kwargs)

    monkeypatch.setattr(services, "receive_message", flaky)
    return errors


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def post(client, n: int = 1):
    response = post_json(
        client, URL, event("wall_reply_new", wall_reply(comment_id=n, from_id=7000 + n, post_id=n), event_id=f"e{n}")
    )
    assert response.content == b"ok"  # VK is answered whatever happens next
    return InboundEvent.objects.get(dedup_key=f"e{n}")


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("database is locked"),
        InterfaceError("connection already closed"),
        BrokerError("[Errno 111] Connection refused"),
    ],
    ids=["database locked", "database unreachable", "broker down"],
)
def test_it_tries_again_after_a_backoff_and_the_sweep_succeeds(client, vk_group, failing, frozen, error):
    failing.append(error)
    stored = post(client)
    assert (stored.outcome, stored.processed_at, stored.failed_attempts) == ("received", None, 1)
    assert stored.retry_at == NOW + timedelta(seconds=10)
    assert str(error) in stored.reason
    assert not stored.needs_a_person() and not Appeal.objects.exists()
    assert list(InboundEvent.objects.retrying()) == [stored]

    # Not before its time, whoever drains.
    assert processing.drain(100, now=stored.retry_at - timedelta(seconds=1)) == 0
    # The beat's sweep finds it once it is due.
    assert processing.process_pending(now=NOW + timedelta(minutes=2)) == 1
    stored.refresh_from_db()
    assert (stored.outcome, stored.appeal, stored.retry_at) == ("created", Appeal.objects.get(), None)
    assert processing.process_pending(now=NOW + timedelta(minutes=5)) == 0


@pytest.mark.usefixtures("through_the_broker")
def test_a_worker_is_asked_to_come_back_when_the_event_is_due(client, vk_group, failing):
    post(client, 1)
    [(name, args)] = queued()
    failing.append(OperationalError("database is locked"))
    post(client, 2)  # waits behind the first: the run that fails on the first ends there
    queued()
    assert app.tasks[name](*args) == 1
    first = InboundEvent.objects.get(dedup_key="e1")
    [(name, args, due)] = queued(with_eta=True)
    assert due == first.retry_at + timedelta(seconds=processing.SKEW_SECONDS)
    assert InboundEvent.objects.get(dedup_key="e2").outcome == "received"

    with time_machine.travel(due, tick=False):
        assert app.tasks[name](*args) == 2
    assert sorted(InboundEvent.objects.values_list("outcome", flat=True)) == ["created", "created"]
    assert Appeal.objects.count() == 2


def test_a_bug_stops_after_one_attempt_and_waits_for_a_person(client, vk_group, failing, frozen):
    failing.append(RuntimeError("a bug"))
    stored = post(client)
    assert (stored.outcome, stored.failed_attempts, stored.retry_at, stored.processed_at) == ("received", 1, None, NOW)
    assert stored.needs_a_person() and "RuntimeError: a bug" in stored.reason
    assert processing.process_pending(now=NOW + timedelta(days=1)) == 0
    assert not Appeal.objects.exists()


def test_the_attempts_are_bounded_and_then_a_person_is_asked(client, vk_group, failing, frozen):
    failing.extend(OperationalError("database is locked") for _ in range(processing.MAX_ATTEMPTS + 1))
    stored = post(client)
    attempt_at, delays = NOW, []
    while stored.retry_at is not None:
        delays.append(stored.retry_at - attempt_at)
        attempt_at = stored.retry_at
        assert processing.drain(100, now=attempt_at) == 1
        stored.refresh_from_db()
    assert delays == [timedelta(seconds=s) for s in (10, 20, 40, 80, 160, 320, 600)]
    assert len(delays) == processing.MAX_ATTEMPTS - 1
    assert (stored.failed_attempts, stored.needs_a_person()) == (processing.MAX_ATTEMPTS, True)
    assert f"{processing.MAX_ATTEMPTS}" in stored.reason
    assert processing.process_pending(now=NOW + timedelta(days=1)) == 0
    assert len(failing) == 1  # nobody tried a ninth time


@pytest.mark.usefixtures("through_the_broker")
def test_with_the_database_gone_the_event_stays_waiting_for_the_next_run(client, vk_group, failing, monkeypatch):
    stored = post(client)
    queued()

    def unreachable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    failing.append(OperationalError("server closed the connection unexpectedly"))
    monkeypatch.setattr(InboundEvent, "save", unreachable)  # nor can the failure be written
    assert processing.drain(100) == 1
    monkeypatch.undo()
    stored.refresh_from_db()
    assert (stored.outcome, stored.failed_attempts, stored.retry_at, stored.processed_at) == ("received", 0, None, None)
    assert [name for name, _args in queued()] == ["appeals.tasks.process_waiting_events"]  # a run later
    assert processing.process_pending(now=timezone.now() + timedelta(hours=1)) == 1
    assert Appeal.objects.count() == 1


class TestAdmin:
    URL = reverse("admin:appeals_inboundevent_changelist")

    def test_it_says_when_an_event_is_retried_and_which_wait_for_a_person(
        self, client, operator_client, vk_group, failing, frozen
    ):
        failing.append(OperationalError("database is locked"))
        retried = post(client, 1)
        failing.append(RuntimeError("a bug"))
        stopped = post(client, 2)
        post(client, 3)  # created

        page = operator_client.get(self.URL, {"waits_for": "retry"})
        assert [row.pk for row in page.context["cl"].result_list] == [retried.pk]
        html = page.content.decode()
        retry = gettext("tried again automatically at %(time)s (attempt %(attempt)d of %(attempts)d)")
        assert escape(retry % {"time": "05.03.26 14:30", "attempt": 2, "attempts": processing.MAX_ATTEMPTS}) in html
        assert escape(gettext(PERSON)) not in html

        page = operator_client.get(self.URL, {"waits_for": "person"})
        assert [row.pk for row in page.context["cl"].result_list] == [stopped.pk]
        assert escape(gettext(PERSON)) in page.content.decode()

    @pytest.mark.parametrize("rows", [1, 20])
    def test_it_runs_a_fixed_number_of_queries(
        self, client, operator_client, vk_group, failing, django_assert_num_queries, rows
    ):
        for n in range(rows):
            failing.append(OperationalError("database is locked"))
            post(client, n)
        # 1 session, 2 user, 3 user's own permissions, 4 user's groups permissions, 5 the user's
        # role, 6 the capped count, 7 the page of events with their accounts, 8 the bell in the
        # header (the platforms' filter is a fixed list: no query).
        with django_assert_num_queries(8):
            response = operator_client.get(self.URL, {"waits_for": "retry"})
        assert len(response.context["cl"].result_list) == rows
