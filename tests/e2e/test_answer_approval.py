"""A specialist answers a citizen on the Head's VK account from a template; the press service approves;
the answer appears under the citizen's comment (the fake VK of tests/publishing) and, with its link,
on the appeal's page — in Chromium.

The screenshots of the reply form and of the approvers' queue are saved to .run/screenshots/.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from appeals.models import AnswerTemplate, Appeal, Publication, Topic
from appeals.publishing.delivery import publish_pending
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory
from ..publishing.fakeplatforms import FakePlatforms
from .conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_groups")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"
TEXT = "Во дворе дома 12 по ул. Щетинкина третий день нет горячей воды, дети не могут помыться."


def log_in(page, username: str) -> None:
    """Through the admin's login form; the admin then opens the person's own queue."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(lambda url: "/admin/" in url and "/login/" not in url)


@pytest.fixture
def vk(settings):
    server = FakePlatforms()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture
def appeal(specialist_a):
    # Created here: a transactional test before this one may have flushed the migrations' topics.
    topic, _created = Topic.objects.get_or_create(
        code="housing_utilities_landscaping", defaults={"name": "ЖКХ и благоустройство"}
    )
    heads = AccountFactory(
        platform="vk",
        kind=SocialAccount.Kind.HEAD,
        external_id="170000001",
        title="Глава Республики Хакасия",
        access_token="vk-community-token",
        ministry=None,
    )
    AnswerTemplate.objects.create(
        title="Плановые работы на сетях",
        text=(
            "{имя}, здравствуйте! По обращению №{номер}: {ведомство} сообщает, что ремонт сетей горячего "
            "водоснабжения завершится {дата_работ}. Приносим извинения за неудобства."
        ),
        topic=topic,
    )
    return AppealFactory(
        account=heads,
        external_id="wall_reply-170000001_10_77",
        thread_id="wall-170000001_10",
        permalink="https://vk.com/wall-170000001_10?reply=77",
        author_name="Анна Кызласова",
        author_external_id="501",
        text=TEXT,
        topic=topic,
        ministry=specialist_a.ministry,
        assignee=specialist_a,
        status=Appeal.Status.IN_PROGRESS,
        received_at=timezone.now() - timedelta(hours=3),
    )


def test_a_specialist_drafts_from_a_template_the_press_service_approves_and_it_is_published(
    open_page, page_errors, vk, appeal, specialist_a, operator
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # --- the specialist: the reply form ----------------------------------------------------------
    page = open_page("specialist")
    log_in(page, "spec_a")
    page.goto(f"/admin/appeals/appeal/{appeal.pk}/change/")
    page.get_by_role("link", name="Решить: ответ заявителю").click()
    page.wait_for_selector("textarea.gf-answer-text[data-ready]")  # answer.js listens to the template picker
    assert "Он уйдёт после согласования: пресс-служба." in page.locator(".gf-answer-route").inner_text()
    page.get_by_label("Шаблон").select_option(label="Плановые работы на сетях")
    answer = page.locator("textarea.gf-answer-text")
    assert f"Анна Кызласова, здравствуйте! По обращению №{appeal.pk}" in answer.input_value()
    assert "{дата_работ}" in page.locator(".gf-unfilled").inner_text()  # not filled in yet
    page.get_by_label("Дата плановых работ").fill("05.12.2026")
    page.get_by_label("Дата плановых работ").dispatch_event("input")
    preview = page.locator(".gf-preview-text").inner_text()
    assert "завершится 05.12.2026." in preview and page.locator(".gf-unfilled").inner_text() == ""
    counter = page.locator(".gf-counter").inner_text()
    assert counter == f"{len(preview)} / 4096"
    page.screenshot(path=str(SCREENSHOTS / "reply-form.png"), full_page=True)
    page.get_by_role("button", name="Отправить на согласование").click()
    page.wait_for_url(f"**/admin/appeals/appeal/{appeal.pk}/change/")
    assert "Ожидает согласования" in page.locator(".gf-answer-panel").inner_text()

    publication = Publication.objects.get(appeal=appeal)
    assert publication.status == Publication.Status.AWAITING_APPROVAL
    assert "завершится 05.12.2026." in publication.text

    # --- the operator: the approvers' queue, then the approval ------------------------------------
    desk = open_page("operator")
    log_in(desk, "operator")
    desk.goto("/admin/appeals/appeal/approvals/")
    assert "1 ответ ждёт вашего согласования" in desk.locator("#content").inner_text()
    assert "завершится 05.12.2026." in desk.locator(".gf-approvals-table").inner_text()
    desk.screenshot(path=str(SCREENSHOTS / "approvals.png"), full_page=True)
    desk.get_by_role("link", name="Согласовать", exact=True).click()
    text = desk.locator("textarea.gf-answer-text")
    text.fill(text.input_value() + " Горячая вода будет подана к вечеру.")
    desk.screenshot(path=str(SCREENSHOTS / "approve-form.png"), full_page=True)
    desk.get_by_role("button", name="Согласовать и опубликовать").click()
    desk.wait_for_url(f"**/admin/appeals/appeal/{appeal.pk}/change/")
    assert "В очереди на публикацию" in desk.locator(".gf-answer-panel").inner_text()
    appeal.refresh_from_db()
    assert appeal.status != Appeal.Status.RESOLVED  # resolved when the platform confirms it
    desk.goto("/admin/appeals/appeal/?queue=open")
    assert "ответ в очереди на публикацию" in desk.locator("#result_list").inner_text()
    desk.goto(f"/admin/appeals/appeal/{appeal.pk}/change/")

    # --- the delivery (what every worker runs), against the fake VK -------------------------------
    publish_pending()
    [post] = vk.published
    assert post.text.endswith("Горячая вода будет подана к вечеру.") and post.token == "vk-community-token"

    desk.reload()
    panel = desk.locator(".gf-answer-panel")
    assert "Опубликован" in panel.inner_text()
    link = panel.get_by_role("link", name="открыть ответ на платформе")
    publication.refresh_from_db()
    assert link.get_attribute("href") == publication.url and publication.url.startswith("https://vk.com/wall")
    appeal.refresh_from_db()
    assert appeal.first_answered_at is not None and appeal.status == Appeal.Status.RESOLVED
    assert appeal.answer_url == publication.url
    desk.screenshot(path=str(SCREENSHOTS / "published.png"), full_page=True)
    assert page_errors == []
