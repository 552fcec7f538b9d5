"""The appeals API. Views are thin: they scope, validate the input's shape and call the services.

Every queryset goes through ``appeals/access.py``: an appeal outside the person's scope does not
exist for them (404), and the services re-check each step (``services.Refused`` → 400).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import access, services
from ..models import Appeal, AppealEvent, AppealMessage, Publication, Topic
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
    "properties": {"detail": {"type": "string", "description": _("Why the step is refused.")}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _step(name: str, input_serializer=None, summary: str = ""):
    """The schema of a step: its input, the updated appeal, and why it may be refused."""
    return extend_schema(
        summary=summary,
        request=input_serializer,
        responses={
            200: serializers.AppealSerializer,
            400: OpenApiResponse(STEP_ERROR, description=_("The step is refused (detail), or the input is invalid.")),
            404: OpenApiResponse(description=_("No such appeal in your scope.")),
        },
        operation_id=f"appeals_{name}",
    )


# Step actions read no query filters and are not paginated.
STEP = {"detail": True, "methods": ["post"], "filter_backends": [], "pagination_class": None}
SUBLIST = {"detail": True, "methods": ["get"], "filter_backends": [], "pagination_class": None}


@extend_schema_view(
    list=extend_schema(summary=_("Appeals in your scope, newest first (cursor pagination)")),
    retrieve=extend_schema(summary=_("One appeal")),
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
            given = input_serializer(data=request.data, context={**self.get_serializer_context(), "appeal": appeal})
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

    @_step("assign", serializers.AssignInputSerializer, _("Assign to a ministry and/or an official"))
    @action(**STEP)
    def assign(self, request, pk=None):
        return self._apply(request, serializers.AssignInputSerializer, services.assign)

    @_step("set_topic", serializers.SetTopicInputSerializer, _("Set or correct the topic (by its code)"))
    @action(**STEP, url_path=STEPS["set_topic"].path)
    def set_topic(self, request, pk=None):
        return self._apply(request, serializers.SetTopicInputSerializer, services.set_topic)

    @_step("start", None, _("Start work (or resume after the citizen answered)"))
    @action(**STEP)
    def start(self, request, pk=None):
        return self._apply(request, None, services.start_work)

    @_step("ask", serializers.AskInputSerializer, _("Ask the citizen for clarification"))
    @action(**STEP, url_path=STEPS["ask_citizen"].path)
    def ask_citizen(self, request, pk=None):
        return self._apply(request, serializers.AskInputSerializer, services.ask_citizen)

    @_step("reply", serializers.ReplyInputSerializer, _("Publish an interim answer; the appeal stays open"))
    @action(**STEP)
    def reply(self, request, pk=None):
        return self._apply(request, serializers.ReplyInputSerializer, services.reply)

    @_step("extend", serializers.ExtendInputSerializer, _("Move the deadline later, with a reason"))
    @action(**STEP)
    def extend(self, request, pk=None):
        return self._apply(request, serializers.ExtendInputSerializer, services.extend)

    @_step("resolve", serializers.ResolveInputSerializer, _("Close with the answer given to the citizen"))
    @action(**STEP)
    def resolve(self, request, pk=None):
        return self._apply(request, serializers.ResolveInputSerializer, services.resolve)

    @_step("reject", serializers.RejectInputSerializer, _("Close as spam, not an appeal, or a duplicate"))
    @action(**STEP)
    def reject(self, request, pk=None):
        return self._apply(request, serializers.RejectInputSerializer, services.reject)

    @_step("reopen", serializers.ReopenInputSerializer, _("Open a resolved or rejected appeal again"))
    @action(**STEP)
    def reopen(self, request, pk=None):
        return self._apply(request, serializers.ReopenInputSerializer, services.reopen)

    @_step("comment", serializers.CommentInputSerializer, _("Add an internal note to the history"))
    @action(**STEP)
    def comment(self, request, pk=None):
        return self._apply(request, serializers.CommentInputSerializer, services.comment)

    # --- the answer published through the platform (docs/answering.md) ---------------------------

    @_step(
        "draft_answer",
        serializers.DraftAnswerInputSerializer,
        _("Draft the answer to publish (from a template or not)"),
    )
    @action(**STEP, url_path=STEPS["draft_answer"].path)
    def draft_answer(self, request, pk=None):
        return self._apply(request, serializers.DraftAnswerInputSerializer, services.draft_answer)

    @_step("submit_answer", None, _("Submit the drafted answer: for approval, or to the platform's queue"))
    @action(**STEP, url_path=STEPS["submit_answer"].path)
    def submit_answer(self, request, pk=None):
        return self._apply(request, None, services.submit_answer)

    @_step("approve_answer", serializers.ApproveAnswerInputSerializer, _("Approve the answer (optionally edited)"))
    @action(**STEP, url_path=STEPS["approve_answer"].path)
    def approve_answer(self, request, pk=None):
        return self._apply(request, serializers.ApproveAnswerInputSerializer, services.approve_answer)

    @_step(
        "return_answer", serializers.ReturnAnswerInputSerializer, _("Return the answer to its drafter with a comment")
    )
    @action(**STEP, url_path=STEPS["return_answer"].path)
    def return_answer(self, request, pk=None):
        return self._apply(request, serializers.ReturnAnswerInputSerializer, services.return_answer)

    @_step("cancel_answer", None, _("Delete the draft answer"))
    @action(**STEP, url_path=STEPS["cancel_answer"].path)
    def cancel_answer(self, request, pk=None):
        return self._apply(request, None, services.cancel_answer)

    @_step("retry_answer", serializers.RetryAnswerInputSerializer, _("Queue again an answer that failed or is unknown"))
    @action(**STEP, url_path=STEPS["retry_answer"].path)
    def retry_answer(self, request, pk=None):
        return self._apply(request, serializers.RetryAnswerInputSerializer, services.retry_answer)

    @_step("confirm_answer", serializers.ConfirmAnswerInputSerializer, _("Confirm an answer found on the platform"))
    @action(**STEP, url_path=STEPS["confirm_answer"].path)
    def confirm_answer(self, request, pk=None):
        return self._apply(request, serializers.ConfirmAnswerInputSerializer, services.confirm_answer)

    @_step("dismiss_reaction", None, _("The citizen's reply after the answer is seen; the appeal stays resolved"))
    @action(**STEP, url_path=STEPS["dismiss_reaction"].path)
    def dismiss_reaction(self, request, pk=None):
        return self._apply(request, None, services.dismiss_reaction)

    @extend_schema(
        summary=_("The answers to publish on the appeal's platform, newest first"),
        responses=serializers.PublicationSerializer(many=True),
    )
    @action(**SUBLIST)
    def publications(self, request, pk=None):
        appeal = self.get_object()
        rows = access.related_for(request.user, Publication.objects.filter(appeal=appeal))
        rows = rows.select_related("drafted_by", "approved_by", "account", "appeal__account").order_by(
            "-created_at", "-id"
        )
        return Response(serializers.PublicationSerializer(rows, many=True).data)

    @extend_schema(
        summary=_("The appeal's history, oldest first"), responses=serializers.AppealEventSerializer(many=True)
    )
    @action(**SUBLIST)
    def history(self, request, pk=None):
        appeal = self.get_object()
        events = access.related_for(request.user, AppealEvent.objects.filter(appeal=appeal))
        return Response(serializers.AppealEventSerializer(events, many=True).data)

    @extend_schema(
        summary=_("The appeal's conversation, oldest first"), responses=serializers.AppealMessageSerializer(many=True)
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
