"""What the API shows of an appeal, and the input of each step.

The step inputs only check the shape of the data; whether the step is allowed (status, role,
scope, a deadline in the future…) is the services' decision.
"""

from datetime import datetime, tzinfo

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ministries.models import Ministry, Official, SocialAccount

from .. import access
from ..models import Appeal, AppealEvent, AppealMessage, Topic
from ..steps import STEPS
from .filters import MAX_ID

STEP_NAMES = list(STEPS)


def iso_time(value: datetime, zone: tzinfo) -> str:
    """A time as DRF's DateTimeField writes it: ISO 8601 in ``zone``, UTC as "Z"."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def appeal_page(user, now: datetime | None = None) -> dict:
    """What every appeal of a page shares, for ``appeal_json``: worked out once per page."""
    return {
        "now": now or timezone.now(),
        "zone": timezone.get_current_timezone(),
        "scope": access.scope_for(user),
        "status_labels": {value: str(label) for value, label in Appeal.Status.choices},
    }


def appeal_json(appeal: Appeal, page: dict) -> dict:
    """An appeal as ``AppealSerializer`` shows it; ``appeal`` comes from ``AppealSerializer.select``."""
    zone = page["zone"]

    def _time(value: datetime | None) -> str | None:
        return None if value is None else iso_time(value, zone)

    return {
        "id": appeal.pk,
        "status": appeal.status,
        "status_label": page["status_labels"][appeal.status],
        "platform": appeal.shown_platform,
        "account": {"id": appeal.account_id, "title": appeal.shown_account_title} if appeal.account_id else None,
        "external_id": appeal.external_id,
        "thread_id": appeal.thread_id,
        "permalink": appeal.permalink,
        "author_name": appeal.author_name,
        "author_url": appeal.author_url,
        "text": appeal.text,
        "written_at": _time(appeal.written_at),
        "received_at": _time(appeal.received_at),
        "topic": {"code": appeal.shown_topic_code, "name": appeal.shown_topic_name} if appeal.topic_id else None,
        "ministry": (
            {"id": appeal.ministry_id, "short_name": appeal.shown_ministry_name} if appeal.ministry_id else None
        ),
        "assignee": (
            {"id": appeal.assignee_id, "full_name": appeal.shown_assignee_name} if appeal.assignee_id else None
        ),
        "due_at": _time(appeal.due_at),
        "first_answer_due_at": _time(appeal.first_answer_due_at),
        "first_answered_at": _time(appeal.first_answered_at),
        "overdue": appeal.is_overdue(page["now"]),
        "overdue_since": _time(appeal.overdue_since),
        "paused_at": _time(appeal.paused_at),
        "extension_reason": appeal.extension_reason,
        "resolved_at": _time(appeal.resolved_at),
        "answer": appeal.answer,
        "answer_url": appeal.answer_url,
        "rejection_reason": appeal.rejection_reason,
        "duplicate_of": appeal.duplicate_of_id,
        "allowed_steps": access.steps_within(page["scope"], appeal),
    }


class AccountRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = SocialAccount
        fields = ["id", "title"]


class TopicRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["code", "name"]


class MinistryRefSerializer(serializers.ModelSerializer):
    # A method field, not source="__str__": DRF inspects a callable source on every row.
    short_name = serializers.SerializerMethodField()

    class Meta:
        model = Ministry
        fields = ["id", "short_name"]

    def get_short_name(self, ministry: Ministry) -> str:
        return str(ministry)


class OfficialRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Official
        fields = ["id", "full_name"]


class AppealSerializer(serializers.ModelSerializer):
    """An appeal, with what the requesting person may do with it (``allowed_steps``).

    The view selects the account, topic, ministry and assignee with the appeal: serializing a
    page queries nothing more.
    """

    # Method fields, not callable sources: DRF inspects a callable source on every row.
    status_label = serializers.SerializerMethodField()
    platform = serializers.ChoiceField(
        source="account.platform", choices=SocialAccount.Platform.choices, read_only=True, allow_null=True
    )
    account = AccountRefSerializer(read_only=True, allow_null=True)
    topic = TopicRefSerializer(read_only=True, allow_null=True)
    ministry = MinistryRefSerializer(read_only=True, allow_null=True)
    assignee = OfficialRefSerializer(read_only=True, allow_null=True)
    # Links, or "" when there is none (so not typed as URIs).
    permalink = serializers.CharField(read_only=True)
    author_url = serializers.CharField(read_only=True)
    answer_url = serializers.CharField(read_only=True)
    rejection_reason = serializers.ChoiceField(
        choices=Appeal.RejectionReason.choices, allow_blank=True, read_only=True, help_text="Empty unless rejected."
    )
    overdue = serializers.SerializerMethodField()
    allowed_steps = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "status",
            "status_label",
            "platform",
            "account",
            "external_id",
            "thread_id",
            "permalink",
            "author_name",
            "author_url",
            "text",
            "written_at",
            "received_at",
            "topic",
            "ministry",
            "assignee",
            "due_at",
            "first_answer_due_at",
            "first_answered_at",
            "overdue",
            "overdue_since",
            "paused_at",
            "extension_reason",
            "resolved_at",
            "answer",
            "answer_url",
            "rejection_reason",
            "duplicate_of",
            "allowed_steps",
        ]
        read_only_fields = fields

    # What the representation shows of the related rows, read with the appeal as plain columns
    # (a related model instance per column group cost more than the rest of the row).
    SHOWN = {
        "shown_account_title": F("account__title"),
        "shown_platform": F("account__platform"),
        "shown_topic_code": F("topic__code"),
        "shown_topic_name": F("topic__name"),
        "shown_ministry_name": Coalesce(NullIf("ministry__short_name", Value("")), "ministry__name"),
        "shown_assignee_name": F("assignee__full_name"),
    }

    @classmethod
    def select(cls, appeals: QuerySet) -> QuerySet:
        """``appeals`` with what the representation shows of the related rows (one query a page).

        Every appeal this serializer writes comes through here.
        """
        return appeals.annotate(**cls.SHOWN)

    def to_representation(self, appeal: Appeal) -> dict:
        """The declared fields' output, written out: DRF's field-by-field path cost three times
        the page's SQL on a page of 50 (a test holds the two equal)."""
        page = self.context.get("appeal_page")
        if page is None:  # worked out once per request, kept in the serializer's context
            page = self.context["appeal_page"] = appeal_page(self.context["request"].user, self.context.get("now"))
        return appeal_json(appeal, page)

    def get_status_label(self, appeal: Appeal) -> str:
        return str(Appeal.Status(appeal.status).label)

    def get_overdue(self, appeal: Appeal) -> bool:
        return appeal.is_overdue(self.context.get("now"))

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=STEP_NAMES)))
    def get_allowed_steps(self, appeal: Appeal) -> list[str]:
        return access.allowed_steps(self.context["request"].user, appeal)


class AppealEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = AppealEvent
        fields = ["id", "at", "kind", "kind_label", "actor_name", "data", "note"]
        read_only_fields = fields


class AppealMessageSerializer(serializers.ModelSerializer):
    direction_label = serializers.CharField(source="get_direction_display", read_only=True)

    class Meta:
        model = AppealMessage
        fields = [
            "id",
            "direction",
            "direction_label",
            "external_id",
            "author_name",
            "text",
            "written_at",
            "created_at",
        ]
        read_only_fields = fields


# The input of each step. Strings may be empty here: the services refuse an empty answer,
# question or reason with their own message.


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related id among the rows the requesting person may see; others do not exist for them."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user, super().get_queryset())


class AssignInputSerializer(serializers.Serializer):
    ministry = ScopedPrimaryKeyField(
        access.ministries_for, queryset=Ministry.objects.all(), required=False, allow_null=True
    )
    official = ScopedPrimaryKeyField(
        access.officials_for,
        queryset=Official.objects.select_related("ministry"),
        required=False,
        allow_null=True,
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SetTopicInputSerializer(serializers.Serializer):
    topic = serializers.SlugRelatedField(slug_field="code", queryset=Topic.objects.filter(is_active=True))


class ExtendInputSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)


class ResolveInputSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)
    answer_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Appeal.RejectionReason.choices)
    duplicate_of = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CommentInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class AskInputSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True)


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    answer_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class TopicSerializer(serializers.ModelSerializer):
    sla_mode_label = serializers.CharField(source="get_sla_mode_display", read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id",
            "code",
            "name",
            "default_ministry",
            "sla_hours",
            "sla_mode",
            "sla_mode_label",
            "pause_when_awaiting",
            "position",
            "is_active",
        ]


# Statistics.

# The longest period the statistics cover (in years), and the dates they accept at all.
