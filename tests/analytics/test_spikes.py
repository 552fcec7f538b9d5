"""Spike alerts: a burst of "no water in Chernogorsk" raises one alert, told to the operators and
the head of the housing ministry; the usual flow of appeals raises none."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from analytics.models import SpikeAlert
from analytics.spikes import detect_spikes
from appeals.models import Municipality
from notifications.models import Notification
from notifications.services import render

from ..factories import AppealFactory

NOW = datetime(2026, 11, 25, 14, 20, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))
WINDOW_START = NOW.replace(minute=0) - timedelta(hours=3)  # 11:00–14:00 local


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.GOVFEEDBACK_SPIKE_WINDOW_HOURS = 3
    settings.GOVFEEDBACK_SPIKE_BASELINE_WEEKS = 4
    settings.GOVFEEDBACK_SPIKE_MIN_APPEALS = 5
    settings.GOVFEEDBACK_SPIKE_RATIO = 3


@pytest.fixture
def housing(topics, ministry_a, head_a):
    topic = topics["housing_utilities_landscaping"]
    topic.default_ministry = ministry_a
    topic.save()
    return topic


def appeals(topic, count, start, municipality=None, text="Нет воды"):
    return [
        AppealFactory(topic=topic, municipality=municipality, text=text, received_at=start + timedelta(minutes=10 * i))
        for i in range(count)
    ]


def usual_weeks(topic, per_week, municipality=None):
    """The same three hours in each of the previous four weeks."""
    for week in range(1, 5):
        appeals(topic, per_week, WINDOW_START - timedelta(weeks=week), municipality)


@pytest.mark.django_db
def test_a_burst_in_one_town_raises_one_alert_told_to_operators_and_the_head(housing, head_a, operator):
    chernogorsk = Municipality.objects.get(name="Черногорск")
    usual_weeks(housing, 1, chernogorsk)
    burst = appeals(housing, 8, WINDOW_START, chernogorsk)

    (alert,) = detect_spikes(NOW)

    assert (alert.topic, alert.municipality, alert.count, alert.baseline) == (housing, chernogorsk, 8, 1.0)
    assert set(alert.appeals.values_list("pk", flat=True)) == {a.pk for a in burst}
    told = Notification.objects.filter(spike=alert)
    assert {n.recipient_official for n in told if n.recipient_official} == {head_a}
    assert {n.recipient_user for n in told if n.recipient_user} == {operator}
    subject, text, _html = render(told.first(), NOW)
    assert subject == f"Всплеск: {housing.name}, Черногорск — 8 обращений"
    assert "обычно в эти часы 1,0" in text and "Нет воды" in text


@pytest.mark.django_db
def test_the_usual_flow_raises_nothing(housing, topics):
    usual_weeks(housing, 4)  # four a week in these hours
    appeals(housing, 6, WINDOW_START)  # six now: more, but not three times more
    appeals(topics["roads_transport"], 4, WINDOW_START)  # a new topic, but only four appeals
    assert detect_spikes(NOW) == []
    assert not SpikeAlert.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db
def test_a_spike_is_alerted_once_while_it_goes_on(housing):
    chernogorsk = Municipality.objects.get(name="Черногорск")
    appeals(housing, 6, WINDOW_START + timedelta(hours=1), chernogorsk)  # 12:00–12:50
    assert len(detect_spikes(NOW)) == 1
    told = Notification.objects.count()

    assert detect_spikes(NOW + timedelta(minutes=5)) == []  # a doubled beat in the same hour
    later = appeals(housing, 3, NOW.replace(minute=5), chernogorsk)  # the rise goes on
    assert detect_spikes(NOW + timedelta(hours=1)) == []

    alert = SpikeAlert.objects.get()
    assert alert.window_end == NOW.replace(minute=0) + timedelta(hours=1)
    assert {a.pk for a in later} <= set(alert.appeals.values_list("pk", flat=True))
    assert Notification.objects.count() == told


@pytest.mark.django_db
def test_a_rise_spread_over_towns_is_a_topic_alert(housing):
    towns = Municipality.objects.filter(name__in=["Абакан", "Черногорск", "Саяногорск"])
    for town in towns:
        appeals(housing, 2, WINDOW_START, town)
    (alert,) = detect_spikes(NOW)
    assert (alert.municipality, alert.count) == (None, 6)


@pytest.mark.django_db
def test_the_dashboard_shows_the_banner_to_those_concerned_until_acknowledged(housing, head_a, head_b, operator):
    appeals(housing, 6, WINDOW_START, Municipality.objects.get(name="Черногорск"))
    (alert,) = detect_spikes(NOW)
    url = reverse("admin:analytics_dashboard")
    with time_machine.travel(NOW, tick=False):
        pages = {}
        for who, user in {"operator": operator, "head_a": head_a.user, "head_b": head_b.user}.items():
            client = Client()
            client.force_login(user)
            pages[who] = client.get(url).content.decode()
        assert "Всплеск" in pages["operator"] and "Всплеск" in pages["head_a"]
        assert "Всплеск" not in pages["head_b"]

        client = Client()
        client.force_login(operator)
        changelist = reverse("admin:analytics_spikealert_changelist")
        client.post(changelist, {"action": "acknowledge", "_selected_action": [alert.pk]})
        assert "Всплеск:" not in client.get(url).content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == operator
