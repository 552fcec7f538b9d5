"""The daily work of each role, in Chromium at 1,366 × 768: the operator triages five appeals (each in
at most three clicks and one page load), the head assigns one and extends a deadline with the +3
working days shortcut, the specialist takes an appeal into work from the list without a page of its
own and sees their own counters. No list scrolls sideways.

Screenshots of each role's landing page, list and appeal page are saved to
.run/screenshots/<role>-<page>.png for a reviewer.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from appeals import services, sla
from appeals.models import Appeal, AppealEvent, RoutingRule

from ..factories import AppealFactory, OfficialFactory
from .conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_groups")]

LIST = "/admin/appeals/appeal/"
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"
SCREEN = {"width": 1366, "height": 768}

# What the operator decides for each new appeal: (text, topic code, ministry fixture).
TRIAGE = [
    ("В Абакане не вывозят мусор с контейнерной площадки на ул. Щетинкина уже неделю", "waste_reform", "a"),
    ("На трассе Абакан — Саяногорск огромная яма, пробил колесо, никто не ремонтирует", "roads_transport", "b"),
    ("В Черногорске третий день нет горячей воды в доме 14 по ул. Советской", "housing_utilities_landscaping", "a"),
    # The rules send ecology to ministry B; the operator knows better (the form says they disagree).
    ("Над Усть-Абаканом опять дым от свалки, дышать невозможно", "ecology", "a"),
    ("Подскажите, где получить справку о составе семьи", "other", "b"),
]


def shoot(page, role: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}.png"), full_page=True)


def no_sideways_scroll(page) -> bool:
    """Neither the page nor the list's own box scrolls sideways."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= innerWidth"
        " && [...document.querySelectorAll('#changelist .results')].every(e => e.scrollWidth <= e.clientWidth)"
    )


def counters(page) -> str:
    return " ".join(page.locator(".gf-counters").inner_text().split())


class Clicks:
    """Counts a person's clicks and the pages the browser loads."""

    def __init__(self, page):
        self.clicks = self.loads = 0
        page.on("load", self._loaded)

    def _loaded(self, _page):
        self.loads += 1

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def reset(self) -> None:
        self.clicks = self.loads = 0


@pytest.fixture
def world(operator, head_a, specialist_a, ministry_a, ministry_b, topics):
    for code, ministry in [
        ("waste_reform", ministry_a),
        ("housing_utilities_landscaping", ministry_a),
        ("roads_transport", ministry_b),
        ("ecology", ministry_b),
    ]:
        RoutingRule.objects.create(name=f"{topics[code].name} → {ministry}", topic=topics[code], ministry=ministry)
    now = timezone.now()
    new = [
        AppealFactory(text=text, author_name="Заявитель", due_at=now + timedelta(hours=4 + n))
        for n, (text, _code, _ministry) in enumerate(TRIAGE)
    ]
    # The head's queue: one without an assignee; the specialist's own work and a colleague's.
    colleague = OfficialFactory(ministry=ministry_a, full_name="Кокова Ирина")
    unassigned = services.assign(
        AppealFactory(text="Во дворе дома 3 по ул. Пушкина прорвало трубу", due_at=now + timedelta(hours=2)),
        ministry=ministry_a,
    )
    own = services.assign(
        AppealFactory(text="Не горят фонари на ул. Кирова, темно и опасно", due_at=now + timedelta(hours=30)),
        official=specialist_a,
    )
    own_overdue = services.assign(
        AppealFactory(text="Полгода не могут починить крышу, течёт в квартиру", due_at=now - timedelta(days=2)),
        official=specialist_a,
    )
    services.start_work(own_overdue)
    for hours in (-5, -3, 3):
        services.assign(
            AppealFactory(text="Яма во дворе дома 8 по ул. Ленина", due_at=now + timedelta(hours=hours)),
            official=colleague,
        )
    return {"new": new, "unassigned": unassigned, "own": own, "ministries": {"a": ministry_a, "b": ministry_b}}


def test_the_daily_work_of_each_role(open_page, page_errors, world, operator, head_a, specialist_a, topics):
    # --- the operator triages five appeals ----------------------------------------------------
    page = open_page("operator")
    page.set_viewport_size(SCREEN)
    log_in(page, "operator")
    page.wait_for_url(f"**{LIST}?queue=triage")
    assert counters(page).startswith("5 новые, не распределены")
    assert no_sideways_scroll(page)
    shoot(page, "operator", "landing")

    page.get_by_role("link", name="Распределять по одному").click()
    page.wait_for_url("**/triage/")
    counting = Clicks(page)
    per_appeal = []
    for appeal, (_text, code, ministry) in zip(world["new"], TRIAGE, strict=True):
        assert page.locator("h1").inner_text() == f"Распределение: обращение №{appeal.pk}"
        assert page.locator(".gf-topic-suggestion").count() == 1  # the classifier's opinion, marked
        counting.reset()
        topic = page.locator('.gf-choices[data-field="topic"] label', has_text=topics[code].name)
        if not topic.locator("input").is_checked():
            counting.click(topic)
        target = page.locator('.gf-choices[data-field="ministry"] label', has_text=str(world["ministries"][ministry]))
        if not target.locator("input").is_checked():
            counting.click(target)
        if code == "ecology":
            warning = page.locator(".gf-disagreement")
            assert warning.is_visible() and "такие обращения направляются в Минтранс" in warning.inner_text()
            shoot(page, "operator", "triage")
        counting.click(page.get_by_role("button", name="Сохранить и открыть следующее"))
        page.wait_for_load_state()
        page.locator("ul.messagelist").wait_for()
        assert f"Обращение №{appeal.pk} распределено." in page.locator("ul.messagelist").inner_text()
        per_appeal.append((counting.clicks, counting.loads))
        appeal.refresh_from_db()
        assert (appeal.topic.code, appeal.ministry) == (code, world["ministries"][ministry])
    print(f"triage: (clicks, page loads) per appeal: {per_appeal}")  # shown with pytest -s
    assert all(clicks <= 3 and loads == 1 for clicks, loads in per_appeal), per_appeal
    assert AppealEvent.objects.filter(actor=operator, kind=AppealEvent.Kind.ASSIGNED).count() == 5

    page.goto(f"{LIST}?queue=open")
    assert no_sideways_scroll(page)
    # By deadline: first the specialist's roof, two days overdue; the time left in words in the badges.
    badges = page.locator("#result_list .gf-deadline").all_inner_texts()
    assert badges[0] == "просрочено 2 дн." and "осталось 2 ч" in badges
    shoot(page, "operator", "list")
    page.goto(f"{LIST}{world['new'][3].pk}/change/")
    assert page.locator(".gf-disagreement").is_visible()
    shoot(page, "operator", "appeal")

    # --- the head assigns and extends with a shortcut -----------------------------------------
    page = open_page("head_a")
    page.set_viewport_size(SCREEN)
    log_in(page, "head_a")
    page.wait_for_url(f"**{LIST}?queue=open")
    assert page.locator("#result_list th.column-ministry").count() == 0  # always the head's own
    assert no_sideways_scroll(page)
    shoot(page, "head", "landing")

    unassigned = world["unassigned"]
    page.get_by_role("link", name="Распределять по одному").click()
    assert page.locator("h1").inner_text() == f"Распределение: обращение №{unassigned.pk}"
    page.locator('.gf-choices[data-field="assignee"] label', has_text="Иванова М.").click()
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.wait_for_url(f"**{LIST}{unassigned.pk}/change/")
    unassigned.refresh_from_db()
    assert unassigned.assignee == specialist_a

    before = unassigned.due_at
    page.get_by_role("link", name="Продлить срок").click()
    assert page.locator(".gf-step-deadline").inner_text().startswith("Текущий срок: остал")
    page.get_by_role("button", name="+3 рабочих дня").click()
    page.get_by_label("Причина продления").fill("Нужна экспертиза подрядчика")
    shoot(page, "head", "extend")
    page.get_by_role("button", name="Продлить").click()
    page.wait_for_url(f"**{LIST}{unassigned.pk}/change/")
    unassigned.refresh_from_db()
    expected = sla.add_working_days(max(before, timezone.now()), 3).replace(second=0, microsecond=0)
    assert abs(unassigned.due_at - expected) < timedelta(minutes=2)
    assert unassigned.extension_reason == "Нужна экспертиза подрядчика"
    shoot(page, "head", "appeal")
    page.goto(f"{LIST}?queue=open")
    shoot(page, "head", "list")

    # --- the specialist takes an appeal into work from the list -------------------------------
    page = open_page("spec_a")
    page.set_viewport_size(SCREEN)
    log_in(page, "spec_a")
    page.wait_for_url(f"**{LIST}?queue=mine")
    # Their own: the assigned one, the overdue one in work and the one the head just gave them,
    # not the colleague's three (two of them overdue).
    assert counters(page) == "3 мои открытые 0 срок сегодня 1 просрочено"
    assert no_sideways_scroll(page)
    shoot(page, "specialist", "landing")

    own = world["own"]
    counting = Clicks(page)
    row = page.locator("#result_list tbody tr", has_text=own.text[:30])
    counting.click(row.get_by_role("button", name="взять в работу"))
    page.wait_for_load_state()
    page.locator("ul.messagelist").wait_for()
    assert page.url.endswith(f"{LIST}?queue=mine")  # back on the same list: no page of its own
    assert (counting.clicks, counting.loads) == (1, 1)
    own.refresh_from_db()
    assert own.status == Appeal.Status.IN_PROGRESS
    page.locator(".gf-counters").get_by_role("link", name="просрочено").click()
    page.wait_for_url("**queue=mine&deadline=overdue")
    assert page.locator("#result_list tbody tr").count() == 1
    page.goto(f"{LIST}?queue=open")
    assert no_sideways_scroll(page)
    shoot(page, "specialist", "list")
    page.goto(f"{LIST}{own.pk}/change/")
    shoot(page, "specialist", "appeal")
    assert page_errors == []
