"""The admin in a real browser: Playwright driving the system's Chromium (Debian's `chromium`).

Nothing here downloads a browser. Without /usr/bin/chromium the tests are skipped with a message
that says how to install it, except in CI (`CI=true`) or with GOVFEEDBACK_REQUIRE_BROWSER=1,
where a missing browser fails the run. On failure every open page is saved as a screenshot
under .run/e2e/ and the paths are printed in the report.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GOVFEEDBACK_CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet on the network: without the background-networking flags Chromium keeps
# trying to reach Google's services, which on a closed network only slows everything down.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "e2e"
INSTALL_HINT = (
    "as root: apt-get install -y chromium chromium-driver (Debian's packages; never `playwright install`, "
    "nothing may download a browser)"
)
PASSWORD = "correct horse battery staple"  # tests/factories.py UserFactory


def browser_required() -> bool:
    return (
        os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get("GOVFEEDBACK_REQUIRE_BROWSER") == "1"
    )


def missing_browser(reason: str):
    message = f"End-to-end tests need Chromium: {reason}. Install it {INSTALL_HINT}."
    if browser_required():
        pytest.fail(f"{message} (CI=true or GOVFEEDBACK_REQUIRE_BROWSER=1: a missing browser is a failure)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium for the module; each persona gets its own context (its own cookies)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing_browser(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("the Python package `playwright` is not installed (pip install -r requirements-dev.txt)")

    # Playwright's sync API runs an asyncio loop in this thread, which makes Django refuse ORM
    # calls here (SynchronousOnlyOperation). The loop only carries the browser's messages; the
    # test's queries are synchronous and alone in this thread, so the check is lifted for this
    # module only and restored afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def roles_groups(transactional_db):
    """The three groups, as ``migrate`` leaves them (ministries.roles.sync_after_migrate), whatever
    a transactional test that ran before this one flushed."""
    from django.apps import apps

    from ministries import roles

    # The function marks the apps' models as loaded; keep the real registry as it was.
    loaded = {
        label: apps.get_app_config(label).models_module
        for grants in roles.GROUP_PERMISSIONS.values()
        for label in grants
    }
    try:
        roles.sync_group_permissions(apps)
    finally:
        for label, module in loaded.items():
            apps.get_app_config(label).models_module = module


@pytest.fixture
def topics(transactional_db) -> dict:
    """The five topics (and the gazetteer) as their data migration leaves them, whatever a
    transactional test that ran before this one flushed."""
    import importlib

    from django.apps import apps

    from appeals.models import Topic

    importlib.import_module("appeals.migrations.0002_topics_and_gazetteer").load(apps, None)
    return {topic.code: topic for topic in Topic.objects.all()}


@pytest.fixture
def page_errors() -> list[str]:
    """What broke in the pages behind the user's back: uncaught JavaScript errors and static
    files (CSS, JS, images) that did not load."""
    return []


@pytest.fixture
def open_page(request, browser, live_server, page_errors) -> Iterator[Callable]:
    """open_page(label) -> a new page in a fresh browser context, logged in as nobody yet.

    The pages are remembered on the test item so that a failure can photograph them."""
    contexts = []
    request.node.e2e_pages = {}

    def new_page(label: str):
        context = browser.new_context(base_url=live_server.url, locale="ru-RU", viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: page_errors.append(f"{label}: JavaScript: {error}"))
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and "/static/" in response.url
                and page_errors.append(f"{label}: HTTP {response.status} {response.url}")
            ),
        )
        request.node.e2e_pages[label] = page
        return page

    yield new_page
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Through the admin's login form, as a person would; the person lands on their queue (an
    operator on the triage queue, a head on the ministry's, a specialist on their own)."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(lambda url: "/admin/" in url and "/admin/login/" not in url)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, save a screenshot of every page the test had open and name the files."""
    report = yield
    pages = getattr(item, "e2e_pages", None)
    if report.failed and pages and report.when in {"call", "setup"}:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for label, page in pages.items():
            name = re.sub(r"[^\w.-]+", "_", f"{item.name}-{label}")
            path = SCREENSHOTS / f"{name}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                (SCREENSHOTS / f"{name}.html").write_text(page.content())
                saved.append(f"{path} (at {page.url})")
            except Exception as error:  # a dead page must not hide the real failure
                saved.append(f"{path}: not saved ({error})")
        report.sections.append(("e2e screenshots", "\n".join(saved)))
        print("\nScreenshots:\n" + "\n".join(saved))
    return report
