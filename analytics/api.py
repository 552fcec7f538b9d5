"""The API's statistics (``/api/v1/stats/``): the appeals received in a period, counted by topic,
ministry, status and platform, within the person's scope. The period follows the dashboard's
rules (``figures.dates_period``); the counting is ``figures.received_in``.
"""

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import access
from appeals.api.permissions import HasRole
from appeals.models import Appeal
from ministries.models import SocialAccount

from .figures import PeriodError, dates_period, parse_period, received_in


class StatsQuerySerializer(serializers.Serializer):
    """``from`` and ``to`` (inclusive local dates); by default the last 30 days up to today. The
    period follows the dashboard's rules (``analytics.figures.dates_period``)."""

    def get_fields(self):
        # "from" is a Python keyword: the fields are declared here, not as class attributes.
        return {
            "from": serializers.DateField(required=False, help_text=_("First day (inclusive), local date.")),
            "to": serializers.DateField(
                required=False, help_text=_("Last day (inclusive), local date; default today.")
            ),
        }

    def validate(self, attrs):
        end = attrs.get("to") or timezone.localdate()
        try:
            start = attrs.get("from") or parse_period("month", today=end).first_day
            return {"period": dates_period(start, end)}
        except PeriodError as error:
            raise serializers.ValidationError(str(error)) from None


class TopicCountSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class MinistryCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    short_name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Appeal.Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class PlatformCountSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=SocialAccount.Platform.choices, allow_null=True)
    label = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "total": serializers.IntegerField(),
            "by_topic": TopicCountSerializer(many=True),
            "by_ministry": MinistryCountSerializer(many=True),
            "by_status": StatusCountSerializer(many=True),
            "by_platform": PlatformCountSerializer(many=True),
        }


class StatsView(APIView):
    """Counts of the appeals received in a period, within your scope."""

    permission_classes = [IsAuthenticated, HasRole]
    # Not a list of rows: no filters, no pagination.
    filter_backends = []

    @extend_schema(
        summary=_("Appeals received in a period, by topic, ministry, status and platform"),
        description=_("Counts of the appeals received in a period, within your scope."),
        parameters=[StatsQuerySerializer],
        responses={200: StatsSerializer, 400: OpenApiResponse(description=_("A bad period."))},
    )
    def get(self, request):
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        appeals = received_in(access.appeals_for(request.user, Appeal.objects.all()), period)

        def counts(*fields):
            return appeals.values(*fields).annotate(count=Count("id")).order_by("-count", *fields)

        statuses = dict(Appeal.Status.choices)
        platforms = dict(SocialAccount.Platform.choices)
        by_status = [
            {"status": row["status"], "label": statuses.get(row["status"], row["status"]), "count": row["count"]}
            for row in counts("status")
        ]
        stats = {
            "from": period.first_day,
            "to": period.last_day,
            "total": sum(row["count"] for row in by_status),
            "by_topic": [
                {"code": row["topic__code"], "name": row["topic__name"], "count": row["count"]}
                for row in counts("topic__code", "topic__name")
            ],
            "by_ministry": [
                {
                    "id": row["ministry_id"],
                    "short_name": row["ministry__short_name"] or row["ministry__name"],
                    "count": row["count"],
                }
                for row in counts("ministry_id", "ministry__short_name", "ministry__name")
            ],
            "by_status": by_status,
            "by_platform": [
                {
                    "platform": row["account__platform"],
                    "label": platforms.get(row["account__platform"]),
                    "count": row["count"],
                }
                for row in counts("account__platform")
            ],
        }
        return Response(StatsSerializer(stats).data)
