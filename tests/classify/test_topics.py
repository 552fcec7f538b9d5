"""What an operator sees of the classifier: the topic of an appeal and how sure it is."""

import time

import pytest

from appeals.classifier import classify, classify_many, lemmas

# Invented appeals, one obvious case of each topic (not from any real data set).
OBVIOUS = [
    (
        "Третью неделю в подъезде не работает отопление, батареи холодные, управляющая компания молчит",
        "housing_utilities_landscaping",
    ),
    ("Во дворе дома нет горячей воды уже пять дней, УК ничего не делает", "housing_utilities_landscaping"),
    ("Мусорные контейнеры переполнены, мусор не вывозят уже неделю", "waste_reform"),
    ("Возле гаражей образовалась несанкционированная свалка бытовых отходов", "waste_reform"),
    ("На дороге огромные ямы, асфальт разбит, машины ломают подвеску", "roads_transport"),
    ("Автобус по маршруту ходит раз в час, люди мёрзнут на остановке", "roads_transport"),
    ("Завод по ночам выбрасывает едкий дым, стоит невыносимый запах, дышать нечем", "ecology"),
    ("Не могу записаться к врачу в поликлинике, талонов нет уже месяц", "other"),
    ("Не пришла выплата пособия на ребёнка, в соцзащите не могут объяснить причину", "other"),
]


@pytest.mark.parametrize(("text", "topic"), OBVIOUS)
def test_it_classifies_obvious_appeals_with_high_confidence(text, topic):
    code, confidence = classify(text)
    assert code == topic
    assert confidence >= 0.8


def test_it_reads_appeals_as_people_write_them():
    html = "<p>Во дворе <b>мусорные контейнеры</b> переполнены,&nbsp;мусор не вывозят!!!</p><br>"
    typos = "на дароге ямыыы асфальт весь разбит ездить невазможно"
    shouting = "ВО ДВОРЕ НЕ РАБОТАЕТ ОТОПЛЕНИЕ БАТАРЕИ ХОЛОДНЫЕ УПРАВЛЯЮЩАЯ КОМПАНИЯ НЕ ОТВЕЧАЕТ"
    latin_letters = "мусoр нe вывoзят, кoнтeйнeры пeрeпoлнeны"  # Latin "o" and "e" among the Cyrillic
    title_case = "Здравствуйте, Опять Не Вывозят Мусор, Контейнеры Переполнены"
    assert classify(html)[0] == "waste_reform"
    assert classify(typos)[0] == "roads_transport"
    assert classify(shouting)[0] == "housing_utilities_landscaping"
    assert classify(latin_letters)[0] == "waste_reform"
    assert classify(title_case)[0] == "waste_reform"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "😡😡😡👍",
        "https://vk.com/wall-1_2",
        "Please fix the road near my house",
        "12345 678",
        "ааааааа",
        None,
    ],
)
def test_it_gives_other_with_no_confidence_when_there_is_nothing_to_read(text):
    assert classify(text) == ("other", 0.0)


def test_a_lone_word_is_not_trusted():
    for text in ["привет", "спасибо", "помогите"]:
        _, confidence = classify(text)
        assert confidence < 0.8  # below the default threshold: operators triage it


def test_a_batch_gets_the_same_answers_as_one_by_one():
    texts = [text for text, _ in OBVIOUS] + ["", "🙂"]
    assert classify_many(texts) == [classify(text) for text in texts]
    assert classify_many([]) == []


def test_it_ignores_names_and_addresses():
    plain = "Мусор не вывозят уже неделю, контейнеры переполнены"
    with_address = (
        "Иванова Мария Петровна, г. Курск, ул. Урицкого, д. 22: мусор не вывозят уже неделю, контейнеры переполнены"
    )
    found = lemmas(with_address)
    assert not {"иванов", "иванова", "мария", "петрович", "петровна", "курск", "урицкий"} & set(found)
    assert classify(with_address)[0] == classify(plain)[0] == "waste_reform"


def test_it_classifies_a_thousand_appeals_a_second_on_one_core():
    texts = [f"{text} (обращение {i})" for i in range(50) for text, _ in OBVIOUS]
    classify(texts[0])  # the model and the dictionary load once
    started = time.process_time()  # this process's CPU time: other work on the machine does not count
    classify_many(texts)
    # About 2,000 a second on a core of the development machine, once its words have been seen.
    assert len(texts) / (time.process_time() - started) > 1000
