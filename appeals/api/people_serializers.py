"""Ministries, officials and social accounts in the API.

A social account's webhook secret and confirmation code are write-only: no response ever
contains them.
"""

from django.utils.translation import gettext as _
from rest_framework import serializers

from ministries.models import Ministry, Official, SocialAccount


class MinistrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Ministry
        fields = ["id", "name", "short_name", "slug", "is_active", "head", "email"]

    def validate(self, attrs):
        head = attrs.get("head")
        if head is not None and (self.instance is None or head.ministry_id != self.instance.pk):
            raise serializers.ValidationError({"head": [_("The head must be an official of this ministry.")]})
        return attrs


class OfficialSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Official
        fields = [
            "id",
            "ministry",
            "full_name",
            "position",
            "role",
            "role_label",
            "email",
            "telegram_chat_id",
            "is_active",
            "has_login",
        ]

    def get_has_login(self, official: Official) -> bool:
        return official.user_id is not None


class SocialAccountSerializer(serializers.ModelSerializer):
    platform_label = serializers.CharField(source="get_platform_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.CharField(read_only=True)

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "platform",
            "platform_label",
            "kind",
            "kind_label",
            "external_id",
            "handle",
            "title",
            "url",
            "ministry",
            "official",
            "is_active",
            "webhook_secret",
            "confirmation_code",
        ]
        extra_kwargs = {
            "webhook_secret": {"write_only": True},
            "confirmation_code": {"write_only": True},
        }
