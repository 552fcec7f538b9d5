"""Personas (healthchecks-style): a press-service operator, a ministry head, a specialist of
that ministry, and an outsider from another ministry."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from appeals.models import Topic
from ministries import roles
from ministries.models import Official

from .factories import MinistryFactory, OfficialFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
# What `make test-fast` (`pytest -m "not e2e and not slow"`) leaves out; `make test` runs everything.
# Paths and node ids from the repository root; slow means seconds a test (pytest --durations).
E2E = "tests/e2e/"
SLOW = (
    "tests/reliability/",  # workers, servers and Redis started, killed and restarted
    "tests/notifications/test_reminders_real.py",  # a real worker delivers the reminders
    "tests/notifications/test_tasks.py::test_a_worker_flags_overdue_appeals_sent_through_the_broker",
    "tests/api/test_schemathesis.py",  # generated requests to every API operation
    "tests/security/test_admin_lookups.py::test_it_keeps_every_filter_link_of_every_list_working",
    "tests/security/test_scope_walk.py::test_it_shows_nothing_of_another_ministry_to_any_search_or_filter",
    "tests/govfeedback/test_russian_everywhere.py::test_it_shows_no_english_on_any_admin_page",  # every page, each role
)


def pytest_configure(config):
    missing = [entry for entry in SLOW if not (ROOT / entry.split("::")[0]).exists()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py: SLOW names files that do not exist: {missing}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(E2E):
            item.add_marker(pytest.mark.e2e)
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def topics(db) -> dict[str, Topic]:
    return {topic.code: topic for topic in Topic.objects.all()}


@pytest.fixture
def operator(db):
    user = UserFactory(username="operator", first_name="Дарья", last_name="Тюмерекова", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OPERATORS_GROUP))
    return user


@pytest.fixture
def ministry_a(db):
    return MinistryFactory(name="Министерство строительства и ЖКХ", short_name="Минстрой", slug="minstroy")


@pytest.fixture
def ministry_b(db):
    return MinistryFactory(name="Министерство транспорта", short_name="Минтранс", slug="mintrans")


@pytest.fixture
def head_a(ministry_a):
    user = UserFactory(username="head_a")
    head = OfficialFactory(ministry=ministry_a, user=user, full_name="Чебодаев Айдар", role=Official.Role.HEAD)
    ministry_a.head = head
    ministry_a.save()
    roles.give_access(head)
    return head


@pytest.fixture
def specialist_a(ministry_a):
    specialist = OfficialFactory(ministry=ministry_a, user=UserFactory(username="spec_a"), full_name="Иванова Мария")
    roles.give_access(specialist)
    return specialist


@pytest.fixture
def specialist_b(ministry_b):
    specialist = OfficialFactory(ministry=ministry_b, user=UserFactory(username="spec_b"), full_name="Сагалаков Олег")
    roles.give_access(specialist)
    return specialist


@pytest.fixture
def head_b(ministry_b):
    user = UserFactory(username="head_b")
    head = OfficialFactory(ministry=ministry_b, user=user, full_name="Майнагашев Семён", role=Official.Role.HEAD)
    ministry_b.head = head
    ministry_b.save()
    roles.give_access(head)
    return head


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def pytest_sessionstart(session):
    """Under .ci/run (GOVFEEDBACK_REQUIRE_SERVICES=1) the suite must really run on PostgreSQL and
    Redis: a mistyped DATABASE_URL must fail the run, not fall back to SQLite."""
    if os.environ.get("GOVFEEDBACK_REQUIRE_SERVICES") != "1":
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    broker = settings.CELERY_BROKER_URL
    if "postgresql" not in engine or not broker.startswith("redis://"):
        raise pytest.UsageError(
            f"GOVFEEDBACK_REQUIRE_SERVICES=1 but the suite is configured for {engine} and {broker}: "
            "set DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://..."
        )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo creates dozens of logins; a slow hash only makes the tests slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_inline():
    """An accepted webhook is handed to a Celery worker; in this process Celery runs the task
    inline (its eager mode), so a test sees the appeal when the request returns. The path through
    a real broker and worker is tested in tests/reliability."""
    from govfeedback.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def classifier_never_sure(settings):
    """Tests of other things do not depend on the classifier's opinion of their texts; the tests
    of classification on arrival lower the threshold themselves."""
    settings.GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE = 2.0


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limits and login throttling count per test, not across the run (the local-memory cache)."""
    from django.core.cache import caches

    if type(caches["default"]).__name__ == "LocMemCache":
        caches["default"].clear()


@pytest.fixture(autouse=True)
def fresh_gazetteer():
    """The municipalities' patterns and the intake's accounts are cached per process; each test
    starts from its database."""
    from appeals import routing
    from appeals.intake import views

    routing.forget_gazetteer()
    views.forget_accounts()
    yield
    routing.forget_gazetteer()
    views.forget_accounts()
