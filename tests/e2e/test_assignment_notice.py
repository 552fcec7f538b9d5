"""A head hands an appeal to a specialist; the specialist sees the bell's count, opens the notice and
lands on the appeal — in Chromium. And the dashboard drawn, for a reviewer to look at.

Screenshots of the bell and of the dashboard are saved under .run/screenshots/.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, Topic
from notifications.models import Notification

from ..factories import AccountFactory, AppealFactory
from .conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_groups")]

SHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"
TEXT = "Во дворе по ул. Ленина, 45 третий день нет горячей воды"


def test_the_specialist_sees_the_notice_of_an_appeal_the_head_assigned(
    open_page, page_errors, head_a, specialist_a, ministry_a
):
    appeal = AppealFactory(text=TEXT, ministry=ministry_a, status=Appeal.Status.ASSIGNED)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = open_page("head_a")
    log_in(page, "head_a")
    page.goto(f"/admin/appeals/appeal/{appeal.pk}/change/")
    page.locator(".field-assignee .select2-selection").click()
    page.locator(".select2-search__field").fill("Иванова")
    page.locator(".select2-results__option", has_text="Иванова Мария").click()
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.wait_for_url("**/admin/appeals/appeal/?**")
    assert page.locator("#gf-bell .gf-bell-count").count() == 0  # the head who did it is told nothing

    page = open_page("spec_a")
    log_in(page, "spec_a")
    bell = page.locator("#gf-bell")
    assert bell.locator(".gf-bell-count").inner_text() == "1"
    bell.locator("summary").click()
    notice = bell.locator("a.gf-notice-unread")
    assert notice.count() == 1
    assert f"Обращение №{appeal.pk} передано вам" in notice.inner_text()
    assert "третий день нет горячей воды" in notice.inner_text()
    assert "1 непрочитанное уведомление" in bell.locator(".gf-bell-menu").inner_text()
    page.screenshot(path=str(SHOTS / "bell-specialist.png"))
    notice.click()
    page.wait_for_url(f"**/admin/appeals/appeal/{appeal.pk}/change/")
    assert TEXT in page.locator("#content").inner_text()
    assert page.locator("#gf-bell .gf-bell-count").count() == 0  # read
    assert Notification.objects.get(channel="admin").read_at is not None
    page.goto("/admin/notifications/inbox/")
    assert f"Обращение №{appeal.pk} передано вам" in page.locator(".gf-inbox").inner_text()
    page.screenshot(path=str(SHOTS / "notices-specialist.png"))
    page.get_by_role("link", name="Мои настройки уведомлений").click()
    page.get_by_label("раз в день, в утренней сводке").check()
    page.get_by_role("button", name="Сохранить").click()
    assert "Настройки уведомлений сохранены" in page.locator("ul.messagelist").inner_text()
    page.screenshot(path=str(SHOTS / "notification-settings-specialist.png"))
    specialist_a.refresh_from_db()
    assert specialist_a.assignment_notices == "digest"
    assert page_errors == []


def test_the_dashboard_draws_its_charts(open_page, page_errors, operator, ministry_a):
    now = timezone.now()
    names = {
        "housing_utilities_landscaping": "ЖКХ и благоустройство",
        "waste_reform": "Мусорная реформа",
        "roads_transport": "Дороги и транспорт",
        "ecology": "Экология",
    }
    # A transactional test starts from an empty database: the topics as the migration makes them.
    topics = {code: Topic.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in names.items()}
    ok = AccountFactory(platform="ok", title="Глава Республики в Одноклассниках")
    for n, (code, hours) in enumerate(
        [("housing_utilities_landscaping", 2), ("roads_transport", 30), ("ecology", 50), ("waste_reform", 75)] * 3
    ):
        appeal = AppealFactory(
            topic=topics[code],
            received_at=now - timedelta(hours=hours + n),
            account=ok if n % 3 == 0 else AccountFactory(),
        )
        services.assign(appeal, ministry=ministry_a, actor=operator, now=appeal.received_at)
    operator.set_password("correct horse battery staple")
    operator.save()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page("operator")
    log_in(page, "operator")
    page.goto("/admin/analytics/dashboard/?period=week&fresh=1")
    page.locator("#chart-timeline").wait_for()
    # Each chart is drawn by Chart.js, with the labels of its bars (the page's own plugin).
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('canvas[id^="chart-"]')].map((canvas) => {
            const chart = Chart.getChart(canvas);
            return [canvas.id, chart.config.type, chart.config.plugins.map((p) => p.id)];
        })"""
    )
    assert {name for name, _type, _plugins in drawn} >= {"chart-topics", "chart-timeline", "chart-platforms"}
    assert all(plugins == ["gfValueLabels"] and kind == "bar" for _name, kind, plugins in drawn)
    text = page.locator("#content").inner_text()
    assert "неполный день" in text and "Сейчас (" in text
    page.screenshot(path=str(SHOTS / "dashboard-operator.png"), full_page=True)
    page.goto(f"/admin/analytics/dashboard/?period=week&ministry__id__exact={ministry_a.pk}")
    assert "Ведомство: " in page.locator(".gf-selection").inner_text()
    page.screenshot(path=str(SHOTS / "dashboard-filtered.png"))
    assert page_errors == []
