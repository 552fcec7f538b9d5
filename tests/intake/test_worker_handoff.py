"""An accepted webhook is answered at once and handed to a worker through the broker; the worker
makes the appeal. A hand-off lost with the broker is picked up by the beat's sweep.

Here the broker is the test run's own (kombu's filesystem transport on SQLite, Redis under
.ci/run); the message is read back from it and run as a worker would run it. A real worker
process is in tests/reliability/test_redis_outage.py.
"""

from datetime import timedelta
from queue import Empty

import pytest
from django.conf import settings

from appeals import tasks
from appeals.intake import processing
from appeals.models import Appeal, InboundEvent
from govfeedback.celery import app

from .conftest import post_json, replay_in_admin
from .test_vk import URL, event, wall_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def through_the_broker():
    """Celery as in production: tasks go to the broker, nothing runs them in this process."""
    app.conf.task_always_eager = False
    queued()  # what earlier runs may have left in the queue
    yield
    queued()


def queued() -> list[tuple[str, list]]:
    """Take every message off the default queue: (task name, args) of each."""
    taken = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
        while True:
            try:
                message = queue.get_nowait()
            except Empty:
                break
            args, _kwargs, _embed = message.decode()
            taken.append((message.headers["task"], args))
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
    assert messages == [("appeals.tasks.process_inbound_event", [stored.pk])]
    name, args = messages[0]
    assert app.tasks[name](*args) == "created"
    stored.refresh_from_db()
    assert (stored.outcome, stored.appeal) == ("created", Appeal.objects.get())
    # The same message delivered twice by the broker does nothing the second time.
    assert app.tasks[name](*args) is None
    assert Appeal.objects.count() == 1


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
    assert stored.reason.startswith("Processing failed") and b"wall_reply_new" in bytes(stored.body)
    monkeypatch.undo()  # the fix is deployed; the operator replays the event
    replay_in_admin(operator_client, stored)
    stored.refresh_from_db()
    assert stored.outcome == "created" and Appeal.objects.count() == 1
