"""The reply form's counter counts as the platform does (appeals/answers.py measure), in Chromium:
Telegram counts an emoji as two, VK as one; over the limit the counter turns red, and the server
refuses the answer with the same figure before anything is queued."""

import pytest

from appeals.models import Appeal, Publication
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory
from .conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_groups")]


def appeal_on(platform: str, specialist) -> Appeal:
    account = AccountFactory(
        platform=platform, kind=SocialAccount.Kind.MINISTRY_GROUP, ministry=specialist.ministry, access_token="t"
    )
    external_id = "-1001234:77" if platform == "telegram" else f"wall_reply-{account.external_id}_10_11"
    return AppealFactory(
        account=account,
        external_id=external_id,
        thread_id="-1001234" if platform == "telegram" else f"wall-{account.external_id}_10",
        ministry=specialist.ministry,
        assignee=specialist,
        status=Appeal.Status.IN_PROGRESS,
    )


def test_the_counter_counts_as_the_platform_and_the_server_agrees(open_page, page_errors, specialist_a):
    telegram, vk = appeal_on("telegram", specialist_a), appeal_on("vk", specialist_a)
    page = open_page("specialist")
    log_in(page, "spec_a")

    page.goto(f"/admin/appeals/appeal/{vk.pk}/step/reply/")
    page.locator("textarea.gf-answer-text").fill("Спасибо 👍")
    assert page.locator(".gf-counter").inner_text() == "9 / 4096"

    page.goto(f"/admin/appeals/appeal/{telegram.pk}/step/reply/")
    answer = page.locator("textarea.gf-answer-text")
    answer.fill("Спасибо 👍")
    assert page.locator(".gf-counter").inner_text() == "10 / 4096"
    answer.fill("Спасибо! " + "👍" * 2044)  # 2,053 characters, 4,097 as Telegram counts
    counter = page.locator(".gf-counter")
    assert counter.inner_text() == "4097 / 4096" and "gf-over" in counter.get_attribute("class")
    page.get_by_role("button", name="Опубликовать ответ").click()
    refusal = page.locator(".errornote, .messagelist, .errorlist").first.inner_text()
    assert "Длина ответа — 4097" in refusal and "Telegram считает эмодзи за два символа." in refusal
    assert not Publication.objects.exists()
    assert page_errors == []


def test_a_double_click_sends_the_answer_once(open_page, page_errors, specialist_a):
    vk = appeal_on("vk", specialist_a)
    page = open_page("specialist")
    log_in(page, "spec_a")
    page.goto(f"/admin/appeals/appeal/{vk.pk}/step/reply/")
    page.wait_for_selector("textarea.gf-answer-text[data-ready]")
    page.locator("textarea.gf-answer-text").fill("Передали в управляющую компанию.")
    # Count the submissions the page lets through, and hold them (a slow network, as it were): the
    # second click then comes while the first is on its way.
    page.evaluate(
        """() => {
          window.gfSent = 0;
          document.querySelector("textarea.gf-answer-text").form.addEventListener("submit", (event) => {
            if (!event.defaultPrevented) window.gfSent += 1;
            event.preventDefault();
          });
        }"""
    )
    button = page.get_by_role("button", name="Опубликовать ответ")
    button.click()
    button.click(force=True)
    assert page.evaluate("window.gfSent") == 1
    assert button.is_disabled()
    assert page_errors == []
