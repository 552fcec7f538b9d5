"""The routing model learnt from the history of appeals: suggestions, auto-routing at the operators'
precision, rules first, and a worse or broken model never replacing the one in use."""

import logging
import random

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent, RoutingModelVersion, RoutingRule, RoutingSettings
from appeals.routing_model import auto_route, suggest
from appeals.routing_model.store import current, retrain
from appeals.routing_model.training import threshold_for

from ..factories import AccountFactory, AppealFactory, MinistryFactory, OfficialFactory

Status = RoutingModelVersion.Status

SUBJECTS = {
    "roads": [
        "яма на дороге",
        "разбит асфальт на трассе",
        "нет разметки на перекрестке",
        "глубокие ямы проезжая часть",
    ],
    "water": ["нет холодной воды в доме", "из крана течет ржавая вода", "прорвало водопровод", "слабый напор воды"],
    "waste": [
        "не вывозят мусор с площадки",
        "переполнены мусорные контейнеры",
        "свалка мусора во дворе",
        "мусор лежит неделю",
    ],
    "schools": [
        "в школе холодно детям",
        "учитель не проверяет тетради",
        "нет мест в детском саду",
        "ремонт школы сорван",
    ],
}
FILLERS = ["Здравствуйте.", "Прошу помочь.", "Сколько можно ждать!", "Обращаюсь уже не первый раз.", ""]


def text(subject: str, rng: random.Random) -> str:
    phrases = rng.sample(SUBJECTS[subject], 2)
    return f"{rng.choice(FILLERS)} {phrases[0]}, {phrases[1]}. {rng.choice(FILLERS)}"


@pytest.fixture
def bodies(db):
    """A ministry for each subject, each with the specialist who handles it."""
    found = {}
    for subject in SUBJECTS:
        ministry = MinistryFactory()
        found[subject] = (ministry, OfficialFactory(ministry=ministry))
    return found


def resolved(**fields):
    return AppealFactory(status=Appeal.Status.RESOLVED, resolved_at=timezone.now(), answer="Сделано.", **fields)


def resolved_history(bodies, per_subject=15, seed=1, label=None):
    """Appeals resolved by the specialist of their subject's ministry (``label`` overrides who)."""
    rng = random.Random(seed)
    for subject in SUBJECTS:
        for _ in range(per_subject):
            ministry, official = bodies[label(rng) if label else subject]
            resolved(text=text(subject, rng), ministry=ministry, assignee=official)
        for _ in range(per_subject // 3):  # some say nothing of the problem: any ministry gets those
            resolved(text=" ".join(rng.sample(FILLERS, 3)), ministry=bodies[subject][0])


@pytest.fixture
def trained(bodies):
    resolved_history(bodies)
    outcome = retrain()
    assert outcome.switched_in, outcome.message
    return outcome.version


def test_it_suggests_the_three_likeliest_ministries_and_the_official_who_handled_such_appeals(bodies, trained):
    suggestions = suggest("Во дворе не вывозят мусор, контейнеры переполнены, свалка растёт")

    assert len(suggestions) == 3
    ministry, official = bodies["waste"]
    assert (suggestions[0].ministry, suggestions[0].official) == (ministry, official)
    assert suggestions[0].confidence > suggestions[1].confidence >= suggestions[2].confidence
    assert len({s.ministry.pk for s in suggestions}) == 3


def test_it_learns_from_the_operators_corrections_not_from_unconfirmed_rule_assignments(bodies, operator):
    rng = random.Random(3)
    wrong, _ = bodies["roads"]
    right, _ = bodies["water"]
    for subject in SUBJECTS:
        for _ in range(12):
            ministry, official = bodies[subject]
            resolved(text=text(subject, rng), ministry=ministry, assignee=official)
    for _ in range(10):  # a rule sent water appeals to the roads ministry; an operator moved them
        appeal = AppealFactory(text=text("water", rng), ministry=wrong, status=Appeal.Status.ASSIGNED)
        services.assign(appeal, ministry=right, actor=operator)
    for _ in range(30):  # left where a rule put them, never confirmed: not history
        AppealFactory(text=text("water", rng), ministry=wrong, status=Appeal.Status.ASSIGNED)

    outcome = retrain()

    assert outcome.version.rows == 4 * 12 + 10  # not the 30 left unconfirmed
    assert suggest("Нет холодной воды, слабый напор воды в доме")[0].ministry == right


def test_it_routes_by_itself_only_when_as_sure_as_the_operators_require(bodies, trained):
    ministry, official = bodies["roads"]
    clear = "Яма на дороге, разбит асфальт на трассе, глубокие ямы"
    vague = "Здравствуйте. Прошу помочь."
    model = current()
    threshold = threshold_for(model, RoutingSettings.get().min_precision)
    assert threshold is not None
    assert suggest(clear)[0].confidence >= threshold > suggest(vague)[0].confidence

    routed, _ = services.create_appeal(text=clear, account=AccountFactory(), external_id="1")
    waiting, _ = services.create_appeal(text=vague, account=AccountFactory(), external_id="2")

    assert (routed.status, routed.ministry, routed.assignee) == (Appeal.Status.ASSIGNED, ministry, official)
    event = routed.events.get(kind=AppealEvent.Kind.ASSIGNED)
    assert event.actor is None and event.note.startswith("Модель распределения: уверенность")
    assert (waiting.status, waiting.ministry) == (Appeal.Status.NEW, None)


def test_an_operator_can_turn_auto_routing_off_or_ask_for_a_precision_it_never_reached(bodies, trained):
    clear = "Яма на дороге, разбит асфальт на трассе, глубокие ямы"
    settings = RoutingSettings.get()
    settings.auto_route = False
    settings.save()
    appeal, _ = services.create_appeal(text=clear, account=AccountFactory(), external_id="1")
    assert appeal.ministry is None and auto_route(appeal) is None

    settings.auto_route = True
    settings.save()
    model = current()
    model.metadata["thresholds"]["99"] = [None, 0.0]  # as a model whose routes were never that precise
    settings.min_precision = 99
    settings.save()
    assert auto_route(appeal) is None
    settings.min_precision = 95
    settings.save()
    assert auto_route(appeal).ministry == bodies["roads"][0]


def test_a_matching_routing_rule_wins_over_the_model(bodies, trained):
    schools, _ = bodies["schools"]
    RoutingRule.objects.create(name="Дороги у школ", keywords="асфальт", ministry=schools)

    appeal, _ = services.create_appeal(
        text="Разбит асфальт на трассе, яма на дороге", account=AccountFactory(), external_id="1"
    )

    assert appeal.ministry == schools
    assert appeal.events.get(kind=AppealEvent.Kind.ASSIGNED).note == "Правило распределения: Дороги у школ"


def test_a_worse_model_is_not_switched_in(bodies, trained):
    # New history whose ministries no longer follow the text: a model learnt from it is worse.
    resolved_history(bodies, per_subject=25, seed=7, label=lambda rng: rng.choice(list(SUBJECTS)))

    outcome = retrain()

    assert not outcome.switched_in
    assert outcome.version.status == Status.REJECTED
    assert "ниже, чем у используемой модели" in outcome.version.reason
    assert RoutingModelVersion.objects.get(status=Status.CURRENT) == trained
    assert suggest("Нет холодной воды в доме")[0].ministry == bodies["water"][0]


def test_a_model_that_fails_to_load_leaves_the_one_in_use(bodies, trained, caplog):
    assert suggest("Нет холодной воды в доме")[0].ministry == bodies["water"][0]
    RoutingModelVersion.objects.filter(pk=trained.pk).update(status=Status.RETIRED)
    broken = RoutingModelVersion.objects.create(status=Status.CURRENT, rows=1, artifact=b"not a model")

    with caplog.at_level(logging.ERROR, logger="appeals.routing_model.store"):
        suggestions = suggest("Нет холодной воды в доме")

    assert suggestions[0].ministry == bodies["water"][0]
    assert f"version {broken.pk} cannot be loaded" in caplog.text
    assert f"version {trained.pk} stays in use" in caplog.text


def test_a_training_that_fails_says_why_and_leaves_the_model_in_use(bodies, trained):
    Appeal.objects.update(
        status=Appeal.Status.REJECTED, rejection_reason=Appeal.RejectionReason.SPAM
    )  # no history left

    with pytest.raises(CommandError, match="слишком мало для обучения"):
        call_command("train_routing")

    failed = RoutingModelVersion.objects.filter(status=Status.FAILED).get()
    assert failed.reason.startswith("0 обращений в истории — слишком мало для обучения")
    assert RoutingModelVersion.objects.get(status=Status.CURRENT) == trained


def test_before_any_training_there_are_no_suggestions_and_nothing_is_routed(bodies):
    appeal, _ = services.create_appeal(text="Яма на дороге", account=AccountFactory(), external_id="1")

    assert suggest(appeal) == []
    assert appeal.ministry is None
