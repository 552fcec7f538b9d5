"""The demo government: ministries, officials, logins, social accounts, and appeal texts.

Used by ``seed_demo`` (a realistic, idempotent demo) and by the benchmark's seed (``bench/seed.py``,
bulk data).

The texts are data, in this package's JSON files. Everything in them is fictional and written for
this project: the appeals, the names and the answers come from no real data set, and no real
official is named.

* ``places.json``: each municipality (in the nominative case), its kind ("city" for an urban
  district, "district" for a municipal district) and its places: street addresses in a city,
  settlements in a district.
* ``appeals.json``: what citizens write: templates by topic (``by_topic``), the last hours' burst
  behind the demo's spike alert (``burst``), and what an operator rejects as spam (``spam``).
* ``answers.json``: what officials write: answers by topic, questions to the citizen, reasons for
  extending a deadline.
* ``people.json``: first names (each "male" or "female"), last names (masculine → feminine) and
  patronymics.
* ``answer_templates.json``: the answer templates («шаблоны ответов») of the reply form, each for a
  topic and a ministry (by code and slug; null: any), with the reply form's placeholders ({имя},
  {номер}, {ведомство}, {дата_работ}: ``appeals/answers.py``).

Placeholders (``tests/appeals/test_seed.py`` checks them): an appeal template has ``{place}`` exactly
once and ``{city}`` (the municipality) at most once; ``{place}`` always stands where a preposition
does not depend on it (after a comma or a dash, in parentheses, after "по адресу"), so that both
"ул. Ленина, 45" and "с. Аскиз" read naturally. An answer has ``{place}`` at most once; nothing else
has a placeholder.

The seeds pick entries by their position: the same files and the same seed make the same demo, and
any change to a list changes the demo made from every seed.
"""

import json
import random
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from appeals.models import AnswerTemplate, RoutingRule, Topic
from ministries import roles
from ministries.models import Approval, Ministry, Official, SocialAccount
from ministries.roles import OPERATORS_GROUP

HERE = Path(__file__).resolve().parent / "data"


def _read(name: str):
    return json.loads((HERE / name).read_text(encoding="utf-8"))


_places = _read("places.json")
_appeals = _read("appeals.json")
_answers = _read("answers.json")
_people = _read("people.json")
_answer_templates = _read("answer_templates.json")

MUNICIPALITIES: list[tuple[str, str]] = [(name, about["kind"]) for name, about in _places.items()]
PLACES: dict[str, list[str]] = {name: about["places"] for name, about in _places.items()}
TOPIC_TEXTS: dict[str, list[str]] = _appeals["by_topic"]
BURST_TEXTS: list[str] = _appeals["burst"]
SPAM_TEXTS: list[str] = _appeals["spam"]
ANSWERS: dict[str, list[str]] = _answers["by_topic"]
CLARIFICATION_QUESTIONS: list[str] = _answers["clarification_questions"]
EXTENSION_REASONS: list[str] = _answers["extension_reasons"]
FIRST_NAMES: list[str] = list(_people["first_names"])
FEMALE_FIRST_NAMES: set[str] = {name for name, sex in _people["first_names"].items() if sex == "female"}
LAST_NAMES: list[str] = list(_people["last_names"])
LAST_NAMES_FEMININE: list[str] = list(_people["last_names"].values())
PATRONYMICS_MALE: list[str] = _people["patronymics"]["male"]
PATRONYMICS_FEMALE: list[str] = _people["patronymics"]["female"]
ANSWER_TEMPLATES: list[dict] = _answer_templates["templates"]
# The demo account whose answers the ministry's head approves before they are published (the Head's
# accounts need the press service's approval without any setting): the ministry's VK community.
APPROVED_BY_HEAD = "minstroy"

# The source's topic shares (Khakassia, 2019).
TOPIC_SHARES = [
    ("housing_utilities_landscaping", 45),
    ("waste_reform", 15),
    ("roads_transport", 13),
    ("ecology", 10),
    ("other", 17),
]


# slug, full name, short name, VK group handle, the topics it answers for by default
MINISTRIES = [
    (
        "minstroy",
        "Министерство строительства и жилищно-коммунального хозяйства Республики Хакасия",
        "Минстрой",
        "minstroy19",
        ["housing_utilities_landscaping", "waste_reform"],
    ),
    (
        "minprirody",
        "Министерство природных ресурсов и экологии Республики Хакасия",
        "Минприроды",
        "minprirody19",
        ["ecology"],
    ),
    (
        "mintrans",
        "Министерство транспорта и дорожного хозяйства Республики Хакасия",
        "Минтранс",
        "mintrans19",
        ["roads_transport"],
    ),
    ("minzdrav", "Министерство здравоохранения Республики Хакасия", "Минздрав", "minzdrav19", []),
    ("minobr", "Министерство образования и науки Республики Хакасия", "Минобрнауки", "minobr19", []),
    ("mintrud", "Министерство труда и социальной защиты Республики Хакасия", "Минтруд", "mintrud19", []),
    (
        "goskomtarif",
        "Государственный комитет по тарифам и энергетике Республики Хакасия",
        "Госкомтарифэнерго",
        "tarif19",
        [],
    ),
]
# Where "other" appeals go, by a simple share.
OTHER_MINISTRIES = ["minzdrav", "minobr", "mintrud", "goskomtarif"]

HEAD_ACCOUNTS = [
    (SocialAccount.Platform.VK, "100000001", "glava19", "Глава Республики Хакасия — ВКонтакте"),
    (SocialAccount.Platform.OK, "200000001", "glava19", "Глава Республики Хакасия — Одноклассники"),
    (SocialAccount.Platform.TELEGRAM, "300000001", "glava19_bot", "Глава Республики Хакасия — Telegram"),
    (SocialAccount.Platform.INSTAGRAM, "400000001", "glava19", "Глава Республики Хакасия — Instagram"),
]


@dataclass
class Organisation:
    ministries: dict[str, Ministry] = field(default_factory=dict)
    heads: dict[str, Official] = field(default_factory=dict)
    specialists: dict[str, list[Official]] = field(default_factory=dict)
    head_accounts: list[SocialAccount] = field(default_factory=list)
    groups: dict[str, SocialAccount] = field(default_factory=dict)
    pages: dict[str, SocialAccount] = field(default_factory=dict)
    operators: list = field(default_factory=list)
    topics: dict[str, Topic] = field(default_factory=dict)
    # (login, password, who) for logins created by this run; passwords are shown once.
    new_logins: list[tuple[str, str, str]] = field(default_factory=list)


def person_name(rng: random.Random) -> str:
    """An invented full name, e.g. "Чебодаева Алтынай Петровна"."""
    first = rng.choice(FIRST_NAMES)
    index = rng.randrange(len(LAST_NAMES))
    if first in FEMALE_FIRST_NAMES:
        return f"{LAST_NAMES_FEMININE[index]} {first} {rng.choice(PATRONYMICS_FEMALE)}"
    return f"{LAST_NAMES[index]} {first} {rng.choice(PATRONYMICS_MALE)}"


def appeal_text(rng: random.Random, topic_code: str) -> tuple[str, str]:
    """A citizen's text about ``topic_code`` and the municipality it mentions."""
    municipality, _kind = rng.choice(MUNICIPALITIES)
    place = rng.choice(PLACES[municipality])
    template = rng.choice(TOPIC_TEXTS[topic_code])
    return template.format(place=place, city=municipality), municipality


def _login(org: Organisation, username: str, who: str, *, first_name="", last_name="", staff=False):
    User = get_user_model()
    email = f"{username}@r-19.example"
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": staff, "email": email},
    )
    if created:
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save(update_fields=["password"])
        org.new_logins.append((username, password, who))
    return user


@transaction.atomic
def ensure_organisation(rng: random.Random) -> Organisation:
    """Create (or find) the demo government. Safe to run again: nothing is duplicated."""
    org = Organisation(topics={t.code: t for t in Topic.objects.all()})
    operators = Group.objects.get(name=OPERATORS_GROUP)  # created by a migration
    admin = _login(org, "admin", "суперпользователь", first_name="Администратор", staff=True)
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])
    for n, (first, last) in enumerate([("Дарья", "Тюмерекова"), ("Максим", "Сазанаков")], start=1):
        user = _login(org, f"operator{n}", "оператор пресс-службы", first_name=first, last_name=last, staff=True)
        user.groups.add(operators)
        org.operators.append(user)

    for platform, external_id, handle, title in HEAD_ACCOUNTS:
        account, _ = SocialAccount.objects.get_or_create(
            platform=platform,
            external_id=external_id,
            defaults={
                "handle": handle,
                "title": title,
                "kind": SocialAccount.Kind.HEAD,
                "webhook_secret": secrets.token_hex(16),
                "confirmation_code": secrets.token_hex(4),
            },
        )
        org.head_accounts.append(account)

    for number, (slug, name, short, vk_handle, topic_codes) in enumerate(MINISTRIES, start=1):
        ministry, _ = Ministry.objects.get_or_create(
            slug=slug, defaults={"name": name, "short_name": short, "email": f"{slug}@r-19.example"}
        )
        org.ministries[slug] = ministry
        staff = list(ministry.officials.order_by("id"))
        if not staff:
            committee = slug.startswith("goskom")
            chief, deputy = (
                ("Председатель", "Заместитель председателя") if committee else ("Министр", "Заместитель министра")
            )
            positions = [
                (Official.Role.HEAD, chief),
                (Official.Role.DEPUTY, deputy),
                (Official.Role.SPECIALIST, "Главный специалист"),
                (Official.Role.SPECIALIST, "Ведущий специалист"),
                (Official.Role.SPECIALIST, "Специалист-эксперт"),
            ]
            for index, (role, position) in enumerate(positions):
                full_name = person_name(rng)
                last, first, _patronymic = full_name.split()
                login = f"{slug}.{role}" if role != Official.Role.SPECIALIST else f"{slug}.spec{index - 1}"
                user = _login(org, login, f"{position}, {short}", first_name=first, last_name=last)
                staff.append(
                    Official.objects.create(
                        ministry=ministry,
                        user=user,
                        full_name=full_name,
                        position=position,
                        role=role,
                        email=f"{login}@r-19.example",
                    )
                )
        for official in staff:
            roles.give_access(official)  # into the admin, scoped to the ministry
        head = next(o for o in staff if o.role == Official.Role.HEAD)
        if ministry.head_id != head.pk:
            ministry.head = head
            ministry.save(update_fields=["head"])
        org.heads[slug] = head
        org.specialists[slug] = [o for o in staff if o.role == Official.Role.SPECIALIST]
        for code in topic_codes:
            Topic.objects.filter(code=code, default_ministry=None).update(default_ministry=ministry)
        org.groups[slug], _ = SocialAccount.objects.get_or_create(
            platform=SocialAccount.Platform.VK,
            external_id=str(170000000 + number),
            defaults={
                "handle": vk_handle,
                "title": f"{short} — сообщество ВКонтакте",
                "kind": SocialAccount.Kind.MINISTRY_GROUP,
                "ministry": ministry,
                "webhook_secret": secrets.token_hex(16),
                "confirmation_code": secrets.token_hex(4),
                "answer_approval": Approval.HEAD if slug == APPROVED_BY_HEAD else "",
            },
        )
        org.pages[slug], _ = SocialAccount.objects.get_or_create(
            platform=SocialAccount.Platform.TELEGRAM,
            external_id=str(880000000 + number),
            defaults={
                "handle": f"{vk_handle}_minister",
                "title": f"{head.full_name} — Telegram",
                "kind": SocialAccount.Kind.OFFICIAL_PAGE,
                "ministry": ministry,
                "official": head,
                "webhook_secret": secrets.token_hex(16),
            },
        )
    org.topics = {t.code: t for t in Topic.objects.select_related("default_ministry")}
    ensure_answer_templates(org)
    # Routing rules: each topic to its ministry, so appeals on the Head's accounts are routed
    # once the classifier is sure of the topic; the rest stay with the operators.
    for position, topic in enumerate(org.topics.values(), start=10):
        if topic.default_ministry is not None:
            RoutingRule.objects.get_or_create(
                name=f"{topic.name} → {topic.default_ministry}",
                defaults={"position": position, "topic": topic, "ministry": topic.default_ministry},
            )
    return org


def ensure_answer_templates(org: Organisation) -> None:
    """The reply form's answer templates (``answer_templates.json``), each once (found by its title)."""
    for position, about in enumerate(ANSWER_TEMPLATES, start=1):
        AnswerTemplate.objects.get_or_create(
            title=about["title"],
            defaults={
                "text": about["text"],
                "topic": org.topics[about["topic"]] if about["topic"] else None,
                "ministry": org.ministries[about["ministry"]] if about["ministry"] else None,
                "position": position * 10,
            },
        )


def print_logins(stdout, org: Organisation) -> None:
    if not org.new_logins:
        return
    stdout.write("New logins (the passwords are shown only now; `manage.py changepassword LOGIN` resets one):")
    width = max(len(login) for login, _, _ in org.new_logins)
    for login, password, who in org.new_logins:
        stdout.write(f"  {login.ljust(width)}  {password}  {who}")
