"""Helpers of the API tests: a client per persona (token authentication) and a small world."""

from knox.models import AuthToken
from rest_framework.test import APIClient

from appeals import services

from ..factories import AppealFactory, UserFactory


def token_for(user) -> str:
    """A new API token of the user (stored hashed; the token itself exists only here)."""
    _instance, token = AuthToken.objects.create(user)
    return token


def api_client(user=None) -> APIClient:
    """A client that authenticates with an API token of the user (anonymous when ``user`` is None)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def make_world(operator, head_a, specialist_a, head_b, specialist_b) -> dict:
    """Appeals of ministry A (one assigned to the specialist, one not), of B, and one unrouted;
    the logins of every persona, a staff login with no role and an anonymous visitor."""
    return {
        "a_mine": services.assign(AppealFactory(text="A: протекает крыша"), official=specialist_a),
        "a_other": services.assign(AppealFactory(text="A: нет воды"), ministry=specialist_a.ministry),
        "b": services.assign(AppealFactory(text="B: яма на дороге"), official=specialist_b),
        "unrouted": AppealFactory(text="Без ведомства"),
        "users": {
            "operator": operator,
            "head_a": head_a.user,
            "specialist_a": specialist_a.user,
            "head_b": head_b.user,
            "nobody": UserFactory(username="nobody", is_staff=True),
            "anonymous": None,
        },
    }


def ids(world: dict, names) -> set[int]:
    return {world[name].pk for name in names}
