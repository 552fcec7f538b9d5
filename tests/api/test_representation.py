"""An appeal as the API shows it: one declaration, ``AppealSerializer``'s fields, serves the responses
and the schema. Its rows are written by a writer generated from those fields, which writes exactly
what DRF's own field-by-field path writes, for every kind of appeal, every persona and time zone;
a field added to the declaration is written without touching anything else."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from appeals import services
from appeals.api.serializers import AppealSerializer, RelatedRow, WrittenRows
from appeals.models import Appeal, Municipality
from ministries.models import Ministry, SocialAccount

from ..factories import AccountFactory, AppealFactory, MinistryFactory
from . import api_client

Status = Appeal.Status


@pytest.fixture
def appeals(topics, ministry_a, specialist_a, head_a):
    """Appeals in every shape and status: bare, routed, overdue, paused, resolved, rejected as a
    duplicate, from Telegram, in a municipality, with times exactly at midnight UTC."""
    now = timezone.now()
    bare = AppealFactory(account=None, external_id="", due_at=datetime(2026, 3, 1, tzinfo=UTC))
    routed = services.assign(
        AppealFactory(topic=topics["roads_transport"], written_at=now - timedelta(minutes=5)), official=specialist_a
    )
    late = now - timedelta(hours=3)
    overdue = AppealFactory(ministry=ministry_a, due_at=late, overdue_since=late)
    paused = AppealFactory(ministry=ministry_a, status=Status.AWAITING_CITIZEN, paused_at=now - timedelta(hours=1))
    in_progress = AppealFactory(
        ministry=ministry_a,
        assignee=specialist_a,
        status=Status.IN_PROGRESS,
        account=AccountFactory(platform=SocialAccount.Platform.TELEGRAM),
        first_answer_due_at=now + timedelta(hours=2),
        municipality=Municipality.objects.get(name="Абакан"),
        topic_confidence=0.25,
    )
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
    rows = [bare, routed, overdue, paused, in_progress, resolved, duplicate, unnamed]
    assert {appeal.status for appeal in rows} == set(Status.values)
    return rows


def serializer_for(user, serializer_class=AppealSerializer) -> WrittenRows:
    request = Request(APIRequestFactory().get("/api/v1/appeals/"))
    request.user = user
    return serializer_class(context={"request": request, "now": timezone.now()})


def represented(appeal: Appeal, user, serializer_class=AppealSerializer) -> tuple[dict, dict]:
    """The appeal written by the serializer's generated writer, and by DRF's own field-by-field path."""
    serializer = serializer_for(user, serializer_class)
    appeal = serializer_class.select(Appeal.objects).get(pk=appeal.pk)
    return serializer.to_representation(appeal), drf.ModelSerializer.to_representation(serializer, appeal)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Krasnoyarsk", "UTC", "America/St_Johns"])
@pytest.mark.parametrize("persona", ["operator", "head_a", "specialist_a"])
def test_it_writes_what_the_declared_fields_write(appeals, persona, zone, request):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)  # an official's login
    with timezone.override(zone):
        for appeal in appeals:
            written, declared = represented(appeal, user)
            assert written == declared, appeal
            assert list(written) == list(declared) == list(AppealSerializer().fields)


class MunicipalityRef(RelatedRow):
    class Meta:
        model = Municipality
        fields = ["id", "name", "kind", "is_active"]


class OriginalRef(RelatedRow):
    class Meta:
        model = Appeal
        fields = ["id", "status", "received_at", "topic_confidence"]


class WiderAppealSerializer(AppealSerializer):
    """The appeal with one more field of every kind the writer plans for, and nothing else added."""

    municipality = MunicipalityRef(read_only=True, allow_null=True)
    original = OriginalRef(source="duplicate_of", read_only=True, allow_null=True)
    ministry_name = drf.CharField(source="ministry.name", read_only=True, allow_null=True)
    status_display = drf.CharField(source="get_status_display", read_only=True)
    words = drf.SerializerMethodField()

    class Meta(AppealSerializer.Meta):
        fields = [
            *AppealSerializer.Meta.fields,
            "author_external_id",  # a column
            "escalated_at",  # a time
            "topic_confidence",  # a number the field converts
            "municipality",  # a related row
            "original",  # a related row on another foreign key, with a time and a choice
            "ministry_name",  # a column through a foreign key
            "status_display",  # a callable source, written as DRF writes it
            "words",  # a method
        ]
        read_only_fields = fields

    def get_words(self, appeal: Appeal) -> int:
        return len(appeal.text.split())


@pytest.mark.django_db
def test_a_field_added_to_the_declaration_is_written_without_anything_else(
    appeals, operator, django_assert_num_queries
):
    for appeal in appeals:
        written, declared = represented(appeal, operator, WiderAppealSerializer)
        assert written == declared, appeal
        assert list(written) == list(WiderAppealSerializer().fields)
    in_progress, duplicate = appeals[4], appeals[6]
    written, _ = represented(in_progress, operator, WiderAppealSerializer)
    assert written["municipality"]["name"] == "Абакан" and written["topic_confidence"] == 0.25
    assert written["ministry_name"] == "Министерство строительства и ЖКХ"
    written, _ = represented(duplicate, operator, WiderAppealSerializer)
    assert written["original"]["id"] == appeals[1].pk and written["original"]["status"] == Status.ASSIGNED
    # The added related rows are read with the appeals: writing them queries nothing.
    rows = list(WiderAppealSerializer.select(Appeal.objects.all()))
    serializer = serializer_for(operator, WiderAppealSerializer)
    with django_assert_num_queries(0):
        assert [serializer.to_representation(row)["id"] for row in rows] == [appeal.pk for appeal in rows]


def test_a_related_field_that_is_no_column_must_declare_its_sql():
    class NamedRef(RelatedRow):
        name = drf.SerializerMethodField()

        class Meta:
            model = Ministry
            fields = ["id", "name"]

        def get_name(self, ministry: Ministry) -> str:
            return str(ministry)

    class Unexplained(AppealSerializer):
        ministry = NamedRef(read_only=True, allow_null=True)

    with pytest.raises(ImproperlyConfigured, match=r"NamedRef\.name .*Meta\.columns"):
        Unexplained.select(Appeal.objects.all())


@pytest.mark.django_db
def test_the_schema_documents_what_the_responses_write(appeals, operator_client):
    schema = operator_client.get("/api/schema/?format=json").json()["components"]["schemas"]
    rows = operator_client.get("/api/v1/appeals/").json()["results"]
    routed = next(row for row in rows if row["assignee"] and row["topic"] and row["account"])
    assert list(schema["Appeal"]["properties"]) == list(routed)
    for field, component in [
        ("account", "AccountRef"),
        ("topic", "TopicRef"),
        ("ministry", "MinistryRef"),
        ("assignee", "OfficialRef"),
    ]:
        assert list(schema[component]["properties"]) == list(routed[field]), field


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
