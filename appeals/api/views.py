"""The appeals API. Views are thin: they scope, validate the input's shape and call the services.

Every queryset goes through ``appeals/access.py``: an appeal outside the person's scope does not
exist for them (404), and the services re-check each step (``services.Refused`` → 400).
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import access, services
from ..models import Appeal, AppealEvent, AppealMessage, Topic
from ..steps import STEPS
from . import serializers
from .filters import AppealFilter
from .pagination import AppealCursorPagination, SmallTablePagination
from .permissions import HasRole, OperatorWrites


class StepRefused(exceptions.APIException):
    """``services.Refused`` as an HTTP answer: 400 ``{"detail": message}``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"


# A 400 of a step: ``{"detail": why}`` when the service refuses, ``{field: [errors]}`` for bad input.
STEP_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Why the step is refused."}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _step(name: str, input_serializer=None, summary: str = ""):
    """The schema of a step: its input, the updated appeal, and why it may be refused."""
    return extend_schema(
        summary=summary,
        request=input_serializer,
        responses={
            200: serializers.AppealSerializer,
            400: OpenApiResponse(STEP_ERROR, description="The step is refused (detail), or the input is invalid."),
            404: OpenApiResponse(description="No such appeal in your scope."),
        },
        operation_id=f"appeals_{name}",
    )


# Step actions read no query filters and are not paginated.
STEP = {"detail": True, "methods": ["post"], "filter_backends": [], "pagination_class": None}
SUBLIST = {"detail": True, "methods": ["get"], "filter_backends": [], "pagination_class": None}


@extend_schema_view(
    list=extend_schema(summary="Appeals in your scope, newest first (cursor pagination)"),
    retrieve=extend_schema(summary="One appeal"),
)
class AppealViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AppealSerializer
    permission_classes = [IsAuthenticated, HasRole]
    filterset_class = AppealFilter
    pagination_class = AppealCursorPagination

    def get_queryset(self):
        appeals = Appeal.objects.all()
        if self.action in ("list", "retrieve"):
            appeals = serializers.AppealSerializer.select(appeals)
        return access.appeals_for(self.request.user, appeals)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _apply(self, request, input_serializer, service) -> Response:
        """Validate the input, run the service as the requesting person, return the fresh appeal."""
        appeal = self.get_object()
        data = {}
        if input_serializer is not None:
            given = input_serializer(data=request.data, context=self.get_serializer_context())
            given.is_valid(raise_exception=True)
            data = given.validated_data
        try:
            service(appeal, actor=request.user, **data)
        except services.Refused as refused:
            # Each step's action is named after it (appeals/steps.py).
            services.record_refusal(appeal, step=self.action, message=refused.message, actor=request.user)
            raise StepRefused(refused.message) from None
        # The person just took the step: they are shown its result even if it left their scope.
        appeal = serializers.AppealSerializer.select(Appeal.objects).get(pk=appeal.pk)
        return Response(self.get_serializer(appeal).data)

    @_step("assign", serializers.AssignInputSerializer, "Assign to a ministry and/or an official")
    @action(**STEP)
    def assign(self, request, pk=None):
        return self._apply(request, serializers.AssignInputSerializer, services.assign)

    @_step("set_topic", serializers.SetTopicInputSerializer, "Set or correct the topic (by its code)")
    @action(**STEP, url_path=STEPS["set_topic"].path)
    def set_topic(self, request, pk=None):
        return self._apply(request, serializers.SetTopicInputSerializer, services.set_topic)

    @_step("start", None, "Start work (or resume after the citizen answered)")
    @action(**STEP)
    def start(self, request, pk=None):
        return self._apply(request, None, services.start_work)

    @_step("ask", serializers.AskInputSerializer, "Ask the citizen for clarification")
    @action(**STEP, url_path=STEPS["ask_citizen"].path)
    def ask_citizen(self, request, pk=None):
        return self._apply(request, serializers.AskInputSerializer, services.ask_citizen)

    @_step("reply", serializers.ReplyInputSerializer, "Publish an interim answer; the appeal stays open")
    @action(**STEP)
    def reply(self, request, pk=None):
        return self._apply(request, serializers.ReplyInputSerializer, services.reply)

    @_step("extend", serializers.ExtendInputSerializer, "Move the deadline later, with a reason")
    @action(**STEP)
    def extend(self, request, pk=None):
        return self._apply(request, serializers.ExtendInputSerializer, services.extend)

    @_step("resolve", serializers.ResolveInputSerializer, "Close with the answer given to the citizen")
    @action(**STEP)
    def resolve(self, request, pk=None):
        return self._apply(request, serializers.ResolveInputSerializer, services.resolve)

    @_step("reject", serializers.RejectInputSerializer, "Close as spam, not an appeal, or a duplicate")
    @action(**STEP)
    def reject(self, request, pk=None):
        return self._apply(request, serializers.RejectInputSerializer, services.reject)

    @_step("reopen", serializers.ReopenInputSerializer, "Open a resolved or rejected appeal again")
    @action(**STEP)
    def reopen(self, request, pk=None):
        return self._apply(request, serializers.ReopenInputSerializer, services.reopen)

    @_step("comment", serializers.CommentInputSerializer, "Add an internal note to the history")
    @action(**STEP)
    def comment(self, request, pk=None):
        return self._apply(request, serializers.CommentInputSerializer, services.comment)

    @extend_schema(summary="The appeal's history, oldest first", responses=serializers.AppealEventSerializer(many=True))
    @action(**SUBLIST)
    def history(self, request, pk=None):
        appeal = self.get_object()
        events = access.related_for(request.user, AppealEvent.objects.filter(appeal=appeal))
        return Response(serializers.AppealEventSerializer(events, many=True).data)

    @extend_schema(
        summary="The appeal's conversation, oldest first", responses=serializers.AppealMessageSerializer(many=True)
    )
    @action(**SUBLIST)
    def messages(self, request, pk=None):
        appeal = self.get_object()
        messages = access.related_for(request.user, AppealMessage.objects.filter(appeal=appeal))
        return Response(serializers.AppealMessageSerializer(messages, many=True).data)


class TopicViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Topics and their deadline policies: everybody with a role reads, operators change (no delete)."""

    queryset = Topic.objects.all()
    serializer_class = serializers.TopicSerializer
    permission_classes = [IsAuthenticated, OperatorWrites]
    pagination_class = SmallTablePagination
    filterset_fields = ["is_active"]
