"""Routing a new appeal: the municipality from the gazetteer, the ministry from the first rule."""

import pytest
from django.urls import reverse

from appeals import routing, services
from appeals.models import AppealEvent, Municipality, RoutingRule

from ..factories import AccountFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, name",
    [
        ("В Черногорске опять нет горячей воды", "Черногорск"),
        ("Жители Черногорска просят отремонтировать дорогу", "Черногорск"),
        ("г. Абакан, ул. Ленина, 45 — не горят фонари", "Абакан"),
        ("Когда в Абакане уберут снег?", "Абакан"),
        ("Пгт Усть-Абакан, улица Октябрьская, яма", "Усть-Абаканский"),
        ("Просим помочь жителям Аскизского района", "Аскизский"),
        ("в с. Аскиз закрыли клуб", "Аскизский"),
        ("Саяногорск, мкр. Заводской: мусор не вывозят", "Саяногорск"),
        ("В Абазе нет автобуса до больницы", "Абаза"),
        ("Сорск, котельная не работает", "Сорск"),
        ("Алтайский район, с. Белый Яр: нет связи", "Алтайский"),
        ("В Бейском районе размыло мост", "Бейский"),
        ("Боградский район, дорога разбита", "Боградский"),
        ("Копьёво: вода ржавая", "Орджоникидзевский"),
        ("Таштып — нет врача в поликлинике", "Таштыпский"),
        ("Ширинский район, озеро загрязнено", "Ширинский"),
    ],
)
def test_it_finds_the_municipality_in_any_case(text, name):
    assert routing.detect_municipality(text) == Municipality.objects.get(name=name).pk


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Нет воды третий день", "Алтайский край, Барнаул", "Сделайте дорогу шире"])
def test_it_finds_nothing_where_nothing_is_named(text):
    assert routing.detect_municipality(text) is None


@pytest.mark.django_db
class TestRules:
    def test_the_first_matching_rule_assigns_the_ministry_and_official(self, ministry_a, ministry_b, specialist_b):
        chernogorsk = Municipality.objects.get(name="Черногорск")
        RoutingRule.objects.create(
            position=1,
            name="Дороги Черногорска",
            municipality=chernogorsk,
            keywords="дорог, яма",
            ministry=ministry_b,
            official=specialist_b,
        )
        RoutingRule.objects.create(position=2, name="Всё о Черногорске", municipality=chernogorsk, ministry=ministry_a)
        appeal, _ = services.create_appeal(
            text="В Черногорске яма на дороге", account=AccountFactory(), external_id="1"
        )
        assert (appeal.municipality.name, appeal.ministry, appeal.assignee) == ("Черногорск", ministry_b, specialist_b)
        assigned = appeal.events.get(kind=AppealEvent.Kind.ASSIGNED)
        assert (assigned.actor, "Дороги Черногорска" in assigned.note) == (None, True)
        other, _ = services.create_appeal(text="В Черногорске нет воды", account=AccountFactory(), external_id="2")
        assert other.ministry == ministry_a

    def test_an_appeal_no_rule_matches_stays_with_the_operators(self, ministry_a):
        RoutingRule.objects.create(name="Экология", keywords="дым", ministry=ministry_a)
        appeal, _ = services.create_appeal(text="Нет воды", account=AccountFactory(), external_id="3")
        assert (appeal.ministry, appeal.status) == (None, "new")

    def test_an_inactive_rule_or_ministry_does_not_route(self, ministry_a):
        RoutingRule.objects.create(name="Выключено", keywords="вода", ministry=ministry_a, is_active=False)
        appeal, _ = services.create_appeal(text="вода", account=AccountFactory(), external_id="4")
        assert appeal.ministry is None

    def test_the_accounts_ministry_wins_over_rules(self, ministry_a, ministry_b):
        RoutingRule.objects.create(name="Всё", keywords="вода", ministry=ministry_b)
        group = AccountFactory(kind="ministry_group", ministry=ministry_a)
        appeal, _ = services.create_appeal(text="вода", account=group, external_id="5")
        assert appeal.ministry == ministry_a

    def test_a_rule_without_conditions_is_refused_in_the_admin(self, operator_client, ministry_a):
        response = operator_client.post(
            reverse("admin:appeals_routingrule_add"),
            {"position": 1, "name": "Пустое", "is_active": "on", "keywords": "", "ministry": ministry_a.pk},
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.non_field_errors()
        assert not RoutingRule.objects.exists()


@pytest.mark.django_db
def test_another_region_loads_its_own_gazetteer(tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "tuva.csv"
    path.write_text(
        'name,kind,patterns\nКызыл,city,"\\bкызыл\\w{0,3}\\b"\nЧадан,city,"\\bчадан\\w{0,3}\\b"\n', encoding="utf-8"
    )
    call_command("load_gazetteer", str(path), deactivate_others=True)
    assert "Loaded 2 municipalities" in capsys.readouterr().out
    assert routing.detect_municipality("В Кызыле нет воды") == Municipality.objects.get(name="Кызыл").pk
    assert not Municipality.objects.get(name="Абакан").is_active


@pytest.mark.django_db
def test_a_bad_pattern_is_refused_with_the_line(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.csv"
    path.write_text("name,kind,patterns\nКызыл,city,(кызыл\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2"):
        call_command("load_gazetteer", str(path))
    assert not Municipality.objects.filter(name="Кызыл").exists()


@pytest.mark.django_db
def test_a_new_appeal_gets_the_classifiers_topic_when_it_is_sure(settings, topics, ministry_b):
    settings.GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE = 0.8
    RoutingRule.objects.create(name="Дороги", topic=topics["roads_transport"], ministry=ministry_b)
    appeal, _ = services.create_appeal(
        text="На дороге огромная яма, асфальт разбит, машины бьют колёса, просим отремонтировать дорогу",
        account=AccountFactory(),
        external_id="r1",
    )
    assert (appeal.topic.code, appeal.topic_set_by) == ("roads_transport", "system")
    assert appeal.topic_confidence >= 0.8
    assert appeal.ministry == ministry_b  # the rule by topic then routed it
    topic_event = appeal.events.get(kind=AppealEvent.Kind.TOPIC_SET)
    assert topic_event.actor is None


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["👍👍👍", "https://vk.com/wall-1_2", "Hello, how are you?"])
def test_an_appeal_the_classifier_cannot_read_goes_to_triage(settings, text):
    settings.GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE = 0.8
    appeal, _ = services.create_appeal(text=text, account=AccountFactory(), external_id="x")
    assert (appeal.topic, appeal.topic_confidence, appeal.ministry) == (None, 0.0, None)
