"""Everything a person reads in the admin is Russian: a walk of every page each role can reach.

The operator, the head and the specialist (tests/conftest.py) log in to a small demo government and
follow every link of the admin from the index (each list, its filters and pages, each kind of add
and change page, the step pages, the dashboard, the notices), and open each bulk action's page and
the deletion pages. On each page the text a person reads (the text, the titles, the buttons, the
placeholders and alternative texts) may hold Latin letters only in names: URLs, e-mail addresses,
identifiers (logins, codes, handles) and the brands and formats of ALLOWED. Another test holds the
grammar: each model's name in every case and number the admin uses (govfeedback.names).
"""

import io
import json
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from appeals import services
from appeals.intake import processing
from appeals.models import Appeal, InboundEvent, RoutingRule, Topic
from govfeedback import admin_texts, names
from ministries.models import Ministry, SocialAccount

from ..factories import MinistryFactory

# Brands, formats and the platforms' badges (each badge carries the platform's Russian name as its title).
ALLOWED = {
    "Telegram", "Instagram", "Facebook", "Twitter", "WhatsApp", "VK", "OK", "TG", "IG", "FB", "X",
    "XLSX", "CSV", "API", "JSON", "OpenAPI", "Swagger", "ID", "e-mail", "E-mail", "URL", "UTF",
}  # fmt: skip
PAGES_PER_KIND = 2  # pages of one kind (the same path but for numbers, the same query keys) visited
MAX_PAGES = 400


class Reader(HTMLParser):
    """What a person reads on a page, and where its links go."""

    # Not read as text: scripts, what people typed (text boxes, raw requests), identifiers (code).
    SKIPPED = {"script", "style", "textarea", "pre", "template", "code", "kbd"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.links, self.skipping = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIPPED:
            self.skipping += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "placeholder", "alt", "aria-label"):
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")
TOKEN_EDGES = "«»\"'“”„()[]{},;:!?…—–·|*+=<>"


def foreign_words(text: str, names_of_things: set[str]) -> set[str]:
    """The Latin-letter words of a text that are not names, identifiers, brands or formats."""
    found = set()
    for token in URL_OR_EMAIL.sub(" ", text).split():
        token = token.strip(TOKEN_EDGES).rstrip(".")
        if not re.search(r"[A-Za-z]", token) or token in ALLOWED or token in names_of_things:
            continue
        if re.search(r"[\d_./\\#%]", token):  # logins, codes, file names, versions: identifiers
            continue
        # «Telegram-бот», «e-mail»: each Latin part of a hyphenated word on its own
        found |= {part for part in token.split("-") if re.search(r"[A-Za-z]", part) and part not in ALLOWED}
    return found


def identifiers() -> set[str]:
    """What the system and its people call things in Latin letters: logins, codes, slugs, handles."""
    values = set(get_user_model().objects.values_list("username", flat=True))
    values |= set(Topic.objects.values_list("code", flat=True))
    values |= set(Ministry.objects.values_list("slug", flat=True))
    for handle, external_id in SocialAccount.objects.values_list("handle", "external_id"):
        values |= {handle, external_id, f"@{handle}"}
    return {value for value in values if value}


def kind_of(url: str) -> str:
    path, _, query = url.partition("?")
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return re.sub(r"\d+", "N", path) + "?" + "&".join(keys)


def walk(client: Client) -> dict[str, set[str]]:
    """Every admin page reachable from the index: {url: its foreign words}."""
    names_of_things = identifiers()
    queue, seen, kinds, found = ["/admin/"], set(), Counter(), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        reader = Reader()
        reader.feed(response.content.decode())
        words = foreign_words(" ".join(reader.texts), names_of_things)
        if words:
            found[url] = words
        for link in reader.links:
            link = link.split("#")[0]
            if link.startswith("?"):
                link = url.split("?")[0] + link
            if not link.startswith("/admin/") or "logout" in link or link in seen:
                continue
            if kinds[kind_of(link)] < PAGES_PER_KIND:
                kinds[kind_of(link)] += 1
                queue.append(link)
    return found


def action_pages(client: Client, user) -> dict[str, set[str]]:
    """Each bulk action's page (its form or confirmation) on one row of each list that has actions."""
    names_of_things, found = identifiers(), {}
    request = type("Request", (), {"user": user, "GET": {}, "POST": {}, "method": "GET"})()
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is None:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for action in model_admin.get_actions(request):
            response = client.post(url, {"action": action, "_selected_action": [first.pk], "index": 0})
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                reader = Reader()
                reader.feed(response.content.decode())
                if words := foreign_words(" ".join(reader.texts), names_of_things):
                    found[f"{url} action {action}"] = words
    return found


@pytest.fixture
def demo(operator, head_a, specialist_a):
    """The demo government (ministry A is the demo's Минстрой), with two of its appeals on the
    specialist's desk."""
    call_command("seed_demo", appeals=60, days=7, stdout=io.StringIO())
    for appeal in Appeal.objects.filter(ministry=head_a.ministry).open().order_by("pk")[:2]:
        services.assign(appeal, official=specialist_a, actor=head_a.user)
    # Requests the intake could not turn into appeals, with the reasons it gives.
    for platform, body in [
        ("vk", b'{"type": "message_edit", "object": {}}'),
        ("ok", b'{"webhookType": "CHAT_SYSTEM"}'),
        ("meta", b'{"object": "page", "entry": []}'),
        ("telegram", b"not json"),
    ]:
        account = SocialAccount.objects.filter(platform={"meta": "facebook"}.get(platform, platform)).first()
        processing.process(
            InboundEvent.objects.create(platform=platform, account=account, body=body, authenticated=True)
        )
    return {"operator": operator, "head": head_a.user, "specialist": specialist_a.user}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "head", "specialist"])
def test_it_shows_no_english_on_any_admin_page(demo, role):
    client = Client()
    client.force_login(demo[role])
    found = {**walk(client), **action_pages(client, demo[role])}
    assert not found, "Latin-letter words on the pages:\n" + "\n".join(
        f"  {url}: {', '.join(sorted(words))}" for url, words in sorted(found.items())
    )


def test_every_model_of_the_admin_has_its_russian_forms():
    with translation.override("ru"):
        for model in admin.site._registry:
            name = names.of(model)
            assert name is not None, f"govfeedback.names.RUSSIAN has no forms for {model._meta.label_lower}"
            if model._meta.app_label in {"knox", "axes"}:
                continue  # their names are untranslated (English) in those packages; superusers only
            assert name.nominative == str(model._meta.verbose_name), model._meta.label_lower


@pytest.mark.parametrize(
    "model, number, expected",
    [
        (Appeal, 0, "0 обращений"),
        (Appeal, 1, "1 обращение"),
        (Appeal, 11, "11 обращений"),
        (Appeal, 22, "22 обращения"),
        (Topic, 5, "5 тематик"),
        (Topic, 21, "21 тематика"),
        ("appeals.inboundevent", 10, "10 входящих событий"),
        ("appeals.inboundevent", 3, "3 входящих события"),
    ],
)
def test_it_counts_with_the_right_form_of_the_name(model, number, expected):
    model = apps.get_model(model) if isinstance(model, str) else model
    with translation.override("ru"):
        assert names.of(model).count(number) == expected


@pytest.mark.django_db
def test_the_admin_speaks_of_each_model_in_the_right_case_gender_and_number(operator_client, topics):
    topic = topics["ecology"]
    response = operator_client.get("/admin/appeals/topic/")
    html = response.content.decode()
    assert response.context["title"] == "Выберите тематику для изменения"
    assert "Добавить тематику" in html and f"{len(topics)} тематик" in html
    RoutingRule.objects.create(name="Экология", topic=topic, ministry=MinistryFactory())
    rules = operator_client.get("/admin/appeals/routingrule/")
    assert "Выбрано 0 из 1" in rules.content.decode() and "1 правило распределения" in rules.content.decode()
    assert operator_client.get("/admin/appeals/topic/add/").context["title"] == "Добавить тематику"
    assert operator_client.get(f"/admin/appeals/topic/{topic.pk}/change/").context["title"] == "Изменить тематику"

    form = operator_client.get(f"/admin/appeals/topic/{topic.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["default_ministry"] = data.get("default_ministry") or ""
    response = operator_client.post(f"/admin/appeals/topic/{topic.pk}/change/", {**data, "_save": "1"})
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f'Тематика «<a href="/admin/appeals/topic/{topic.pk}/change/">Экология</a>» сохранена.'
    ]

    # An object whose own name says what it is is not named twice: «Обращение №5 сохранено.»
    appeal = services.create_appeal(text="Не вывозят мусор", account=None, actor=None)[0]
    with translation.override("ru"):
        name = names.of(Appeal)
        said = admin_texts.sentence(name, "saved", subject=admin_texts.subject(name, appeal))
        assert str(said) == f"Обращение №{appeal.pk} сохранено."
        assert admin_texts.counted_sentence(name, "saved", 2) == "2 обращения сохранены."


@pytest.mark.django_db
def test_it_shows_nothing_that_means_nothing_here(operator_client):
    appeal = services.create_appeal(text="Не вывозят мусор", account=None, actor=None)[0]
    index = operator_client.get("/admin/", follow=True).content.decode()
    page = operator_client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert 'id="recent-actions-module"' not in index  # «Последние действия … Недоступно»
    assert "Открыть сайт" not in index and "Открыть сайт" not in page
    assert f"/admin/appeals/appeal/{appeal.pk}/history/" not in page  # the history is on the page
    assert 'rel="icon"' in page
    assert operator_client.get("/favicon.ico").status_code == 301


@pytest.mark.django_db
def test_the_error_pages_are_in_russian(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode() and "Not Found" not in response.content.decode()
    for name, heading in [
        ("400.html", "Неверный запрос"),
        ("403.html", "Доступ запрещён"),
        ("500.html", "Ошибка сервера"),
    ]:
        assert heading in render_to_string(name)


@pytest.mark.django_db
def test_it_counts_what_a_bulk_deletion_removed_in_russian(operator_client, topics):
    ministry = MinistryFactory()
    rules = [
        RoutingRule.objects.create(name=f"Правило {n}", topic=topics["ecology"], ministry=ministry) for n in range(2)
    ]
    selected = {"action": "delete_selected", "_selected_action": [rule.pk for rule in rules]}
    confirm = operator_client.post("/admin/appeals/routingrule/", selected)
    assert "Вы уверены, что хотите удалить правила распределения?" in confirm.content.decode()
    done = operator_client.post("/admin/appeals/routingrule/", {**selected, "post": "yes"})
    assert [str(message) for message in get_messages(done.wsgi_request)] == ["2 правила распределения удалены."]


def test_the_history_names_an_inlines_changes_without_a_wrong_gender():
    entry = LogEntry(change_message=json.dumps([{"added": {"name": "official", "object": "Иванов И."}}]))
    with translation.override("ru"):
        assert (
            entry.get_change_message() == "Добавлено: должностное лицо «Иванов И.»."
        )  # not «Добавлен должностное лицо»
