"""An operator routes the overdue appeals to a ministry; its head works that queue — in Chromium.

Everything goes through the pages a person uses: the login form, the list's filter, the bulk
action and its form, the appeal page's next steps. The test checks what is on the screen (in
Russian) and what is in the database afterwards.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal, AppealEvent

from ..factories import AppealFactory
from .conftest import log_in

# Transactional: the live server's thread must see the rows the test creates. The groups first.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_groups")]

LIST = "/admin/appeals/appeal/"

OVERDUE_TEXTS = [
    "Во дворе по ул. Ленина, 45 третий день нет горячей воды",
    "На ул. Пушкина в Черногорске прорвало трубу, вода течёт по дороге",
    "В Абакане не вывозят мусор с площадки на ул. Щетинкина уже неделю",
]
ON_TIME_TEXT = "Прошу отремонтировать детскую площадку у дома 7 по ул. Вяткина"
OTHER_MINISTRY_TEXT = "Автобус №14 не ходит по расписанию в Усть-Абакане"


@pytest.fixture
def appeals(ministry_a, ministry_b, head_b):
    """Three overdue new appeals, one that is not overdue yet, and one of another ministry."""
    now = timezone.now()
    overdue = [
        AppealFactory(text=text, due_at=now - timedelta(hours=hours), received_at=now - timedelta(hours=hours + 24))
        for text, hours in zip(OVERDUE_TEXTS, [2, 5, 9], strict=True)
    ]
    on_time = AppealFactory(text=ON_TIME_TEXT, due_at=now + timedelta(hours=20))
    other = AppealFactory(
        text=OTHER_MINISTRY_TEXT,
        ministry=ministry_b,
        status=Appeal.Status.ASSIGNED,
        due_at=now - timedelta(hours=1),
    )
    return {"overdue": overdue, "on_time": on_time, "other": other}


def rows(page):
    return page.locator("#result_list tbody tr")


def listed_numbers(page) -> set[int]:
    return {int(text) for text in page.locator("#result_list tbody tr th").all_inner_texts()}


def counters(page) -> str:
    """The counters above the list as one line: "3 открыто 3 без исполнителя 0 срок сегодня ..."."""
    return " ".join(page.locator(".gf-counters").inner_text().split())


def message(page) -> str:
    return page.locator("ul.messagelist").inner_text()


def test_an_operator_routes_the_overdue_appeals_and_the_head_works_the_queue(
    open_page, page_errors, operator, head_a, ministry_a, appeals
):
    overdue = appeals["overdue"]

    # --- the press-service operator -----------------------------------------------------------
    page = open_page("operator")
    log_in(page, "operator")
    page.wait_for_url(f"**{LIST}?queue=triage")  # an operator starts from the new, unrouted appeals
    assert rows(page).count() == 4
    page.goto(LIST)
    assert rows(page).count() == 5

    page.locator("#changelist-filter").get_by_role("link", name="просрочено", exact=True).click()
    page.wait_for_url("**?deadline=overdue")
    # The other ministry's overdue appeal is in the press service's list too; the batch is the new ones.
    assert listed_numbers(page) == {a.pk for a in overdue} | {appeals["other"].pk}
    assert ON_TIME_TEXT not in page.locator("#result_list").inner_text()

    for appeal in overdue:
        page.locator(f'#result_list input.action-select[value="{appeal.pk}"]').check()
    page.locator("select[name=action]").select_option(label="Передать в ведомство")
    page.get_by_role("button", name="Выполнить").click()

    page.get_by_text("Выбрано 3 обращения.").wait_for()
    page.get_by_label("Ведомство").select_option(label="Минстрой")
    page.get_by_role("button", name="Назначить").click()
    page.wait_for_url("**?deadline=overdue")
    assert "3 обращения изменено" in message(page)

    assigned = Appeal.objects.filter(ministry=ministry_a, status=Appeal.Status.ASSIGNED)
    assert set(assigned.values_list("pk", flat=True)) == {a.pk for a in overdue}
    assert AppealEvent.objects.filter(kind=AppealEvent.Kind.ASSIGNED, actor=operator).count() == 3
    assert Appeal.objects.get(pk=appeals["on_time"].pk).ministry is None

    # --- the head of that ministry ------------------------------------------------------------
    page = open_page("head_a")
    log_in(page, "head_a")
    page.wait_for_url("**?queue=open")  # a head starts from the ministry's open queue
    assert listed_numbers(page) == {a.pk for a in overdue}
    listed = page.locator("#result_list").inner_text()
    assert OTHER_MINISTRY_TEXT[:40] not in listed and ON_TIME_TEXT[:40] not in listed
    assert counters(page) == "3 открыто 3 без исполнителя 0 срок сегодня 3 просрочено 0 срок продлён"
    assert page.get_by_text("3 обращения", exact=True).is_visible()  # the paginator's count

    # Another ministry's appeal does not exist for this head.
    response = page.goto(f"{LIST}{appeals['other'].pk}/change/")
    assert response.status == 404
    assert OTHER_MINISTRY_TEXT not in page.content()

    # Extend the first one's deadline, with a reason.
    first, second, third = overdue
    new_deadline = timezone.localtime() + timedelta(days=3)
    reason = "Нужна экспертиза трубопровода подрядчиком"
    page.goto(f"{LIST}?queue=open")
    page.get_by_role("link", name=str(first.pk), exact=True).click()
    page.get_by_role("link", name="Продлить срок").click()
    page.locator("#id_due_at_0").fill(new_deadline.strftime("%d.%m.%Y"))
    page.locator("#id_due_at_1").fill(new_deadline.strftime("%H:%M"))
    page.get_by_label("Причина продления").fill(reason)
    page.get_by_role("button", name="Продлить").click()
    page.wait_for_url(f"**{LIST}{first.pk}/change/")
    assert f"Обращение №{first.pk}: готово." in message(page)
    assert reason in page.locator("fieldset").all_inner_texts()[2]  # "Status and deadlines"
    assert new_deadline.strftime("%d.%m.%y %H:%M") in page.content()

    # Resolve the second one with the answer to the citizen.
    answer = "Аварийная бригада заменила участок трубы, горячая вода подана."
    page.goto(f"{LIST}?queue=open")
    page.get_by_role("link", name=str(second.pk), exact=True).click()
    page.get_by_role("link", name="Решить: ответ заявителю").click()
    page.get_by_label("Ответ:", exact=True).fill(answer)
    page.get_by_role("button", name="Решить").click()
    page.wait_for_url(f"**{LIST}{second.pk}/change/")
    assert f"Обращение №{second.pk}: готово." in message(page)
    assert "решено" in page.locator(".field-status").inner_text()

    # The queue now: two open, one of them still overdue, one extended.
    page.goto(LIST)
    page.wait_for_url("**?queue=open")
    assert listed_numbers(page) == {first.pk, third.pk}
    assert counters(page) == "2 открыто 2 без исполнителя 0 срок сегодня 1 просрочено 1 срок продлён"

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert first.extension_reason == reason
    assert abs(first.due_at - new_deadline.replace(second=0, microsecond=0)) < timedelta(seconds=1)
    assert first.status == Appeal.Status.ASSIGNED and not first.is_overdue(timezone.now())
    assert (second.status, second.answer) == (Appeal.Status.RESOLVED, answer)
    assert third.status == Appeal.Status.ASSIGNED and third.is_overdue(timezone.now())
    head_events = AppealEvent.objects.filter(actor=head_a.user).order_by("id")
    assert [(e.appeal_id, e.kind) for e in head_events] == [
        (first.pk, AppealEvent.Kind.EXTENDED),
        (second.pk, AppealEvent.Kind.RESOLVED),
    ]
    assert Appeal.objects.get(pk=appeals["other"].pk).status == Appeal.Status.ASSIGNED
    assert page_errors == []  # every script ran and every style sheet and script loaded


def test_a_head_hands_an_appeal_to_a_specialist_who_finds_it_in_their_own_queue(
    open_page, page_errors, head_a, specialist_a, specialist_b, ministry_a
):
    appeal = AppealFactory(text=OVERDUE_TEXTS[0], ministry=ministry_a, status=Appeal.Status.ASSIGNED)
    AppealFactory(text=OVERDUE_TEXTS[1], ministry=ministry_a, status=Appeal.Status.ASSIGNED)

    page = open_page("head_a")
    log_in(page, "head_a")
    page.goto(f"{LIST}{appeal.pk}/change/")
    # The assignee is an autocomplete (select2 over the admin's JSON view): only this ministry's people.
    page.locator(".field-assignee .select2-selection").click()
    search = page.locator(".select2-search__field")
    search.fill("Сагалаков")
    page.locator(".select2-results__option", has_text="Совпадений не найдено").wait_for()
    search.fill("Иванова")
    page.locator(".select2-results__option", has_text="Иванова Мария").click()
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.wait_for_url(f"**{LIST}?queue=open")
    assert f"Обращение №{appeal.pk} сохранено." in message(page)
    appeal.refresh_from_db()
    assert appeal.assignee == specialist_a
    assert appeal.events.get(kind=AppealEvent.Kind.ASSIGNED).actor == head_a.user

    page = open_page("spec_a")
    log_in(page, "spec_a")
    page.wait_for_url("**?queue=mine")  # a specialist starts from what is assigned to them
    assert listed_numbers(page) == {appeal.pk}
    page.get_by_role("link", name=str(appeal.pk), exact=True).click()
    steps = page.locator(".gf-steps").inner_text()
    assert "Решить: ответ заявителю" in steps and "Продлить срок" not in steps  # extending is the head's
    assert page_errors == []
