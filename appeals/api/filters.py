"""The filters of the appeals list: named, typed, each one a query a person would ask."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ministries.models import SocialAccount

from ..models import Appeal

# Ids are 64-bit; a larger number cannot name a row.
MAX_ID = 2**63 - 1


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds and validates its form only when a request names one
    of the filters (a plain page skips building the filter form)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or filterset_class.base_filters.keys().isdisjoint(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class UtcIsoDateTimeField(IsoDateTimeField):
    """A datetime, handed to the database in UTC.

    Any offset may come in, but PostgreSQL refuses offsets beyond ±15:59 and a time that is
    before the year 1 or after 9999 in UTC exists nowhere: the first is converted, the second is
    invalid input (not a crash).
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 datetime (a time without an offset is local time)."""

    field_class = UtcIsoDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """The id of a related row (no query to check that it exists: an unknown id matches nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AppealFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Appeal.Status.choices, help_text=_("One or more statuses."))
    topic = django_filters.CharFilter(field_name="topic__code", help_text=_("Topic code, e.g. `roads_transport`."))
    ministry = IdFilter(field_name="ministry_id", help_text="Ministry id.")
    assignee = IdFilter(field_name="assignee_id", help_text="Official id.")
    account = IdFilter(field_name="account_id", help_text="Social account id.")
    platform = django_filters.ChoiceFilter(
        field_name="account__platform",
        choices=SocialAccount.Platform.choices,
        help_text=_("The platform of the account the appeal arrived on."),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text=_("true: open, clock running and past the deadline; false: all the others."),
    )
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", help_text=_("Deadline before this time."))
    due_after = DateTimeFilter(field_name="due_at", lookup_expr="gte", help_text=_("Deadline at or after this time."))
    received_after = DateTimeFilter(
        field_name="received_at", lookup_expr="gte", help_text=_("Received at or after this time.")
    )
    received_before = DateTimeFilter(
        field_name="received_at", lookup_expr="lt", help_text=_("Received before this time.")
    )
    q = django_filters.CharFilter(
        method="search",
        help_text=_("Words in the text or the author's name; a number (also `№12`, `#12`) finds that appeal."),
    )

    class Meta:
        model = Appeal
        fields = []

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        if value:
            return queryset.overdue(now)
        return queryset.exclude(pk__in=Appeal.objects.overdue(now).values("pk"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(text__icontains=value) | Q(author_name__icontains=value)
        number = value.lstrip("№#").strip()
        if number.isascii() and number.isdigit() and int(number) <= MAX_ID:
            condition |= Q(pk=int(number))
        return queryset.filter(condition)
