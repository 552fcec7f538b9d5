"""A timestamp no message can have (``1e30``, negative, NaN, huge, a string, years ahead) is
"unknown": the appeal is made, dated by its arrival. It never leaves an event failing forever.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from appeals.intake import batch, processing
from appeals.models import Appeal, InboundEvent

from .test_field_types import changed, deliver
from .test_fuzz import META, OK, TELEGRAM, VK, VK_MESSAGE

IMPOSSIBLE = [1e30, -1764300000, 0, 2**70, 10**20, 253402300800000, "1764300000", float("nan"), float("inf")]
IDS = ["1e30", "negative", "zero", "2**70", "10**20", "year-10000-ms", "string", "nan", "infinity"]

# platform -> (document, the paths of its timestamps)
DATES = {
    "vk-comment": ("vk", VK, [("object", "date")]),
    "vk-message": ("vk", VK_MESSAGE, [("object", "message", "date")]),
    "telegram": ("telegram", TELEGRAM, [("message", "date")]),
    "meta": (
        "meta",
        META,
        [("entry", 0, "changes", 0, "value", "created_time"), ("entry", 0, "messaging", 0, "timestamp")],
    ),
    "ok": ("ok", OK, [("timestamp",)]),
}


@pytest.fixture
def accounts(vk_group, telegram_bot, fb_page, ok_group):
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE, ids=IDS)
@pytest.mark.parametrize("source", sorted(DATES))
def test_an_impossible_timestamp_makes_an_appeal_of_unknown_time(client, accounts, source, value):
    platform, document, paths = DATES[source]
    for path in paths:
        document = changed(document, path, value)
    response = deliver(client, platform, document)
    assert response.status_code == 200
    stored = InboundEvent.objects.get()
    assert stored.outcome == "created", stored.reason
    assert set(Appeal.objects.values_list("written_at", flat=True)) == {None}


@pytest.mark.django_db
def test_a_timestamp_years_ahead_is_unknown_and_one_of_today_is_kept(client, accounts):
    ahead = int((timezone.now() + timedelta(days=400)).timestamp())
    deliver(client, "vk", changed(VK, ("object", "date"), ahead))
    deliver(client, "telegram", TELEGRAM)
    assert sorted(Appeal.objects.values_list("written_at", flat=True), key=str) == [
        datetime.fromtimestamp(1764300000, tz=UTC),
        None,
    ]


@pytest.mark.django_db
def test_a_stored_event_with_an_impossible_timestamp_is_processed_by_the_worker(vk_group):
    """An event stored before this fix, failing at every try, now goes through."""
    body = json.dumps(changed(VK, ("object", "date"), 1e30)).encode()
    stored = InboundEvent.objects.create(
        platform="vk", account=vk_group, account_key="170000001", body=body, authenticated=True, dedup_key="e1"
    )
    assert processing.process_stored(stored.pk) == "created"
    assert Appeal.objects.get().written_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written_at", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2999-01-01T00:00:00Z"]
)
def test_a_batch_date_no_message_can_have_is_a_clear_error(vk_group, written_at):
    item = {"platform": "vk", "account": "170000001", "external_id": "m-1", "text": "Яма", "written_at": written_at}
    (result,) = batch.ingest_items([item])
    assert result["outcome"] == "error" and "written_at" in result["error"]
    assert not Appeal.objects.exists()
