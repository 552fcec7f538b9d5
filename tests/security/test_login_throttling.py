"""Login throttling (django-axes): the admin's login form and wrong API tokens."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
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
        # An operator lands on the triage queue (tests/appeals/test_landing_and_counters.py).
        assert response.status_code == 302 and response["Location"] == "/admin/appeals/appeal/?queue=triage"

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


@pytest.mark.django_db
class TestPasswordSpraying:
    """One password tried on many logins from one address: no single login reaches its limit."""

    def test_an_address_that_failed_on_many_logins_is_refused(self, operator, settings):
        settings.AXES_ADDRESS_FAILURE_LIMIT = 6
        for n in range(6):
            UserFactory(username=f"clerk{n}", is_staff=True)
            assert login(Client(REMOTE_ADDR="10.9.9.9"), f"clerk{n}", "Winter2026!").status_code == 200
        refused = login(Client(REMOTE_ADDR="10.9.9.9"), "operator", "correct horse battery staple")
        assert refused.status_code == 429 and "Слишком много неудачных попыток входа" in refused.content.decode()
        assert login(Client(REMOTE_ADDR="10.1.1.1"), "operator", "correct horse battery staple").status_code == 302

    def test_a_few_mistakes_in_an_office_lock_nobody_else_out(self, operator, settings):
        settings.AXES_ADDRESS_FAILURE_LIMIT = 6
        for n in range(5):
            UserFactory(username=f"clerk{n}", is_staff=True)
            login(Client(), f"clerk{n}", "typo")
        assert login(Client(), "operator", "correct horse battery staple").status_code == 302


@pytest.mark.django_db
class TestSessionLifetime:
    """A staff session ends after a working day without activity, not after Django's 14 days."""

    def test_a_session_ends_after_a_day_of_inactivity_and_lives_while_its_person_works(self, operator, settings):
        assert settings.SESSION_COOKIE_AGE == 10 * 3600
        start = datetime(2026, 11, 24, 8, 30, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))
        with time_machine.travel(start, tick=False) as clock:
            client = Client()
            assert login(client, "operator", "correct horse battery staple").status_code == 302
            for _ in range(3):  # a long day's work: every three hours a page
                clock.shift(timedelta(hours=3))
                assert client.get("/admin/").status_code == 200
            clock.shift(timedelta(hours=9, minutes=50))
            assert client.get("/admin/").status_code == 200  # 9 h 50 min after the last page: still in
            clock.shift(timedelta(hours=10, minutes=5))
            assert client.get("/admin/").status_code == 302  # a night without activity: logged out
