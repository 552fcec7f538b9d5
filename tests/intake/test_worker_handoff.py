"""An accepted webhook is answered at once and a worker is asked through the broker to process
what waits; the worker makes the appeal. A burst of webhooks asks twice a quarter of a second, and
every event is found. A hand-off lost with the broker is picked up by the beat's sweep.

Here the broker is the test run's own (kombu's filesystem transport on SQLite, Redis under
.ci/run); the message is read back from it and run as a worker would run it. A real worker
process is in tests/reliability/test_redis_outage.py.
"""

from datetime import datetime, timedelta
from queue import Empty

import pytest
from django.conf import settings
from django.utils import timezone

from appeals import tasks
from appeals.intake import processing
from appeals.models import Appeal, InboundEvent
from govfeedback.celery import app

from .conftest import post_json, replay_in_admin
from .test_vk import URL, event, wall_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def through_the_broker(monkeypatch):
    """Celery as in production: tasks go to the broker, nothing runs them in this process."""
    app.conf.task_always_eager = False
    monkeypatch.setattr(processing, "_asked_at", float("-inf"))  # this process has asked nothing yet
    monkeypatch.setattr(processing, "_due_at", float("-inf"))
    monkeypatch.setattr(processing, "_quiet_until", float("-inf"))
    queued()  # what earlier runs may have left in the queue
    yield
    queued()


@pytest.fixture
def clock(monkeypatch):
    """The web process's clock for its hand-off windows, moved by the test."""
    now = [1000.0]
    monkeypatch.setattr(processing, "monotonic", lambda: now[0])
    return now


def queued(*, with_eta: bool = False) -> list[tuple]:
    """Take every message off the default queue: (task name, args[, when it is due]) of each."""
    taken = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
        while True:
            try:
                message = queue.get_nowait()
            except Empty:
                break
            args, _kwargs, _embed = message.decode()
            due = datetime.fromisoformat(message.headers["eta"]) if message.headers.get("eta") else None
            taken.append((message.headers["task"], args, due) if with_eta else (message.headers["task"], args))
            message.ack()
        queue.close()
    return taken


def test_it_answers_before_the_appeal_exists_and_a_worker_makes_it(client, vk_group, through_the_broker):
    response = post_json(client, URL, event("wall_reply_new", wall_reply()))
    assert (response.status_code, response.content) == (200, b"ok")
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.authenticated, stored.processed_at) == ("received", True, None)
    assert not Appeal.objects.exists()

    messages = queued()
    assert messages == [("appeals.tasks.process_waiting_events", [])]
    name, args = messages[0]
    assert app.tasks[name](*args) == 1
    stored.refresh_from_db()
    assert (stored.outcome, stored.appeal) == ("created", Appeal.objects.get())
    # The same message delivered twice by the broker does nothing the second time.
    assert app.tasks[name](*args) == 0
    assert Appeal.objects.count() == 1


def post(client, n):
    return post_json(client, URL, event("wall_reply_new", wall_reply(comment_id=n, from_id=7000 + n), event_id=f"e{n}"))


def test_a_burst_asks_a_worker_twice_a_window_and_every_event_is_found(client, vk_group, through_the_broker, clock):
    post(client, 1)
    [(name, args, due)] = queued(with_eta=True)
    assert due is None  # at once: a worker starts on the first event of the burst
    assert app.tasks[name](*args) == 1

    # Two more within the window, after the worker's run ended: one message, due a skew's margin
    # after the window's end (0.25 + 0.25 s after the first event: 0.4 s after the second); it finds both.
    clock[0] += 0.1
    before = timezone.now()
    post(client, 2)
    after = timezone.now()
    clock[0] += 0.1
    post(client, 3)
    [(name, args, due)] = queued(with_eta=True)
    countdown = timedelta(seconds=processing.WAKE_SECONDS + processing.SKEW_SECONDS - 0.1)
    assert before + countdown <= due <= after + countdown
    assert app.tasks[name](*args) == 2
    assert Appeal.objects.count() == 3

    # The next window starts with the next event.
    clock[0] += processing.WAKE_SECONDS
    post(client, 4)
    assert [due for _name, _args, due in queued(with_eta=True)] == [None]


def test_a_run_goes_on_chunk_after_chunk_up_to_its_limit_and_then_asks_for_another(
    client, vk_group, through_the_broker, monkeypatch
):
    for n in range(7):
        post(client, n)
    queued()
    monkeypatch.setattr(processing, "DRAIN_CHUNK", 2)
    monkeypatch.setattr(processing, "DRAIN_LIMIT", 5)
    assert tasks.process_waiting_events() == 5
    assert queued() == [("appeals.tasks.process_waiting_events", [])]
    assert tasks.process_waiting_events() == 2
    assert queued() == []
    assert Appeal.objects.count() == 7


def test_with_the_broker_down_webhooks_are_answered_at_once_and_wait_for_the_sweep(
    client, vk_group, through_the_broker, clock, monkeypatch
):
    tried = []

    def broker_down(*args, **kwargs):
        tried.append(clock[0])
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_waiting_events, "apply_async", broker_down)
    for n in range(5):  # a webhook a second: only the first waits for the broker's refusal
        assert post(client, n).content == b"ok"
        clock[0] += 1
    assert tried == [1000.0]
    assert InboundEvent.objects.waiting().count() == 5
    clock[0] += processing.BROKER_DOWN_SECONDS
    post(client, 9)
    assert tried == [1000.0, 1015.0]  # then it tries again
    assert processing.process_pending(now=timezone.now() + timedelta(hours=1)) == 6


def test_a_refused_or_empty_delivery_is_not_handed_to_a_worker(client, vk_group, through_the_broker):
    assert post_json(client, URL, event("wall_reply_new", wall_reply(), secret="wrong")).status_code == 403
    assert post_json(client, URL, event("group_join", {"user_id": 1}, event_id="e2")).content == b"ok"
    assert list(InboundEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["rejected", "ignored"]
    assert queued() == []


def test_the_sweep_processes_an_event_whose_task_was_lost(client, vk_group, through_the_broker):
    post_json(client, URL, event("wall_reply_new", wall_reply()))
    queued()  # the broker lost the message
    stored = InboundEvent.objects.get()
    wait = timedelta(seconds=settings.GOVFEEDBACK_INTAKE_PENDING_AFTER_SECONDS)

    # Within the grace period the event's own task may still come: the sweep leaves it.
    assert processing.process_pending(now=stored.received_at + wait / 2) == 0
    assert tasks.process_pending_events() == 0  # now: the event has only just arrived
    assert processing.process_pending(now=stored.received_at + wait * 2) == 1
    stored.refresh_from_db()
    assert stored.outcome == "created" and Appeal.objects.count() == 1
    assert processing.process_pending(now=stored.received_at + wait * 3) == 0


def test_a_redelivery_waiting_beside_the_first_is_recorded_as_a_duplicate(client, vk_group, through_the_broker):
    for _ in range(2):
        post_json(client, URL, event("wall_reply_new", wall_reply()))
    for name, args in queued():
        app.tasks[name](*args)
    assert Appeal.objects.count() == 1
    assert list(InboundEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["created", "duplicate"]


def test_a_text_nothing_is_left_of_is_rejected_with_the_reason(client, vk_group):
    post_json(client, URL, event("wall_reply_new", wall_reply(text="\x00\x00")))
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.reason) == ("rejected", "Укажите текст обращения.")
    assert not Appeal.objects.exists()


def test_a_parser_bug_at_arrival_still_stores_the_request_for_a_replay(client, operator_client, vk_group, monkeypatch):
    from appeals.intake import vk

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the parser")

    monkeypatch.setattr(vk, "parse", broken)
    assert post_json(client, URL, event("wall_reply_new", wall_reply())).content == b"ok"
    stored = InboundEvent.objects.get()
    assert (stored.outcome, stored.authenticated) == ("received", True)
    assert stored.reason.startswith("Обработка не удалась") and b"wall_reply_new" in bytes(stored.body)
    monkeypatch.undo()  # the fix is deployed; the operator replays the event
    replay_in_admin(operator_client, stored)
    stored.refresh_from_db()
    assert stored.outcome == "created" and Appeal.objects.count() == 1
