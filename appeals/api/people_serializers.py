"""Ministries, officials and social accounts in the API.

A social account's webhook secret, confirmation code and access token are write-only: no response
ever contains them (``has_access_token`` says whether the token is set).
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from ministries import tokens
from ministries.models import Ministry, Official, SocialAccount


class MinistrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Ministry
        fields = ["id", "name", "short_name", "slug", "is_active", "head", "email", "answer_approval"]

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
    has_access_token = serializers.SerializerMethodField()

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
            "answer_approval",
            "is_active",
            "webhook_secret",
            "confirmation_code",
            "access_token",
            "has_access_token",
        ]
        extra_kwargs = {
            "webhook_secret": {"write_only": True},
            "confirmation_code": {"write_only": True},
            # Encrypted at rest, never shown: written, and said whether it is set.
            "access_token": {"write_only": True, "style": {"input_type": "password"}},
        }

    def get_has_access_token(self, account: SocialAccount) -> bool:
        return bool(account.access_token)

    def validate_access_token(self, token: str) -> str:
        if token and not settings.GOVFEEDBACK_TOKEN_KEYS:
            raise serializers.ValidationError(
                _("Tokens cannot be stored: GOVFEEDBACK_TOKEN_KEYS is not set on the server (docs/publishing.md).")
            )
        platform = (self.initial_data or {}).get("platform") or getattr(self.instance, "platform", "")
        if problem := tokens.token_problem(str(platform), token):
            raise serializers.ValidationError(problem)
        return token
