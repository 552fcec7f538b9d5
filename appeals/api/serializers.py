"""What the API shows of an appeal, and the input of each step.

The step inputs only check the shape of the data; whether the step is allowed (status, role,
scope, a deadline in the future…) is the services' decision.
"""

from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import cache
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import F, Model, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from ministries.models import Ministry, Official, SocialAccount

from .. import access, answers
from ..models import AnswerTemplate, Appeal, AppealEvent, AppealMessage, Publication, Topic
from ..publishing import platforms
from ..steps import STEPS
from .filters import MAX_ID

STEP_NAMES = list(STEPS)


def iso_time(value: datetime, zone: tzinfo) -> str:
    """A time as DRF's DateTimeField writes it: ISO 8601 in ``zone``, UTC as "Z"."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# A related row shown inside a written row (an appeal's account, topic…), read from columns
# annotated onto the row's query (``RowWriter.columns``) rather than a related instance per row.
# Each field is read from the related model's column of the same name, its id from the row's own
# foreign key; a field that is no column of the related model declares its SQL in ``Meta.columns``
# (relative to the related model). A comment, not a docstring: the schema would show it for each.
class RelatedRow(serializers.ModelSerializer):
    pass


class RowWriter:
    """Writes rows as DRF's field-by-field ``to_representation`` of a serializer does, planned once
    per serializer class from its declared fields and bound once per serializer instance (a request).

    Each readable field becomes one getter, chosen by its kind:

    - a column of the model: its attribute, converted as the field converts it (a time into the
      current time zone, as DRF's ``DateTimeField``); a foreign key shown by its id: the key;
    - a source through foreign keys (``account.platform``): a column annotated onto the query;
    - a nested ``RelatedRow`` on a foreign key: None without the key, else its fields from columns
      annotated onto the query;
    - a ``SerializerMethodField``: the serializer's method;
    - anything else: the field's own ``get_attribute`` and ``to_representation``.

    The rows come from a queryset annotated with ``columns``.
    """

    def __init__(self, serializer_class: type[serializers.ModelSerializer]):
        self.model = serializer_class.Meta.model
        self.columns: dict[str, Combinable] = {}
        self.plan = [
            (name, self._plan(name, field)) for name, field in serializer_class().fields.items() if not field.write_only
        ]

    def bind(self, serializer: serializers.Serializer) -> Callable[[Model], dict]:
        """The row writer of ``serializer`` (its context, its methods) in the current time zone."""
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        getters = [(name, plan(serializer, zone)) for name, plan in self.plan]

        def write(row: Model) -> dict:
            return {name: get(row) for name, get in getters}

        return write

    def _plan(self, name: str, field: serializers.Field):
        """A function of (serializer, zone) that makes the field's getter."""
        if isinstance(field, serializers.SerializerMethodField):
            return lambda serializer, zone: getattr(serializer, field.method_name)
        path = field.source_attrs
        if len(path) == 1 and (column := _model_field(self.model, path[0])) is not None:
            if not column.is_relation:
                return _reading(attrgetter(column.attname), field)
            if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
                return _reading(attrgetter(column.attname), None)
            if isinstance(field, RelatedRow):
                return self._plan_related(name, field, column)
        elif len(path) > 1 and _through_keys(self.model, path):
            return _reading(self._column(f"shown_{name}", F("__".join(path))), field)
        return _as_drf_does(name)

    def _plan_related(self, name: str, related: RelatedRow, key: models.Field):
        """A nested ``RelatedRow``: None without the foreign key, else its fields' columns."""
        model, declared = key.related_model, getattr(related.Meta, "columns", {})
        plans = []
        for sub, field in related.fields.items():
            if field.write_only:
                continue
            if sub in declared:
                get = self._column(f"shown_{name}_{sub}", _through(key.name, declared[sub]))
                plans.append((sub, _reading(get, None)))
            elif field.source == key.target_field.name:  # the row's own foreign key holds it
                plans.append((sub, _reading(attrgetter(key.attname), field)))
            elif (column := _model_field(model, field.source)) is not None and not column.is_relation:
                get = self._column(f"shown_{name}_{sub}", F(f"{key.name}__{column.name}"))
                plans.append((sub, _reading(get, field)))
            else:
                raise ImproperlyConfigured(
                    f"{type(related).__name__}.{sub} is no column of {model.__name__}: declare its SQL in Meta.columns."
                )
        has_key = attrgetter(key.attname)

        def plan(serializer, zone):
            getters = [(sub, plan(serializer, zone)) for sub, plan in plans]

            def get(row):
                if has_key(row) is None:
                    return None
                return {sub: get(row) for sub, get in getters}

            return get

        return plan

    def _column(self, alias: str, expression: Combinable) -> Callable:
        """Annotate the rows with ``expression`` as ``alias``; the getter of its value."""
        if alias in self.columns:
            raise ImproperlyConfigured(f"Two fields of the serializer would be read from the column {alias}.")
        self.columns[alias] = expression
        return attrgetter(alias)


# DRF fields whose ``to_representation`` writes a column's value as it is.
AS_IS = {
    field.to_representation
    for field in (
        serializers.CharField,
        serializers.IntegerField,
        serializers.BooleanField,
        serializers.ChoiceField,
        serializers.ReadOnlyField,
    )
}


def _as_is(field: serializers.Field) -> bool:
    """Whether DRF's ``field`` writes a column's value as it is (a str as a str, an id as a number…)."""
    method = type(field).to_representation
    if method is serializers.BigIntegerField.to_representation:
        return not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    return method in AS_IS


def _reading(get: Callable, field: serializers.Field | None):
    """The plan of a field read by ``get``: None stays None, other values are converted as ``field``
    converts them (as they are without a field)."""
    if field is None or _as_is(field):
        return lambda serializer, zone: get
    time_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if isinstance(field, serializers.DateTimeField) and str(time_format).lower() == ISO_8601:

        def plan(serializer, zone):
            zone = getattr(field, "timezone", zone)
            if zone is None:  # without USE_TZ: naive times, as DRF writes them
                return _converted(get, field.to_representation)
            return lambda row: None if (value := get(row)) is None else iso_time(value, zone)

        return plan
    return lambda serializer, zone: _converted(get, field.to_representation)


def _converted(get: Callable, convert: Callable) -> Callable:
    return lambda row: None if (value := get(row)) is None else convert(value)


def _as_drf_does(name: str):
    """The plan of a field of another kind: the serializer's own bound field, as DRF reads it."""

    def plan(serializer, zone):
        field = serializer.fields[name]

        def get(row):
            value = field.get_attribute(row)
            if (value.pk if isinstance(value, PKOnlyObject) else value) is None:
                return None
            return field.to_representation(value)

        return get

    return plan


def _model_field(model: type[Model], name: str) -> models.Field | None:
    """The concrete field ``name`` of ``model`` (a column, or a foreign key), or None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete and not field.many_to_many else None


def _through_keys(model: type[Model], path: list[str]) -> bool:
    """Whether ``path`` follows foreign keys from ``model`` to a column that is no foreign key."""
    for name in path[:-1]:
        field = _model_field(model, name)
        if field is None or not field.is_relation:
            return False
        model = field.related_model
    field = _model_field(model, path[-1])
    return field is not None and not field.is_relation


def _through(relation: str, expression: Combinable) -> Combinable:
    """``expression`` on a related model, as an expression on the row that reaches it by ``relation``."""
    if isinstance(expression, F):
        return F(f"{relation}__{expression.name}")
    expression = expression.copy()
    expression.set_source_expressions([_through(relation, part) for part in expression.get_source_expressions()])
    return expression


@cache
def row_writer(serializer_class: type[serializers.ModelSerializer]) -> RowWriter:
    return RowWriter(serializer_class)


class WrittenRows(serializers.ModelSerializer):
    """A model serializer whose rows are written by the ``RowWriter`` planned from its declared
    fields: its declaration serves the responses and the schema alike.

    Every row it writes comes through ``select``.
    """

    @classmethod
    def select(cls, rows: QuerySet) -> QuerySet:
        """``rows`` with the columns the writer reads of related rows (no query more a page)."""
        return rows.annotate(**row_writer(cls).columns)

    def to_representation(self, instance: Model) -> dict:
        return self._write(instance)

    @cached_property
    def _write(self) -> Callable[[Model], dict]:
        """Bound once per serializer: the rows of a page share one (the list's child)."""
        return row_writer(type(self)).bind(self)


class AccountRefSerializer(RelatedRow):
    class Meta:
        model = SocialAccount
        fields = ["id", "title"]


class TopicRefSerializer(RelatedRow):
    class Meta:
        model = Topic
        fields = ["code", "name"]


class MinistryRefSerializer(RelatedRow):
    short_name = serializers.SerializerMethodField()

    class Meta:
        model = Ministry
        fields = ["id", "short_name"]
        columns = {"short_name": Coalesce(NullIf("short_name", Value("")), "name")}  # str(ministry)

    def get_short_name(self, ministry: Ministry) -> str:
        return str(ministry)


class OfficialRefSerializer(RelatedRow):
    class Meta:
        model = Official
        fields = ["id", "full_name"]


class AppealSerializer(WrittenRows):
    """An appeal, with what the requesting person may do with it (``allowed_steps``).

    The view selects the account, topic, ministry and assignee with the appeal: serializing a
    page queries nothing more.
    """

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
        choices=Appeal.RejectionReason.choices, allow_blank=True, read_only=True, help_text=_("Empty unless rejected.")
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
            "reacted_at",
            "allowed_steps",
        ]
        read_only_fields = fields

    def get_status_label(self, appeal: Appeal) -> str:
        return self._page["status_labels"][appeal.status]

    def get_overdue(self, appeal: Appeal) -> bool:
        return appeal.is_overdue(self._page["now"])

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=STEP_NAMES)))
    def get_allowed_steps(self, appeal: Appeal) -> list[str]:
        return access.steps_within(self._page["scope"], appeal)

    @cached_property
    def _page(self) -> dict:
        """What every appeal of a page shares, worked out once (a page's rows share one serializer)."""
        return {
            "now": self.context.get("now") or timezone.now(),
            "scope": access.scope_for(self.context["request"].user),
            "status_labels": {value: str(label) for value, label in Appeal.Status.choices},
        }


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


class DraftAnswerInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Empty: the template's text. Placeholders are filled."),
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=AnswerTemplate.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("One of the active templates for this appeal (its topic or none, its ministry or none)."),
    )
    works_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("The date of the planned works ({дата_работ}).")
    )
    resolves = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "The answer resolves the appeal: it stays open while the answer awaits approval or is queued, and is "
            "resolved when the platform confirms the publication."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the templates for the appeal (in the person's scope): another ministry's template is
        # as absent as a missing one, and its title is never echoed.
        appeal = self.context.get("appeal")
        if appeal is not None:
            self.fields["template"].queryset = AnswerTemplate.objects.for_appeal(appeal)


class ApproveAnswerInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("The approver's edited text; empty: as drafted.")
    )


class ReturnAnswerInputSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True)


class RetryAnswerInputSerializer(serializers.Serializer):
    checked = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("For an unknown outcome: you checked that the answer is not on the platform."),
    )


class ConfirmAnswerInputSerializer(serializers.Serializer):
    url = serializers.CharField(allow_blank=True, max_length=500, help_text=_("The link to the answer you found."))


class PublicationSerializer(serializers.ModelSerializer):
    """An answer to publish on the appeal's platform, and where it stands."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    drafted_by = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()
    length = serializers.SerializerMethodField(
        help_text=_("The text's length as the platform counts it (Telegram, Facebook, Instagram: an emoji is two).")
    )
    length_limit = serializers.SerializerMethodField(help_text=_("The longest text the platform takes here."))

    class Meta:
        model = Publication
        fields = [
            "id",
            "status",
            "status_label",
            "text",
            "length",
            "length_limit",
            "resolves",
            "drafted_by",
            "approved_by",
            "approved_at",
            "return_comment",
            "url",
            "last_error",
            "attempts",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields

    def get_drafted_by(self, publication: Publication) -> str:
        user = publication.drafted_by
        return (user.get_full_name() or user.get_username()) if user else ""

    def get_approved_by(self, publication: Publication) -> str:
        user = publication.approved_by
        return (user.get_full_name() or user.get_username()) if user else ""

    def get_length(self, publication: Publication) -> int:
        return answers.measure(publication.text, publication.account.platform)

    def get_length_limit(self, publication: Publication) -> int:
        return platforms.length_limit(publication.appeal)


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
