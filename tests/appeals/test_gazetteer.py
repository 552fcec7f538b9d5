"""Where the problem is: the region's settlements and municipalities named in a text, in any
case, with ambiguous names left unknown (appeals.gazetteer, load_gazetteer, the routing)."""

import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from appeals import gazetteer, routing
from appeals.models import Municipality, Settlement
from demo import government as demo

DATA = Path(settings.BASE_DIR) / "data" / "gazetteers"
KHAKASSIA = DATA / "khakassia.csv"
KURSK = DATA / "kursk.csv"


@pytest.fixture(scope="module")
def khakassia():
    return gazetteer.Gazetteer.from_csv(KHAKASSIA)


@pytest.fixture(scope="module")
def kursk():
    return gazetteer.Gazetteer.from_csv(KURSK)


def municipality(text, places):
    found = gazetteer.detect(text, places)
    return found.municipality if found else None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("В Саралах третий день нет воды", "Орджоникидзевский"),
        ("с. Саралы, ул. Школьная: нет света", "Орджоникидзевский"),
        ("жители села Сарала просят автобус", "Орджоникидзевский"),
        ("Когда в Абакане уберут снег?", "Абакан"),
        ("Жителям Абакана обещали ремонт", "Абакан"),
        ("Просим помочь жителям Усть-Абаканского района", "Усть-Абаканский"),
        ("Усть-Абаканский р-н, дорога разбита", "Усть-Абаканский"),
        ("в Усть Абаканском районе нет связи", "Усть-Абаканский"),
        ("рп Усть-Абакан, яма на дороге", "Усть-Абаканский"),
        ("В Белом Яре закрыли аптеку", "Алтайский"),
        ("в Изыхских Копях закрыли школу", "Алтайский"),
        ("в аале Райков не вывозят мусор", "Усть-Абаканский"),
        ("в Большой Сее нет фельдшера", "Таштыпский"),
        ("на остановке в Копьёве", "Орджоникидзевский"),
        ("ТАШТЫП: нет врача", "Таштыпский"),
        ("в Черногорске нет горячей воды", "Черногорск"),
    ],
)
def test_it_finds_a_place_in_any_case(khakassia, text, name):
    assert municipality(text, khakassia) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Сон не идёт, соседи шумят", None),  # «Сон», Ширинский район: an ordinary word
        ("в селе Сон нет воды", "Ширинский"),
        ("Бея — это турецкий титул", None),  # «Бея», Бейский район: also «бей»
        ("с. Бея, ул. Ленина", "Бейский"),
        ("Жемчужный берег озера загрязнён", None),  # п. Жемчужный, Ширинский район
        ("п. Жемчужный: свалка у озера", "Ширинский"),
        ("Сделайте дорогу шире", None),  # «шире» is also a form of «Шира»
        ("с. Шира, нет освещения", "Ширинский"),
        ("ул. Калинина, 5: яма", None),  # a street, not с. Калинино
        ("поздравляем с Победой", None),
    ],
)
def test_an_ambiguous_name_counts_only_with_its_marker(khakassia, text, name):
    assert municipality(text, khakassia) == name


@pytest.mark.parametrize(
    "text",
    [
        "Москва, ул. Ленина, 5 — нет воды",
        "г. Красноярск, двор не убран",
        "Алтайский край, Барнаул",  # not «Алтайский район»
        "Нет воды третий день",
        "",
    ],
)
def test_a_text_without_a_place_of_the_region_has_no_municipality(khakassia, text):
    assert municipality(text, khakassia) is None


def test_places_of_several_municipalities(khakassia):
    assert municipality("В Черногорске и Абакане нет воды", khakassia) is None  # nothing to choose by
    assert municipality("Живу в Абакане, а дача в с. Калинино: дорога разбита", khakassia) == "Усть-Абаканский"
    assert municipality("Абакан, Черногорск, Саяногорск: Аскизский район не получает газ", khakassia) == "Аскизский"
    assert municipality("В Черногорске и Абакане, Боградский и Ширинский районы", khakassia) is None


def test_a_name_of_two_municipalities_waits_for_its_district():
    places = gazetteer.Gazetteer.from_rows(
        [
            {"name": "Курский", "kind": "муниципальный район", "municipality": ""},
            {"name": "Фатежский", "kind": "муниципальный район", "municipality": ""},
            {"name": "Ивановка", "kind": "деревня", "municipality": "Курский"},
            {"name": "Ивановка", "kind": "деревня", "municipality": "Фатежский"},
        ]
    )
    assert municipality("в д. Ивановка нет дороги", places) is None
    assert municipality("в д. Ивановка Курского района нет дороги", places) == "Курский"
    assert municipality("Фатежский р-н, Ивановка", places) == "Фатежский"


def test_oktmos_undotted_markers_name_a_settlement(kursk, khakassia):
    assert municipality("На каких улицах в п Кшенский появится освещение?", kursk) == "Советский"
    assert municipality("п Жемчужный: свалка у озера", khakassia) == "Ширинский"
    assert municipality("Жемчужный берег, п жемчужный", khakassia) is None  # a capitalised name only


# --- streets ----------------------------------------------------------------------------------------

# A region's streets as a gazetteer lists them: rows of a street's kind, each with its municipality.
STREETS = [
    {"name": "Курск", "kind": "городской округ", "municipality": ""},
    {"name": "Льгов", "kind": "городской округ", "municipality": ""},
    {"name": "Курский", "kind": "муниципальный район", "municipality": ""},
    {"name": "Анатолия Дериглазова", "kind": "проспект", "municipality": "Курск"},
    {"name": "Надежды Плевицкой", "kind": "проспект", "municipality": "Курск"},
    {"name": "Коллективная", "kind": "улица", "municipality": "Курск"},
    {"name": "3-я Песковская", "kind": "улица", "municipality": "Курск"},
    {"name": "Хуторской", "kind": "переулок", "municipality": "Курск"},
    {"name": "Литейная", "kind": "улица", "municipality": "Льгов"},
    {"name": "Шатохина", "kind": "улица", "municipality": "Льгов"},
    {"name": "Шатохина", "kind": "улица", "municipality": "Курск"},
    {"name": "Ленина", "kind": "улица", "municipality": "Курск"},
    {"name": "40 лет Октября", "kind": "улица", "municipality": "Льгов"},
    {"name": "Пржевальского", "kind": "улица", "municipality": "Льгов"},
    {"name": "Пржевальского", "kind": "улица", "municipality": "Курский"},
]


@pytest.fixture(scope="module")
def streets():
    return gazetteer.Gazetteer.from_rows(STREETS)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("На углу дома 51 по проспекту А. Дериглазова припаркован автомобиль", "Курск"),
        ("пр-т Дериглазова, 19: яма", "Курск"),
        ("проспект Надежды Плевицкой, 35 — нет знака", "Курск"),
        ("Нет освещения на улице Коллективная", "Курск"),
        ("по ул. Коллективной не убран снег", "Курск"),
        ("ремонт ул. 3-я Песковская", "Курск"),
        ("по 3-й Песковской улице течёт вода", "Курск"),
        ("пер. Хуторской, 4", "Курск"),
        ("в Хуторском переулке нет фонарей", "Курск"),
        ("освещение на ул.Литейной не работает", "Льгов"),
        ("на Литейной улице темно", "Льгов"),
        ("в 2021 г. обещали отремонтировать ул. Коллективная", "Курск"),  # a year, not a town
        ("ул. Шатохина, угол пр-та Дериглазова", "Курск"),  # Шатохина is Курск's too
    ],
)
def test_a_street_of_one_town_names_that_town(streets, text, name):
    assert municipality(text, streets) == name


@pytest.mark.parametrize(
    "text",
    [
        "ул. Шатохина, 3: яма",  # a street of Курск and of Льгов
        "ул. Ленина, 5: нет воды",  # in nearly every town, whatever the gazetteer lists
        "по ул. 40 лет Октября нет остановки",  # likewise
        "Коллективная работа жильцов",  # no street's marker
        "Школа имени Дериглазова",  # named after a person, not a street
        "г. Москва, ул. Коллективная",  # a town of another region
        "город Орёл, улица Литейная",
        "ул. Коллективная и ул. Литейная",  # streets of two towns
        "ул. Пржевальского, угол пр-та Дериглазова",  # Пржевальского is not Курск's
    ],
)
def test_a_street_that_does_not_tell_the_town_names_none(streets, text):
    assert municipality(text, streets) is None


def test_a_place_named_outweighs_a_street(streets):
    assert municipality("Льгов, ул. Коллективная, 3", streets) == "Льгов"
    assert municipality("Курский район, ул. Литейная", streets) == "Курский"


def test_the_forms_of_a_streets_name():
    assert {"коллективной", "коллективную"} <= set(gazetteer.street_forms("Коллективная"))
    assert {"3 песковская", "3 песковской"} <= set(gazetteer.street_forms("3-я Песковская"))
    assert {"хуторском", "хуторского"} <= set(gazetteer.street_forms("Хуторской"))
    assert {"анатолия дериглазова", "дериглазова"} <= set(gazetteer.street_forms("Анатолия Дериглазова"))
    assert set(gazetteer.street_forms("50 лет Октября")) == {"50 лет октября"}  # the number stays


@pytest.mark.django_db
def test_streets_load_with_the_settlements_and_route_as_from_the_file(tmp_path, streets):
    path = tmp_path / "streets.csv"
    rows = ["name,kind,municipality"] + [f"{row['name']},{row['kind']},{row['municipality']}" for row in STREETS]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    call_command("load_gazetteer", str(path), deactivate_others=True)
    routing.forget_gazetteer()
    assert Settlement.objects.get(name="Коллективная").kind == "улица"
    from_database = gazetteer.Gazetteer.from_database()
    assert (from_database.index, from_database.streets) == (streets.index, streets.streets)
    kursk = Municipality.objects.get(name="Курск").pk
    assert routing.detect_municipality("по проспекту А. Дериглазова яма") == kursk
    assert routing.detect_municipality("ул. Шатохина, 3") is None
    settlement = Settlement.objects.get(name="Литейная")
    settlement.save()  # an operator's edit keeps a street's forms
    assert "литейной" in settlement.forms.split("\n")


def test_the_region_roads_and_signs_are_not_a_place(kursk):
    assert municipality("Звонили в Курск обл водоканал", kursk) is None
    assert municipality("Трасса на Щигры разбита", kursk) is None
    assert municipality("Снимите с автобуса надпись “Курск”", kursk) is None
    assert municipality("г. Щигры, ул. Красная", kursk) == "Щигры"


@pytest.mark.parametrize(
    ("executor", "name"),
    [
        ("Администрация города Курска", "Курск"),
        ("Администрация Центрального округа города Курска", "Курск"),
        ("Администрация Курского района", "Курский"),
        ("Администрация г. Железногорска", "Железногорск"),
        ("Администрация Железногорского района", "Железногорский"),
        ("Администрация г. Обояни", "Обоянский"),
        ("Администрация города Льгов", "Льгов"),
        ("Комитет дорожного хозяйства города Курска", None),  # not an administration
    ],
)
def test_an_administrations_municipality(kursk, executor, name):
    assert gazetteer.detect_executor(executor, kursk) == name


def test_every_kursk_administration_of_the_development_set_has_its_municipality(kursk):
    executors = [
        "Администрация Беловского района",
        "Администрация Большесолдатского района",
        "Администрация Глушковского района",
        "Администрация Горшеченского района",
        "Администрация г. Дмитриева",
        "Администрация Золотухинского района",
        "Администрация Касторенского района",
        "Администрация Конышевского района",
        "Администрация Кореневского района",
        "Администрация Курчатовского района",
        "Администрация города Курчатова",
        "Администрация Льговского района",
        "Администрация Мантуровского района",
        "Администрация Медвенского района",
        "Администрация Обоянского района",
        "Администрация Октябрьского района",
        "Администрация Поныровского района",
        "Администрация Пристенского района",
        "Администрация города Рыльска",
        "Администрация Рыльского района",
        "Администрация Советского района",
        "Администрация Солнцевского района",
        "Администрация Суджанского района",
        "Администрация Тимского района",
        "Администрация Фатежского района",
        "Администрация Хомутовского района",
        "Администрация Щигровского района",
        "Администрация города Щигры",
        "Администрация Сеймского округа города Курска",
    ]
    assert [executor for executor in executors if gazetteer.detect_executor(executor, kursk) is None] == []


def test_the_forms_of_a_name():
    assert {"саралах", "саралами", "саралы"} <= set(gazetteer.forms("Саралы"))
    assert {"белого яра", "белом яре", "белым яром"} <= set(gazetteer.forms("Белый Яр"))
    assert {"усть-камыште", "усть камыште"} <= set(gazetteer.forms("Усть-Камышта"))
    assert {"вершине теи", "вершиной теи"} <= set(gazetteer.forms("Вершина Теи"))  # «Теи» stays
    assert {"большого солдатского", "большом солдатском"} <= set(gazetteer.forms("Большое Солдатское"))
    assert {"хомутовского", "хомутовском"} <= set(gazetteer.district_forms("Хомутовский"))


# --- the demo --------------------------------------------------------------------------------------


def test_the_demos_texts_find_their_municipality_where_they_name_a_place(khakassia):
    """Every demo template with every place: a text that names a settlement or its municipality
    finds that municipality and no other; a text that names neither (a street address alone) is
    left unknown, so the share of unknown municipalities is the share of texts naming no place."""
    settlements = {
        place for places in demo.PLACES.values() for place in places if not place.startswith(("ул.", "пр.", "мкр."))
    }
    wrong, unknown, no_place, total = [], 0, 0, 0
    for (name, places), templates in itertools.product(demo.PLACES.items(), demo.TOPIC_TEXTS.values()):
        for place, template in itertools.product(places, templates):
            text = template.format(place=place, city=name)
            names_a_place = place in settlements or "{city}" in template
            found = municipality(text, khakassia)
            total += 1
            no_place += not names_a_place
            unknown += found is None
            if names_a_place and found != name:
                wrong.append((text, found))
    assert wrong == []
    assert unknown <= no_place < total / 2


# --- the database: load_gazetteer and the routing ---------------------------------------------------


@pytest.mark.django_db
def test_loading_a_region_is_idempotent(capsys):
    call_command("load_gazetteer", str(KHAKASSIA))
    first = capsys.readouterr().out
    settlements = Settlement.objects.count()
    call_command("load_gazetteer", str(KHAKASSIA))
    assert "0 added, 0 changed, 0 removed" in capsys.readouterr().out
    assert "Loaded 13 municipalities" in first and f"{settlements} settlements" in first
    assert Settlement.objects.count() == settlements
    assert Settlement.objects.get(name="Сарала").municipality.name == "Орджоникидзевский"
    assert Municipality.objects.count() == 13  # the migration's, updated in place


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,kind\nАбакан,город\n", "columns name, kind"),
        ("name,kind,municipality\nСарала,село,\n", "needs its municipality"),
        ("name,kind,municipality\nСарала,село,Орджоникидзевский\n", "add one with kind «муниципальный район»"),
        ("name,kind,patterns\nКызыл,city,(кызыл\n", "Line 2"),
        (
            "name,kind,municipality\nТаштыпский,муниципальный район,\nАнчул,село,Таштыпский\nАнчул,село,Таштыпский\n",
            "listed twice",
        ),
    ],
)
def test_a_file_that_cannot_be_loaded_says_what_to_fix(tmp_path, content, message):
    path = tmp_path / "region.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_gazetteer", str(path))
    assert not Settlement.objects.exists()


@pytest.mark.django_db
def test_a_file_in_another_encoding_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "region.csv"
    path.write_bytes("name,kind\nАбакан,городской округ\n".encode("cp1251"))
    with pytest.raises(CommandError, match="save it as UTF-8"):
        call_command("load_gazetteer", str(path))


@pytest.mark.django_db
def test_a_missing_file_is_named():
    with pytest.raises(CommandError, match=r"nowhere\.csv does not exist"):
        call_command("load_gazetteer", "nowhere.csv")


@pytest.mark.django_db
def test_the_database_path_answers_as_the_csv_path(kursk):
    """The routing (the Municipality and Settlement tables loaded from the file) answers what the
    file-only gazetteer answers, for every text and every executor used above."""
    call_command("load_gazetteer", str(KURSK), deactivate_others=True)
    routing.forget_gazetteer()
    from_database = gazetteer.Gazetteer.from_database()
    assert (from_database.index, from_database.common, from_database.streets) == (
        kursk.index,
        kursk.common,
        kursk.streets,
    )
    texts = [
        "в д. Ивановка Курского района нет дороги",
        "г. Щигры, ул. Красная",
        "Администрация г. Обояни",
        "Курск обл водоканал",
        "в Курске и Льгове",
        "п. Кшенский, ул. Пролетарская, 5",
        "Нет воды",
    ]
    for text in texts:
        found = gazetteer.detect(text, kursk)
        expected = Municipality.objects.get(name=found.municipality).pk if found else None
        assert routing.detect_municipality(text) == expected, text


@pytest.mark.django_db
def test_a_new_appeal_gets_the_municipality_of_the_village_it_names():
    from appeals import services

    from ..factories import AccountFactory

    call_command("load_gazetteer", str(KHAKASSIA))
    appeal, _ = services.create_appeal(text="В Саралах нет воды", account=AccountFactory(), external_id="gz1")
    assert appeal.municipality.name == "Орджоникидзевский"


@pytest.mark.django_db
def test_an_operator_sees_and_edits_the_settlements(operator_client, django_assert_num_queries):
    from django.urls import reverse

    call_command("load_gazetteer", str(KHAKASSIA))
    # session, user, the user's and the group's permissions, the operator's scope, the municipality
    # filter's choices, the count, the page of settlements with their municipalities, the header's
    # notifications
    with django_assert_num_queries(9):
        response = operator_client.get(reverse("admin:appeals_settlement_changelist"))
    assert response.status_code == 200
    assert "Сарала" in response.text
    settlement = Settlement.objects.get(name="Сарала")
    response = operator_client.post(
        reverse("admin:appeals_settlement_change", args=[settlement.pk]),
        {"name": "Сарала", "kind": "село", "municipality": settlement.municipality_id, "oktmo": "95620440"},
    )
    assert response.status_code == 302
    settlement.refresh_from_db()
    assert "саралой" in settlement.forms.split("\n")


# --- from Rosstat's OKTMO ----------------------------------------------------------------------------

# Records in the format of Rosstat's OKTMO open data (data-…-structure-20150128.csv).
OKTMO_SAMPLE = """\
"95";"000";"000";"000";"7";"1";"Муниципальные образования Республики Хакасия";;;"000";"0";14.06.2013;01.01.2014
"95";"600";"000";"000";"3";"1";"Муниципальные районы Республики Хакасия";;;"000";"0";14.06.2013;01.01.2014
"95";"620";"000";"000";"0";"1";"Орджоникидзевский муниципальный район";"п Копьево";;"000";"0";14.06.2013;01.01.2014
"95";"620";"440";"000";"9";"1";"Саралинский сельсовет";"с Сарала";;"000";"0";14.06.2013;01.01.2014
"95";"620";"440";"000";"9";"2";"Населенные пункты сельсовета";;;"000";"0";14.06.2013;01.01.2014
"95";"620";"440";"101";"8";"2";"с Сарала";;;"000";"0";14.06.2013;01.01.2014
"95";"620";"440";"106";"2";"2";"д Старая Сарала";;;"000";"1";14.06.2013;01.01.2014
"95";"700";"000";"000";"1";"1";"Городские округа Республики Хакасия/";;;"000";"0";14.06.2013;01.01.2014
"95";"701";"000";"000";"6";"1";"город Абакан";"г Абакан";;"000";"0";14.06.2013;01.01.2014
"95";"701";"000";"001";"5";"2";"г Абакан";;;"000";"0";14.06.2013;01.01.2014
"38";"701";"000";"000";"6";"1";"город Курск";"г Курск";;"000";"0";14.06.2013;01.01.2014
"""


@pytest.mark.django_db
def test_a_regions_gazetteer_from_rosstats_oktmo(tmp_path, capsys):
    source = tmp_path / "data-20240101-structure-20150128.csv"
    source.write_bytes(OKTMO_SAMPLE.encode("cp1251"))  # as Rosstat publishes it
    target = tmp_path / "khakassia.csv"
    call_command("oktmo_gazetteer", str(source), region="95", output=str(target))
    assert "2 municipalities and 2 settlements" in capsys.readouterr().err
    rows = [(row["name"], row["kind"], row["municipality"], row["oktmo"]) for row in gazetteer.read_csv(target)]
    assert rows == [
        ("Орджоникидзевский", "муниципальный район", "Орджоникидзевский", "95620000"),
        ("Абакан", "городской округ", "Абакан", "95701000"),
        ("Сарала", "село", "Орджоникидзевский", "95620440101"),  # «Старая Сарала» was annulled
        ("Абакан", "город", "Абакан", "95701000001"),
    ]
    call_command("load_gazetteer", str(target))
    assert routing.detect_municipality("В Сарале нет воды") == Municipality.objects.get(name="Орджоникидзевский").pk


def test_a_region_missing_from_the_file_is_named(tmp_path):
    source = tmp_path / "oktmo.csv"
    source.write_text(OKTMO_SAMPLE, encoding="utf-8")
    with pytest.raises(CommandError, match="No municipality of region '46'"):
        call_command("oktmo_gazetteer", str(source), region="46")
