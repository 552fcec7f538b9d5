"""Login throttling (django-axes): the admin's login form and wrong API tokens."""

import pytest
from django.test import Client

from audit import lockout

from ..api import token_for
from ..factories import UserFactory

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
class TestAdminLogin:
    def test_the_right_password_logs_in(self, operator, limits):
        response = login(Client(), "operator", "correct horse battery staple")
        assert response.status_code == 302 and response["Location"] == "/admin/"

    def test_after_the_limit_even_the_right_password_is_refused_in_russian(self, operator, limits):
        client = Client()
        for _ in range(2):
            assert login(client, "operator", "wrong").status_code == 200  # the form again, with an error
        locked = login(client, "operator", "wrong")
        assert locked.status_code == 429
        # In the interface's language, through gettext.
        assert lockout.message() in locked.content.decode()
        assert "Слишком много неудачных попыток входа" in locked.content.decode()
        again = login(client, "operator", "correct horse battery staple")
        assert again.status_code == 429 and "_auth_user_id" not in client.session
        assert int(again["Retry-After"]) > 0

    def test_the_lockout_is_per_login_and_address(self, operator, limits):
        UserFactory(username="colleague", is_staff=True)
        for _ in range(3):
            login(Client(), "operator", "wrong")
        assert login(Client(), "colleague", "correct horse battery staple").status_code == 302
        other_address = Client(REMOTE_ADDR="10.0.0.7")
        assert login(other_address, "operator", "correct horse battery staple").status_code == 302

    def test_a_success_resets_the_count(self, operator, limits):
        client = Client()
        login(client, "operator", "wrong")
        login(client, "operator", "wrong")
        assert login(client, "operator", "correct horse battery staple").status_code == 302
        login(Client(), "operator", "wrong")
        assert login(Client(), "operator", "correct horse battery staple").status_code == 302


@pytest.mark.django_db
class TestApiTokens:
    def test_an_address_guessing_tokens_is_locked_out(self, operator, limits):
        client = Client()
        statuses = [
            client.get("/api/v1/appeals/", headers={"Authorization": f"Token guess{n}"}).status_code for n in range(4)
        ]
        assert statuses == [401, 401, 429, 429]
        detail = client.get("/api/v1/appeals/", headers={"Authorization": "Token guess9"}).json()["detail"]
        assert detail == lockout.message()

    def test_a_right_token_still_works_from_that_address(self, operator, limits):
        client = Client()
        for n in range(4):
            client.get("/api/v1/appeals/", headers={"Authorization": f"Token guess{n}"})
        response = client.get("/api/v1/appeals/", headers={"Authorization": f"Token {token_for(operator)}"})
        assert response.status_code == 200
