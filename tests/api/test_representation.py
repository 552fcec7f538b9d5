"""An appeal as the API shows it: the serializer writes its fields out by hand (for speed), and
what it writes is exactly what its declared DRF fields would write, for every kind of appeal and
every persona."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from appeals import services
from appeals.api.serializers import AppealSerializer
from appeals.models import Appeal

from ..factories import AppealFactory, MinistryFactory
from . import api_client

Status = Appeal.Status


@pytest.fixture
def appeals(topics, ministry_a, specialist_a, head_a):
    """Appeals in every shape: bare, routed, overdue, paused, resolved, rejected as a duplicate."""
    now = timezone.now()
    bare = AppealFactory(account=None, external_id="", due_at=datetime(2026, 3, 1, tzinfo=UTC))
    routed = services.assign(
        AppealFactory(topic=topics["roads_transport"], written_at=now - timedelta(minutes=5)), official=specialist_a
    )
    late = now - timedelta(hours=3)
    overdue = AppealFactory(ministry=ministry_a, due_at=late, overdue_since=late)
    paused = AppealFactory(ministry=ministry_a, status=Status.AWAITING_CITIZEN, paused_at=now - timedelta(hours=1))
    resolved = AppealFactory(
        ministry=ministry_a,
        assignee=specialist_a,
        status=Status.RESOLVED,
        resolved_at=now,
        first_answered_at=now,
        answer="Яму засыпали.",
        answer_url="https://vk.com/wall-1_2",
        extension_reason="Ждали подрядчика",
    )
    duplicate = AppealFactory(
        status=Status.REJECTED, rejection_reason=Appeal.RejectionReason.DUPLICATE, duplicate_of=routed
    )
    unnamed = AppealFactory(ministry=MinistryFactory(short_name=""))  # shown by its full name
    return [bare, routed, overdue, paused, resolved, duplicate, unnamed]


def represented(appeal: Appeal, user) -> tuple[dict, dict]:
    """The appeal written by the serializer, and by DRF's own field-by-field path."""
    request = Request(APIRequestFactory().get("/api/v1/appeals/"))
    request.user = user
    serializer = AppealSerializer(context={"request": request, "now": timezone.now()})
    appeal = AppealSerializer.select(Appeal.objects).get(pk=appeal.pk)
    return serializer.to_representation(appeal), drf.ModelSerializer.to_representation(serializer, appeal)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["operator", "head_a", "specialist_a"])
def test_it_writes_what_the_declared_fields_write(appeals, persona, request):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)  # an official's login
    for appeal in appeals:
        written, declared = represented(appeal, user)
        assert written == declared, appeal
        assert list(written) == list(declared)


@pytest.mark.django_db
def test_the_steps_follow_the_persona(appeals, operator, specialist_a):
    routed = appeals[1]
    as_operator, _ = represented(routed, operator)
    as_specialist, _ = represented(routed, specialist_a.user)
    assert "assign" in as_operator["allowed_steps"] and "reject" in as_operator["allowed_steps"]
    assert "assign" not in as_specialist["allowed_steps"] and "start" in as_specialist["allowed_steps"]


@pytest.mark.django_db
def test_times_are_local_and_utc_is_z(appeals, operator, settings):
    bare = appeals[0]
    assert api_client(operator).get(f"/api/v1/appeals/{bare.pk}/").json()["due_at"] == "2026-03-01T07:00:00+07:00"
    settings.TIME_ZONE = "UTC"
    assert api_client(operator).get(f"/api/v1/appeals/{bare.pk}/").json()["due_at"] == "2026-03-01T00:00:00Z"
