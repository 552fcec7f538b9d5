"""Statistics of a period: counts by topic, ministry, status and platform, within one's scope,
computed by aggregate queries; a bad period is a 400 that says what is wrong."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory
from . import api_client

URL = "/api/v1/stats/"
KRS = ZoneInfo("Asia/Krasnoyarsk")
NOW = datetime(2026, 3, 31, 15, 0, tzinfo=KRS)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=KRS)


def counted(rows, key) -> dict:
    return {row[key]: row["count"] for row in rows}


@pytest.fixture
def march(topics, ministry_a, ministry_b):
    """Six appeals in March 2026 (A: 3, B: 2, unrouted: 1) and two just outside it."""
    telegram = AccountFactory(platform=SocialAccount.Platform.TELEGRAM)
    roads, ecology = topics["roads_transport"], topics["ecology"]
    resolved = {"status": "resolved", "resolved_at": local(2026, 3, 20), "answer": "Готово"}
    for received, topic, ministry, extra in [
        (local(2026, 3, 1, 0, 0), roads, ministry_a, {"status": "assigned"}),  # the first minute
        (local(2026, 3, 10, 12, 0), roads, ministry_a, {"status": "assigned", "account": telegram}),
        (local(2026, 3, 15, 12, 0), ecology, ministry_a, resolved),
        (local(2026, 3, 16, 12, 0), roads, ministry_b, {"status": "assigned", "account": telegram}),
        (local(2026, 3, 17, 12, 0), None, ministry_b, {"status": "in_progress"}),
        (local(2026, 3, 31, 23, 59), None, None, {"account": None, "external_id": ""}),  # the last minute
        (local(2026, 2, 28, 23, 59), roads, ministry_a, {}),  # before
        (local(2026, 4, 1, 0, 0), roads, ministry_a, {}),  # after
    ]:
        AppealFactory(
            received_at=received, due_at=received + timedelta(days=1), topic=topic, ministry=ministry, **extra
        )


@pytest.mark.django_db
def test_it_counts_a_period_by_topic_ministry_status_and_platform(operator, march, ministry_a, ministry_b):
    body = api_client(operator).get(URL + "?from=2026-03-01&to=2026-03-31").json()
    assert (body["from"], body["to"], body["total"]) == ("2026-03-01", "2026-03-31", 6)
    assert counted(body["by_topic"], "code") == {"roads_transport": 3, "ecology": 1, None: 2}
    assert counted(body["by_ministry"], "id") == {ministry_a.pk: 3, ministry_b.pk: 2, None: 1}
    assert counted(body["by_ministry"], "short_name") == {"Минстрой": 3, "Минтранс": 2, None: 1}
    assert counted(body["by_status"], "status") == {"assigned": 3, "resolved": 1, "in_progress": 1, "new": 1}
    assert counted(body["by_platform"], "platform") == {"vk": 3, "telegram": 2, None: 1}
    labels = {row["status"]: row["label"] for row in body["by_status"]}
    assert labels["resolved"] == "решено"


@pytest.mark.django_db
def test_a_head_counts_only_their_ministry(head_a, march):
    body = api_client(head_a.user).get(URL + "?from=2026-03-01&to=2026-03-31").json()
    assert body["total"] == 3
    assert counted(body["by_ministry"], "id") == {head_a.ministry_id: 3}
    assert counted(body["by_topic"], "code") == {"roads_transport": 2, "ecology": 1}


@pytest.mark.django_db
def test_the_default_period_is_the_last_30_days(operator):
    with time_machine.travel(NOW, tick=False):
        for days_ago in [0, 29, 30, 45]:
            AppealFactory(received_at=timezone.now() - timedelta(days=days_ago))
        body = api_client(operator).get(URL).json()
    assert (body["from"], body["to"], body["total"]) == ("2026-03-02", "2026-03-31", 2)
    with time_machine.travel(NOW, tick=False):
        body = api_client(operator).get(URL + "?to=2026-03-10").json()
    assert (body["from"], body["to"]) == ("2026-02-09", "2026-03-10")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, message",
    [
        ("?from=2026-03-31&to=2026-03-01", "The first day of the period is after the last one: swap the dates."),
        ("?from=2015-03-01&to=2026-03-31", "The period is longer than %(days)s days: choose a shorter one."),
        ("?from=2026-04-01", "The first day of the period is after the last one: swap the dates."),  # "to" is today
        ("?from=1000-01-01&to=1000-01-02", "The period must lie between %(earliest)s and %(latest)s."),
        ("?from=2026-03-01&to=9999-12-31", "The period must lie between %(earliest)s and %(latest)s."),
        ("?to=0001-01-05", "The period must lie between %(earliest)s and %(latest)s."),
    ],
)
def test_a_bad_period_is_400_with_the_dashboards_message(operator, settings, query, message):
    with time_machine.travel(NOW, tick=False):
        response = api_client(operator).get(URL + query)
    assert response.status_code == 400
    expected = _(message) % {
        "earliest": "2000-01-01",
        "latest": "2999-12-31",
        "days": settings.GOVFEEDBACK_DASHBOARD_MAX_DAYS,
    }
    assert response.json() == {"non_field_errors": [expected]}


@pytest.mark.django_db
def test_a_malformed_date_is_a_field_error(operator):
    response = api_client(operator).get(URL + "?from=вчера")
    assert response.status_code == 400 and "from" in response.json()


@pytest.mark.django_db
def test_the_longest_period_is_the_dashboards(operator, settings):
    settings.GOVFEEDBACK_DASHBOARD_MAX_DAYS = 366
    assert api_client(operator).get(URL + "?from=2023-03-31&to=2024-03-30").status_code == 200
    assert api_client(operator).get(URL + "?from=2023-03-31&to=2024-03-31").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 40])
def test_it_aggregates_in_the_database(operator, topics, ministry_a, django_assert_num_queries, rows):
    for n in range(rows):
        AppealFactory(topic=list(topics.values())[n % 5], ministry=ministry_a, status=Appeal.Status.ASSIGNED)
    api = api_client(operator)
    # 1 the token with its user, 2 the user's role, 3-6 one GROUP BY each: topic, ministry,
    # status and platform (the total is the sum of the statuses).
    with django_assert_num_queries(6):
        body = api.get(URL).json()
    assert body["total"] == rows
