"""Logging in to the API (a token or the admin's session), and its schema and documentation."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from ..factories import AppealFactory
from . import token_for


@pytest.mark.django_db
class TestAuthentication:
    def test_a_token_opens_the_api(self, operator):
        appeal = AppealFactory()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
        response = client.get("/api/v1/appeals/")
        assert response.status_code == 200 and response.json()["results"][0]["id"] == appeal.pk

    def test_a_wrong_token_is_401(self, operator):
        token_for(operator)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-the-key")
        assert client.get("/api/v1/appeals/").status_code == 401

    def test_a_token_of_a_deactivated_login_is_401(self, operator):
        token = token_for(operator)
        operator.is_active = False
        operator.save()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/appeals/").status_code == 401

    def test_the_admin_session_opens_the_api(self, operator_client):
        AppealFactory()
        assert operator_client.get("/api/v1/appeals/").status_code == 200

    def test_a_session_must_send_the_csrf_token_to_change_anything(self, operator):
        appeal = AppealFactory()
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(operator)
        response = client.post(f"/api/v1/appeals/{appeal.pk}/comment/", {"note": "Без CSRF"})
        assert response.status_code == 403 and not appeal.events.exists()

    @pytest.mark.parametrize(
        "url",
        ["/api/v1/appeals/", "/api/v1/topics/", "/api/v1/ministries/", "/api/v1/stats/", "/api/schema/", "/api/docs/"],
    )
    def test_anonymous_requests_are_401(self, url):
        response = APIClient().get(url)
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
class TestSchemaAndDocs:
    def test_the_schema_describes_every_endpoint(self, operator_client):
        response = operator_client.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        paths = set(schema["paths"])
        for step in ["assign", "start", "ask", "reply", "extend", "resolve", "reject", "reopen", "comment"]:
            assert f"/api/v1/appeals/{{id}}/{step}/" in paths
            assert "post" in schema["paths"][f"/api/v1/appeals/{{id}}/{step}/"]
        assert {"/api/v1/appeals/", "/api/v1/stats/", "/api/v1/accounts/", "/api/v1/appeals/{id}/history/"} <= paths
        # The step inputs are documented, and the secrets are never a response field.
        assert schema["paths"]["/api/v1/appeals/{id}/extend/"]["post"]["requestBody"]
        assert "webhook_secret" not in schema["components"]["schemas"]["SocialAccount"]["properties"]

    def test_the_schema_generates_without_warnings(self, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    def test_the_docs_page_uses_the_bundled_assets_not_a_cdn(self, operator_client):
        response = operator_client.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
        assert not re.search(r"https?://", html), "the docs page loads something from another host"
        for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
            assert finders.find(asset), asset
