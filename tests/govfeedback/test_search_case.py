"""Searches ignore the case of Cyrillic letters on SQLite as on PostgreSQL (govfeedback.sqlite)."""

import pytest
from django.db import connection
from django.urls import reverse

from appeals.models import Appeal
from govfeedback.sqlite import like

from ..api import api_client
from ..factories import AppealFactory


@pytest.fixture
def appeals(db):
    return {
        "city": AppealFactory(text="В Черногорске на Юбилейной не вывозят мусор", author_name="Анна Кызласова"),
        "road": AppealFactory(text="ЯМА НА ДОРОГЕ В АБАКАНЕ", author_name="Олег Тодышев"),
        "tree": AppealFactory(text="Ёлку на площади так и не убрали", author_name="Ольга Чебодаева"),
    }


def test_it_finds_cyrillic_text_whatever_its_case_in_the_admin(operator_client, appeals):
    def found(query):
        response = operator_client.get(reverse("admin:appeals_appeal_changelist"), {"q": query})
        return {appeal.pk for appeal in response.context["cl"].result_list}

    assert found("черногорск") == {appeals["city"].pk}
    assert found("ЧЕРНОГОРСК") == {appeals["city"].pk}
    assert found("яма на дороге") == {appeals["road"].pk}
    assert found("ёлку") == {appeals["tree"].pk}
    assert found("кызласова") == {appeals["city"].pk}


def test_it_finds_cyrillic_text_whatever_its_case_in_the_api(operator, appeals):
    api = api_client(operator)

    def found(query):
        response = api.get("/api/v1/appeals/", {"q": query})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert found("черногорск") == {appeals["city"].pk}
    assert found("абакане") == {appeals["road"].pk}
    assert found("тодышев") == {appeals["road"].pk}


def test_it_keeps_like_patterns_and_the_other_lookups_working(appeals):
    assert Appeal.objects.filter(text__iexact="яма на дороге в абакане").get() == appeals["road"]
    assert Appeal.objects.filter(author_name__istartswith="ОЛЬГА").get() == appeals["tree"]
    assert Appeal.objects.filter(text__iendswith="убрали").get() == appeals["tree"]
    assert not Appeal.objects.filter(text__icontains="100%").exists()  # "%" is a character, not a wildcard
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT lower('ЧЕРНОГОРСК'), upper('ёлка')")
            assert cursor.fetchone() == ("черногорск", "ЁЛКА")


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        ("%черн_горск%", "В ЧЕРНОГОРСКЕ", True),
        ("черногорск", "Черногорск", True),
        ("черногорск", "Черногорска", False),
        ("%a\\%b%", "xa%by", True),
        ("%a\\%b%", "xaZby", False),
        ("%ab%ba%", "abXba", True),
        ("%ab%ba%", "aba", False),
        ("a%", "b", False),
        ("%", "", True),
        ("_", "", False),
        (None, "x", None),
    ],
)
def test_its_like_follows_sql(pattern, text, expected):
    assert like(pattern, text, "\\") is expected
