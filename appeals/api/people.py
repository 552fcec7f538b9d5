"""Ministries, officials and social accounts: read within one's scope, changed by operators only.

No deletes: ministries and officials are referenced by the appeals' history (``PROTECT``).
"""

from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from ministries import roles
from ministries.models import Ministry, Official, SocialAccount

from .. import access
from . import people_serializers as serializers
from .pagination import SmallTablePagination
from .permissions import OperatorsOnly, OperatorWrites


class ReadAndWrite(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    pagination_class = SmallTablePagination


class MinistryViewSet(ReadAndWrite):
    serializer_class = serializers.MinistrySerializer
    permission_classes = [IsAuthenticated, OperatorWrites]
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return access.ministries_for(self.request.user, Ministry.objects.all())


class OfficialViewSet(ReadAndWrite):
    serializer_class = serializers.OfficialSerializer
    permission_classes = [IsAuthenticated, OperatorWrites]
    filterset_fields = ["ministry", "role", "is_active"]

    def get_queryset(self):
        return access.officials_for(self.request.user, Official.objects.all())

    def perform_create(self, serializer):
        roles.give_access(serializer.save())

    def perform_update(self, serializer):
        # A changed role moves a linked login to its group, as in the admin.
        roles.give_access(serializer.save())


class SocialAccountViewSet(ReadAndWrite):
    serializer_class = serializers.SocialAccountSerializer
    permission_classes = [IsAuthenticated, OperatorsOnly]
    filterset_fields = ["platform", "kind", "ministry", "is_active"]

    def get_queryset(self):
        # Accounts hold webhook secrets: the press service's business only.
        queryset = SocialAccount.objects.all()
        return queryset if access.scope_for(self.request.user).is_operator else queryset.none()
