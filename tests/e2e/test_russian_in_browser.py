"""What the admin's scripts write, in Russian, as a person sees it in Chromium: the selection counter
of a list (actions.js), the "add another" row of an inline (inlines.js), the messages after a save
with the model's name in its case and gender, and the icon of the tab.

Screenshots are saved to .run/screenshots/russian-<page>.png for a reviewer.
"""

from pathlib import Path

import pytest

from appeals.models import RoutingRule

from .conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_groups")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"russian-{name}.png"), full_page=True)


def test_the_scripts_and_messages_of_the_admin_speak_russian(open_page, page_errors, operator, ministry_a, topics):
    for code in ("ecology", "roads_transport"):
        RoutingRule.objects.create(name=f"{topics[code].name} → {ministry_a}", topic=topics[code], ministry=ministry_a)
    page = open_page("operator")
    log_in(page, "operator")

    # The list of routing rules: its count, the counter of the selection as the script rewrites it.
    page.goto("/admin/appeals/routingrule/")
    assert page.locator("h1").inner_text() == "Выберите правило распределения для изменения"
    assert "2 правила распределения" in page.locator(".paginator").inner_text()
    assert page.locator(".action-counter").inner_text() == "Выбрано 0 из 2"
    page.locator("input.action-select").first.check()
    assert page.locator(".action-counter").inner_text() == "Выбран 1 из 2"
    shoot(page, "selection")

    # A topic saved: the name in the nominative, the verb in the feminine.
    page.goto(f"/admin/appeals/topic/{topics['ecology'].pk}/change/")
    assert page.locator("h1").inner_text() == "Изменить тематику"
    page.locator("input[name=_save]").click()
    assert page.locator(".messagelist").inner_text() == "Тематика «Экология» сохранена."
    shoot(page, "saved")

    # A ministry's page: its officials' inline offers another official in the accusative.
    page.goto(f"/admin/ministries/ministry/{ministry_a.pk}/change/")
    assert page.locator(".add-row a").inner_text() == "Добавить ещё должностное лицо"
    shoot(page, "inline")

    # The tab's icon is there (a missing static file would be in page_errors).
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).ok
    assert page_errors == []
