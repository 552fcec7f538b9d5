"""The routing model in the admin: operators see its versions with their figures and set how sure
it must be to route by itself; nobody else sees either."""

import pytest
from django.test import Client
from django.urls import reverse

from appeals.models import RoutingModelVersion, RoutingSettings

VERSIONS = reverse("admin:appeals_routingmodelversion_changelist")
SETTINGS = reverse("admin:appeals_routingsettings_changelist")


@pytest.fixture
def versions(db):
    figures = {"accuracy": 0.45, "top3": 0.718, "coverage_at_95": 0.045}
    RoutingModelVersion.objects.create(status=RoutingModelVersion.Status.CURRENT, rows=2000, figures=figures)
    RoutingModelVersion.objects.create(
        status=RoutingModelVersion.Status.REJECTED, rows=2010, figures={**figures, "accuracy": 0.41}, reason="хуже"
    )


def test_an_operator_sees_each_version_with_its_figures(operator_client, versions, django_assert_num_queries):
    # 1 session, 2 user, 3 role, 4-5 permissions, 6 the versions (without their models), 7 the bell's
    # notices, 8 the access log entry.
    with django_assert_num_queries(8):
        response = operator_client.get(VERSIONS)
    page = response.content.decode()
    assert "используется" in page and "не включена" in page
    assert "45,0 %" in page and "41,0 %" in page and "71,8 %" in page
    assert "хуже" in page


def test_an_operator_sets_the_precision_required_to_route_by_itself(operator_client):
    assert operator_client.get(SETTINGS).status_code == 200  # the one row exists once the list is opened
    settings = RoutingSettings.get()
    change = reverse("admin:appeals_routingsettings_change", args=[settings.pk])

    response = operator_client.post(change, {"auto_route": "on", "min_precision": "90"})
    refused = operator_client.post(change, {"auto_route": "on", "min_precision": "30"})

    assert response.status_code == 302
    assert refused.status_code == 200 and "min_precision" in refused.context["adminform"].form.errors
    settings.refresh_from_db()
    assert (settings.auto_route, settings.min_precision) == (True, 90)


@pytest.mark.parametrize("persona", ["head_a", "specialist_a"])
def test_nobody_but_the_press_service_sees_them(request, versions, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona).user)

    assert client.get(VERSIONS).status_code == 403
    assert client.get(SETTINGS).status_code == 403
