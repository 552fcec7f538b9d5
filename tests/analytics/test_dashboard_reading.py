"""The dashboard read as a person reads it: each topic in its own colour on every chart, platforms by
their Russian names, a partial last step marked, the filter said in words, the period's figures
apart from the present state."""

import json
import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ..factories import AccountFactory, AppealFactory
from .conftest import NOW, at

URL = reverse("admin:analytics_dashboard")
FORTNIGHT = {"period": "custom", "from": "2026-11-09", "to": "2026-11-15"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page_of(user, params) -> tuple[str, dict]:
    """The page's text and its charts (the figures the page draws), by table."""
    client = Client()
    client.force_login(user)
    html = client.get(URL, params).content.decode()
    found = re.search(r'<script id="gf-charts" type="application/json">(.*?)</script>', html, re.S)
    return html, {chart["key"]: chart for chart in json.loads(found.group(1))}


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.django_db
def test_a_topic_has_one_colour_on_every_chart(fortnight, operator):
    _html, charts = page_of(operator, FORTNIGHT)
    topics = dict(zip(charts["topics"]["labels"], charts["topics"]["colors"], strict=True))
    timeline = {series["label"]: series["color"] for series in charts["timeline"]["series"]}
    assert set(topics) == {"ЖКХ и благоустройство", "Дороги и транспорт", "не задана"}
    assert topics == timeline
    assert len(set(topics.values())) == 3
    # ... and the same colour whatever the selection: one topic alone keeps its colour.
    roads = charts["topics"]["colors"][charts["topics"]["labels"].index("Дороги и транспорт")]
    _html, alone = page_of(operator, {**FORTNIGHT, "topic__id__exact": fortnight["b1"].topic_id})
    assert alone["topics"]["labels"] == ["Дороги и транспорт"] and alone["topics"]["colors"] == [roads]


@pytest.mark.django_db
def test_the_platforms_have_a_chart_with_russian_names(fortnight, operator):
    AppealFactory(received_at=at(13, 10), account=AccountFactory(platform="ok"))
    AppealFactory(received_at=at(13, 11), account=AccountFactory(platform="ok"))
    html, charts = page_of(operator, FORTNIGHT)
    assert charts["platforms"]["labels"] == ["ВКонтакте", "Одноклассники"]
    assert charts["platforms"]["values"] == [5, 2]
    assert 'id="chart-platforms"' in html
    # Bars are labelled with their figures by the page's script, for every horizontal bar chart.
    assert all(chart["type"] in ("bar", "stacked") for chart in charts.values())


@pytest.mark.django_db
def test_the_last_step_of_a_period_that_has_not_ended_is_marked_partial(fortnight, operator):
    AppealFactory(received_at=at(17, 10))
    AppealFactory(received_at=at(20, 10))
    html, charts = page_of(operator, {"period": "week"})  # 14–20 Nov; it is 20 Nov, noon
    timeline = charts["timeline"]
    assert timeline["labels"] == ["17.11.2026", "20.11.2026*"] and timeline["partial"] == [False, True]
    assert "* неполный день: данные на текущий момент" in text_of(html)
    # A period that is over has no partial step.
    html, charts = page_of(operator, FORTNIGHT)
    assert not any(charts["timeline"]["partial"]) and "неполный" not in html


@pytest.mark.django_db
def test_a_filtered_dashboard_says_what_it_shows_in_words(fortnight, operator, ministry_a):
    params = {**FORTNIGHT, "ministry__id__exact": ministry_a.pk, "q": "Яма"}
    text = text_of(page_of(operator, params)[0])
    assert "Показатели — по обращениям, отобранным фильтром списка:" in text
    assert f"Ведомство: {ministry_a}" in text or f"Ведомство: {ministry_a.name}" in text
    assert "Поиск: «Яма»" in text
    assert "ministry__id__exact" not in text
    everything = text_of(page_of(operator, FORTNIGHT)[0])
    assert "Показатели — по всем обращениям, доступным вам." in everything


@pytest.mark.django_db
def test_the_periods_figures_stand_apart_from_now(fortnight, operator):
    html, _charts = page_of(operator, FORTNIGHT)
    period = text_of(re.search(r'id="gf-in-period">(.*?)</div>\s*</div>', html, re.S).group(1))
    now = text_of(re.search(r'id="gf-now">(.*?)</div>\s*</div>', html, re.S).group(1))
    assert period.startswith("За период")
    assert "5 поступило" in period and "2 решено" in period and "открыто" not in period
    assert now.startswith("Сейчас (") and "4 открыто" in now and "3 просрочено" in now
