"""Who sees the spike alerts and the weekly reports in the admin (the access matrix's analytics part)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from analytics import reports
from analytics.models import SpikeAlert
from appeals.models import Municipality

from ..factories import AppealFactory, UserFactory


@pytest.fixture
def alerts(topics, ministry_a, ministry_b):
    """An alert about housing (ministry A's topic) and one about roads (ministry B's)."""
    made = {}
    for code, ministry in (("housing_utilities_landscaping", ministry_a), ("roads_transport", ministry_b)):
        topic = topics[code]
        topic.default_ministry = ministry
        topic.save()
        alert = SpikeAlert.objects.create(
            topic=topic,
            municipality=Municipality.objects.get(name="Абакан"),
            scope_key=SpikeAlert.key(topic.pk, None),
            window_start="2026-11-25T01:00Z",
            window_end="2026-11-25T04:00Z",
            count=9,
            baseline=1,
        )
        alert.appeals.add(AppealFactory(topic=topic, ministry=ministry, text=f"Жалоба {code}"))
        made[code] = alert
    return made


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "housing", "roads"),
    [("operator", 200, 200), ("head_a", 200, 404), ("specialist_a", 200, 404), ("head_b", 404, 200)],
)
def test_alerts_are_seen_by_the_operators_and_the_topics_ministry(request, alerts, role, housing, roads):
    persona = request.getfixturevalue(role)
    client = client_for(getattr(persona, "user", persona))
    for code, expected in (("housing_utilities_landscaping", housing), ("roads_transport", roads)):
        response = client.get(reverse("admin:analytics_spikealert_change", args=[alerts[code].pk]))
        assert response.status_code == expected, code
        if expected == 200:
            assert f"Жалоба {code}" in response.content.decode()
    changelist = client.get(reverse("admin:analytics_spikealert_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == (housing == 200) + (roads == 200)
    for name in ("add", "delete"):
        args = [] if name == "add" else [alerts["roads_transport"].pk]
        assert client.get(reverse(f"admin:analytics_spikealert_{name}", args=args)).status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["head_a", "specialist_a", "nobody", "anonymous"])
def test_weekly_reports_are_the_press_services(request, role, operator):
    report = reports.build(date(2026, 11, 9))
    user = {"nobody": lambda: UserFactory(username="nobody", is_staff=True), "anonymous": lambda: None}.get(
        role, lambda: request.getfixturevalue(role).user
    )()
    client = client_for(user)
    for name, args in (
        ("changelist", []),
        ("change", [report.pk]),
        ("history", [report.pk]),
        ("download", [report.pk]),
        ("delete", [report.pk]),
        ("add", []),
    ):
        status = client.get(reverse(f"admin:analytics_weeklyreport_{name}", args=args)).status_code
        assert status in (302, 403, 404), (name, status)
    operator_client = client_for(operator)
    assert operator_client.get(reverse("admin:analytics_weeklyreport_changelist")).status_code == 200
    assert operator_client.get(reverse("admin:analytics_weeklyreport_history", args=[report.pk])).status_code == 200
    assert operator_client.get(reverse("admin:analytics_weeklyreport_add")).status_code == 403
