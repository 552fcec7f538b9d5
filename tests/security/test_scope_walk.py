"""Nothing outside a person's scope, whatever they type into a search or a filter.

Ministry B's appeal carries a marker in its text, its author, a comment and a follow-up. Every
admin list of these apps, the appeals export (CSV and XLSX), the dashboard of a selection, the
duplicates page and the API's lists are walked as each role with searches (B's number, the
marker) and filters; the marker and a link to B's appeal must appear only for the operators.
"""

import io
import json

import openpyxl
import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealEvent, AppealMessage
from notifications.models import Notification

from ..apps import our_apps
from ..factories import AppealFactory, UserFactory

# Searched for: the marker and the author's surname; looked for in the answers (a page echoes the
# search term, so never the term itself): the leak word and the full name.
MARKER, SURNAME = "СЕКРЕТБ", "Тайнов"
LEAK, AUTHOR = "Колдобинск", "Тайнов Секрет"
# Ministry B's people (tests/conftest.py): their names are not for ministry A's eyes either.
OTHER_MINISTRYS_PEOPLE = ("Сагалаков Олег", "Майнагашев Семён")
# What each role may type: B's number in every spelling, the marker, and filters of each list.
FILTERS = [
    "",
    "status__exact=assigned",
    "deadline=overdue",
    "deadline=due_today",
    "queue=open",
    "queue=mine",
    "queue=unassigned",
    "queue=triage",
    "queue=mine_closed",
    "o=-1",
]


@pytest.fixture
def world(operator, head_a, specialist_a, head_b, specialist_b):
    a = services.assign(AppealFactory(text="Протекает крыша в доме"), official=specialist_a)
    b = services.assign(
        AppealFactory(text=f"{MARKER} яма на дороге, {LEAK}", author_name=AUTHOR), official=specialist_b
    )
    services.comment(b, note=f"{MARKER}: {LEAK}, комментарий", actor=head_b.user)
    AppealMessage.objects.create(appeal=b, external_id="f1", text=f"{MARKER} {LEAK} уточнение", author_name=AUTHOR)
    for appeal in (a, b):
        Notification.objects.create(appeal=appeal, kind="overdue", address=f"n{appeal.pk}@example.ru")
    users = {
        "operator": operator,
        "head_a": head_a.user,
        "specialist_a": specialist_a.user,
        "nobody": UserFactory(username="nobody", is_staff=True),
    }
    return {"a": a, "b": b, "users": users}


def searches(b) -> list[str]:
    return [str(b.pk), f"№{b.pk}", f"#{b.pk}", f" {b.pk} ", MARKER, SURNAME]


def admin_lists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in our_apps()
    ]


def pages(b) -> list[str]:
    """Every URL a person can aim a search or a filter at."""
    urls = []
    for query in searches(b):
        for extra in FILTERS:
            params = f"q={query}" + (f"&{extra}" if extra else "")
            urls += [f"{url}?{params}" for url in admin_lists()]
            urls += [
                f"{reverse('admin:appeals_appeal_export')}?format=csv&{params}",
                f"{reverse('admin:appeals_appeal_export')}?format=xlsx&{params}",
                f"{reverse('admin:analytics_dashboard')}?period=year&fresh=1&{params}",
                f"{reverse('admin:analytics_dashboard')}?period=year&format=xlsx&{params}",
            ]
        urls += [
            f"/api/v1/appeals/?q={query}",
            f"/api/v1/appeals/?q={query}&status=assigned",
            f"/api/v1/appeals/?q={query}&overdue=false",
        ]
    for field in ("assignee", "ministry", "account"):
        for term in ("", "а", "Сагалаков", "Майнагашев"):
            urls.append(
                f"{reverse('admin:autocomplete')}?app_label=appeals&model_name=appeal&field_name={field}&term={term}"
            )
    urls += [
        reverse("admin:appeals_appeal_duplicates"),
        f"/api/v1/appeals/?ministry={b.ministry_id}",
        f"/api/v1/appeals/?assignee={b.assignee_id}",
        f"/api/v1/stats/?ministry={b.ministry_id}",
    ]
    return urls


def content_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)  # \u-escaped names read as names
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def appeal_ids(rows) -> set[int]:
    """The appeals a list's rows are, or belong to."""
    return {
        row.pk if isinstance(row, Appeal) else row.appeal_id
        for row in rows
        if hasattr(row, "appeal_id") or isinstance(row, Appeal)
    }


def leaks(text: str, b) -> list[str]:
    found = [needle for needle in (LEAK, AUTHOR, *OTHER_MINISTRYS_PEOPLE) if needle in text]
    if f"/admin/appeals/appeal/{b.pk}/" in text:
        found.append("a link to B's appeal")
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["head_a", "specialist_a", "nobody"])
def test_it_shows_nothing_of_another_ministry_to_any_search_or_filter(world, role):
    client = Client()
    client.force_login(world["users"][role])
    b = world["b"]
    checked = 0
    for url in pages(b):
        response = client.get(url)
        assert response.status_code < 500, url
        assert leaks(content_of(response), b) == [], url
        if response.status_code == 200 and response.context and "cl" in response.context:
            assert b.pk not in appeal_ids(response.context["cl"].result_list), url
        checked += 1
    assert checked > 500


@pytest.mark.django_db
def test_it_finds_the_appeal_by_number_for_whoever_may_see_it(world):
    """The other side of the walk: the search by number works where the appeal is in scope."""
    b = world["b"]
    client = Client()
    client.force_login(world["users"]["operator"])
    listed = client.get(reverse("admin:appeals_appeal_changelist") + f"?q=№{b.pk}").context["cl"].result_list
    assert [appeal.pk for appeal in listed] == [b.pk]
    exported = content_of(client.get(reverse("admin:appeals_appeal_export") + f"?format=csv&q={b.pk}"))
    assert LEAK in exported and "Протекает" not in exported
    autocomplete = f"{reverse('admin:autocomplete')}?app_label=appeals&model_name=appeal&field_name=assignee&term="
    assert "Сагалаков Олег" in content_of(client.get(autocomplete))


@pytest.mark.django_db
def test_it_keeps_the_lists_filters_on_a_search_by_number(world):
    """A number does not lift the list's filters: B is assigned, so «resolved» finds nothing."""
    client = Client()
    client.force_login(world["users"]["operator"])
    url = reverse("admin:appeals_appeal_changelist") + f"?q={world['b'].pk}&status__exact=resolved"
    assert list(client.get(url).context["cl"].result_list) == []


@pytest.mark.django_db
def test_it_finds_the_events_and_notifications_of_an_appeal_in_scope_only(world):
    client = Client()
    client.force_login(world["users"]["head_a"])
    for model in (AppealEvent, Notification):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") + f"?q={world['b'].pk}"
        assert list(client.get(url).context["cl"].result_list) == []
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") + f"?q={world['a'].pk}"
        assert {row.appeal_id for row in client.get(url).context["cl"].result_list} == {world["a"].pk}
