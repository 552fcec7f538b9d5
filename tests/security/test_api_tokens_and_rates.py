"""API tokens are stored hashed and issued once by a command; each token has a rate limit."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from appeals.api.authentication import TokenRateThrottle

from ..api import token_for
from ..factories import UserFactory


def issue(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


@pytest.mark.django_db
class TestTokens:
    def test_the_database_holds_only_a_digest(self, operator):
        token = token_for(operator)
        stored = AuthToken.objects.get(user=operator)
        assert token not in (stored.digest, stored.token_key) and len(stored.digest) == 128
        assert not AuthToken.objects.filter(digest__contains=token).exists()

    def test_the_command_prints_a_working_token_once(self, operator):
        token, note = issue("operator", "--days", "30")
        assert "shown once" in note and token not in note
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/topics/").status_code == 200
        expiry = AuthToken.objects.get(user=operator).expiry
        assert 29 <= (expiry - AuthToken.objects.get(user=operator).created).days <= 30

    def test_revoke_replaces_the_logins_tokens(self, operator):
        old, _note = issue("operator")
        new, note = issue("operator", "--revoke")
        assert "Revoked 1 token(s)" in note
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
        assert client.get("/api/v1/topics/").status_code == 401
        client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
        assert client.get("/api/v1/topics/").status_code == 200

    def test_an_unknown_or_deactivated_login_gets_no_token(self, operator):
        with pytest.raises(CommandError, match="No login 'ghost'"):
            issue("ghost")
        operator.is_active = False
        operator.save()
        with pytest.raises(CommandError, match="deactivated"):
            issue("operator")
        assert not AuthToken.objects.exists()

    def test_an_expired_token_is_refused_and_deleted(self, operator):
        _instance, token = AuthToken.objects.create(operator, expiry=timedelta(seconds=-1))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/topics/").status_code == 401
        assert not AuthToken.objects.exists()


@pytest.mark.django_db
class TestRates:
    @pytest.fixture
    def rate(self, monkeypatch):
        # DRF reads the rates when the class is defined; GOVFEEDBACK_API_RATE sets them in production.
        monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "5/min"})

    def test_a_token_past_its_rate_gets_429_and_another_token_does_not(self, operator, head_a, rate):
        first, second = APIClient(), APIClient()
        first.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
        second.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
        statuses = [first.get("/api/v1/topics/").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        refused = first.get("/api/v1/topics/")
        assert int(refused["Retry-After"]) > 0
        assert second.get("/api/v1/topics/").status_code == 200

    def test_an_admin_session_is_limited_per_login(self, operator, rate):
        client = APIClient()
        client.force_login(operator)
        assert [client.get("/api/v1/topics/").status_code for _ in range(6)][-1] == 429


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/knox/authtoken/", "/admin/axes/accessattempt/"])
def test_tokens_and_login_attempts_are_for_superusers_only(operator, url):
    client = Client()
    client.force_login(operator)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
