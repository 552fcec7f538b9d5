"""``POST /api/v1/intake/``: batches of normalised appeals from monitoring systems and Twitter.

The request is stored as an ``InboundEvent`` first; each item is answered on its own (created,
duplicate, message, updated, or error with the reason), so one bad item never loses the others.
A link that is not http(s) is left out of its appeal, and the item's ``warnings`` say so.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access
from ..intake import batch
from ..models import InboundEvent

MAX_ITEMS = 1000


class PressServiceOnly(permissions.BasePermission):
    message = _("Only the press service's integrations can deliver appeals.")

    def has_permission(self, request, view) -> bool:
        return access.scope_for(request.user).is_operator


class IntakeItemSerializer(serializers.Serializer):
    platform = serializers.CharField(help_text=_("vk, ok, telegram, instagram, facebook or twitter"))
    account = serializers.CharField(help_text=_("The platform's id of the account the appeal arrived on."))
    external_id = serializers.CharField(help_text=_("The platform's id of the message: a repeat is not stored twice."))
    text = serializers.CharField()
    thread_id = serializers.CharField(required=False)
    author_name = serializers.CharField(required=False)
    author_external_id = serializers.CharField(required=False)
    author_url = serializers.CharField(
        required=False, help_text=_("http(s) only: another link is left out (the item's warnings say so).")
    )
    link = serializers.CharField(
        required=False, help_text=_("http(s) only: another link is left out (the item's warnings say so).")
    )
    written_at = serializers.DateTimeField(required=False)


class IntakeRequestSerializer(serializers.Serializer):
    items = IntakeItemSerializer(many=True)


class IntakeResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["created", "message", "updated", "duplicate", "error"])
    appeal = serializers.IntegerField(required=False, allow_null=True)
    error = serializers.CharField(required=False)
    warnings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("What was left out of the item, e.g. a javascript: link."),
    )


class IntakeResponseSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    results = IntakeResultSerializer(many=True)


class BatchIntakeView(APIView):
    permission_classes = [permissions.IsAuthenticated, PressServiceOnly]

    @extend_schema(
        request=IntakeRequestSerializer,
        responses={200: IntakeResponseSerializer},
        summary=_("Deliver a batch of appeals"),
    )
    def post(self, request):
        event = InboundEvent.objects.create(
            platform="batch",
            account_key=request.user.get_username()[:128],
            body=request.body,
            authenticated=True,
            headers={"user": request.user.get_username()},
        )
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            event.outcome = InboundEvent.Outcome.REJECTED
            event.reason = f"items must be a list of at most {MAX_ITEMS} objects."
            event.processed_at = timezone.now()
            event.save(update_fields=["outcome", "reason", "processed_at"])
            return Response({"items": [event.reason]}, status=status.HTTP_400_BAD_REQUEST)
        results = batch.ingest(event, items)
        return Response({"event": event.pk, "results": results})
