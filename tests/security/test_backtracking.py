"""No pattern run on citizens' text backtracks (security audit, item 2).

Every function that runs a pattern on an appeal's text — the classifier's cleaning, words and
prediction, the gazetteer's municipality detection, the duplicates' comparison — gets hostile text
at the platforms' longest (a VK post: 16,384 characters; a VK comment or a Telegram message: 4,096)
in a separate Python process, which must answer each call within ``BUDGET`` seconds. The budget is
not a speed target: it is far above what a call takes (milliseconds), a guard against catastrophic
backtracking only, where the patterns these replaced took from seconds to hours on the same text
(``\\S+@\\S+\\.\\w+`` is cubic in a run of "@", Python's ``re`` exponential on an operator's ``(а+)+б``).
A process is the only honest timeout: a thread cannot stop a regular expression that is running.
"""

import json
import os
import re
import select
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from appeals import classifier as classify
from appeals import duplicates, patterns, routing
from appeals.models import Municipality

BUDGET = 5.0  # seconds for one call: see the docstring
STARTUP = 120.0  # seconds to start Django and load the dictionary and the model, before any call

VK_POST = 16_384
TELEGRAM_MESSAGE = 4_096


def repeated(unit: str, length: int = VK_POST) -> str:
    return (unit * (length // len(unit) + 1))[:length]


HOSTILE = {
    "@": repeated("@"),
    "<": repeated("<"),
    "a@": repeated("a@"),
    "а@": repeated("а@"),
    "a.a@": repeated("a.a@"),
    "www.": repeated("www."),
    "http://": repeated("http://"),
    "https://x": repeated("https://x"),
    "&": repeated("&"),
    "one letter": repeated("а"),
    "one Latin letter": repeated("a"),
    "two letters": repeated("аб"),
    "words and spaces": repeated("а "),
    "mixed": repeated("<a@www.аб@<<&amp;"),
    "telegram @": repeated("@", TELEGRAM_MESSAGE),
    "telegram a@": repeated("a@", TELEGRAM_MESSAGE),
    # Against the gazetteer: its stems again and again, with the endings it excludes, and hyphens.
    "stems": repeated("абаканск"),
    "stems and endings": repeated("черногорском саяногорский "),
    "hyphens": repeated("усть-абакан-"),
    "settlements": repeated("с. с. бея"),
    "names and markers": repeated("в с. Белом Яре, ул. Калинина, Усть-Абаканского р-на "),
    "hyphenated words": repeated("усть-абакан-1-е-"),
    "named": repeated("в Абакане и Черногорске "),
    # Against its streets: markers, initials and street nouns again and again.
    "street markers": repeated("ул. им. А. Б. "),
    "streets": repeated("на Литейной улице, ул. Литейная "),
    "towns and streets": repeated("г. Абакан ул. г "),
}

# The child process: Django, the dictionary, the model and the gazetteer's patterns loaded, then
# one line of JSON for each call, as soon as it is answered.
CHILD = """
import json, sys
import django
django.setup()
from appeals import classifier as classify, duplicates, gazetteer as places, patterns, routing
spec = json.load(open(sys.argv[1], encoding="utf-8"))
khakassia = places.Gazetteer.from_csv("data/gazetteers/khakassia.csv")
khakassia.add_street("Литейная", "Абакан", places.street_forms("Литейная"))  # the streets' path too
classify.load_dictionary()
classify.get_classifier()
gazetteer = [(pk, patterns.compile_pattern(line)) for pk, line in spec["gazetteer"]]
functions = {
    "clean": classify.clean,
    "tokens": classify.tokens,
    "classify": classify.classify,
    "municipality": lambda text: routing.first_named(text, gazetteer),
    "place": lambda text: (found := places.detect(text, khakassia)) and found.municipality,
    "similarity": lambda text: duplicates.similarity(text, text),
}
print("ready", flush=True)
for function, text in spec["calls"]:
    print(json.dumps(functions[function](text)), flush=True)
"""


def answers(tmp_path, calls: list[tuple[str, str]], gazetteer: list[tuple[int, str]] = ()) -> list:
    """What a fresh process answers to each (function, text) call; fails if a call takes over BUDGET."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"calls": calls, "gazetteer": list(gazetteer)}), encoding="utf-8")
    errors = tmp_path / "stderr.txt"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govfeedback.settings"}
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(spec)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    lines = Lines(child.stdout)
    try:
        assert lines.next(STARTUP) == "ready", errors.read_text()[-2000:]
        found = []
        for function, text in calls:
            line = lines.next(BUDGET)
            assert line is not None, (
                f"{function}() on {text[:24]!r}… ({len(text)} characters) took over {BUDGET} s "
                f"or failed: {errors.read_text()[-2000:]}"
            )
            found.append(json.loads(line))
        return found
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


class Lines:
    """A child's output, one line at a time, each waited for at most a given time."""

    def __init__(self, stream):
        self.fd, self.buffer = stream.fileno(), b""

    def next(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:  # the process ended
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()


def gazetteer_lines() -> list[tuple[int, str]]:
    return [
        (municipality.pk, line)
        for municipality in Municipality.objects.all()
        for line in municipality.patterns.splitlines()
        if line.strip()
    ]


# --- the classifier ------------------------------------------------------------------------------


def test_it_cleans_splits_and_classifies_hostile_text_without_backtracking(tmp_path):
    calls = [(function, text) for text in HOSTILE.values() for function in ("clean", "tokens", "classify")]
    found = dict(zip(calls, answers(tmp_path, calls), strict=True))
    assert found["classify", HOSTILE["@"]] == ["other", 0.0]
    assert found["tokens", HOSTILE["<"]] == []
    assert found["clean", HOSTILE["a@"]] == HOSTILE["a@"]  # no "." after an "@": no address
    assert found["clean", HOSTILE["www."]] == " ."  # one link, to its last letter


def test_it_cleans_any_length_without_backtracking(tmp_path):
    # clean() alone reads all it is given (the classifier reads only READ_CHARS of it): a run of "<"
    # long enough that a pattern reading it again from each "<" would take far over the budget.
    calls = [("clean", "<" * 262_144), ("clean", "@" * 262_144), ("clean", "a@" * 131_072)]
    assert [len(text) for text in answers(tmp_path, calls)] == [262_144, 262_144, 262_144]


def test_it_reads_only_the_beginning_of_a_long_text():
    text = "Яма на дороге. " + repeated("и ", classify.READ_CHARS) + ", мусор не вывозят"
    assert "яма" in classify.lemmas(text) and "мусор" not in classify.lemmas(text)
    assert "мусор" in classify.lemmas(text[-100:])
    assert classify.READ_CHARS >= TELEGRAM_MESSAGE  # a message or a comment is read whole


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Пишите: ivan@mail.ru, сайт www.site.ru/page.", "Пишите:  , сайт  ."),
        ("(пишите:ivan.petrov@mail.ru) спасибо", " ) спасибо"),
        ("Почта: Иван.Петров@mail.ru!", "Почта:  !"),
        ("<p>Во дворе <b>мусор</b></p>", " Во дворе  мусор  "),
        ("см. http://x.ru/a?b=1, и https://vk.com/wall-1_2.", "см.  , и  ."),
        ("WWW.SITE.RU, ответьте", " , ответьте"),
    ],
)
def test_it_cleans_ordinary_text_as_before(text, clean):
    assert classify.clean(text) == clean


def test_it_squeezes_repeated_letters_without_a_backreference():
    assert [word for word, _ in classify.tokens("ммммусор нне вывозяяят!!!")] == ["мусор", "нне", "вывозят"]


# --- the duplicates -----------------------------------------------------------------------------


def test_it_compares_hostile_texts_for_duplicates_without_backtracking(tmp_path):
    # Its pattern is one character class repeated: linear, and checked here all the same.
    found = answers(tmp_path, [("similarity", text) for text in HOSTILE.values()])
    assert found[list(HOSTILE).index("@")] == duplicates.similarity(HOSTILE["@"], HOSTILE["@"]) == 0.0
    assert found[list(HOSTILE).index("named")] == 1.0


# --- the gazetteer -------------------------------------------------------------------------------


def first_named_by_pythons_re(text: str, gazetteer: list[tuple[int, str]]) -> int | None:
    """What detection answered on Python's re (fast with the migration's patterns, not with any)."""
    found = [(match.start(), pk) for pk, line in gazetteer if (match := re.search(line, text, re.IGNORECASE))]
    return min(found)[1] if found else None


@pytest.mark.django_db
def test_it_detects_municipalities_in_hostile_text_without_backtracking_as_before(tmp_path):
    gazetteer = gazetteer_lines()
    assert len(gazetteer) >= 13  # the migration's Khakassia
    calls = [("municipality", text) for text in HOSTILE.values()]
    found = dict(zip(HOSTILE, answers(tmp_path, calls, gazetteer), strict=True))
    assert found == {name: first_named_by_pythons_re(text, gazetteer) for name, text in HOSTILE.items()}
    assert (found["@"], found["stems"], found["stems and endings"]) == (None, None, None)  # "Абаканск…", "…ском"
    assert (found["hyphens"], found["named"]) == tuple(
        Municipality.objects.get(name=name).pk for name in ("Усть-Абаканский", "Абакан")
    )


def test_it_finds_the_places_in_hostile_text_without_backtracking(tmp_path):
    # appeals.gazetteer: the text's words (one pattern, each repetition after a hyphen) looked up.
    found = dict(zip(HOSTILE, answers(tmp_path, [("place", text) for text in HOSTILE.values()]), strict=True))
    assert found["names and markers"] == "Усть-Абаканский"  # the district named, over the village (Алтайский)
    assert found["@"] is None
    assert found["streets"] == "Абакан"  # a street of one town (added to the file's places above)


def test_it_runs_an_operators_nested_repetition_in_linear_time(tmp_path):
    # Valid, and exponential in a run of "а" under Python's re: any "а" may end a repetition.
    hostile = [(1, r"(?:а+)+б"), (2, r"(?:а|аа)+в"), (3, r"(\w+\s?)+!"), (4, r"^(\w+)*!")]
    for pk, line in hostile:
        Municipality(name=f"M{pk}", kind="city", patterns=line).clean()  # accepted: RE2 runs them
    calls = [("municipality", repeated("а")), ("municipality", repeated("а", TELEGRAM_MESSAGE))]
    assert answers(tmp_path, calls, hostile) == [None, None]


@pytest.mark.django_db
def test_it_finds_the_municipalities_in_hostile_text_as_before():
    """The same answers in process (detect_municipality, the cache) as in the child above."""
    chernogorsk = Municipality.objects.get(name="Черногорск").pk
    assert routing.detect_municipality(HOSTILE["@"] + " в Черногорске") == chernogorsk
    assert routing.detect_municipality(HOSTILE["stems"] + " Черногорск") == chernogorsk
    assert routing.detect_municipality(HOSTILE["hyphens"]) == Municipality.objects.get(name="Усть-Абаканский").pk


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (r"(черногорск)\w*\1", "backreference"),
        (r"(?P<stem>абакан)(?P=stem)", "backreference"),
        (r"абакан(?=ский)", "lookahead or lookbehind"),
        (r"(?<=г\. )абакан", "lookahead or lookbehind"),
        (r"абакан\b.*", "\\b and \\B"),
        (r"абакан*+", "possessive"),
        (r"а{1001}", "repetition"),
    ],
)
def test_it_refuses_a_pattern_re2_cannot_run_with_a_clear_message(line, reason):
    municipality = Municipality(name="Кызыл", kind="city", patterns=f"\\bкызыл\\w{{0,3}}\\b\n{line}")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        municipality.clean()
    (message,) = refused.value.message_dict["patterns"]
    assert line in message and reason in message
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        municipality.clean()
    assert refused.value.message_dict["patterns"][0].startswith("Некорректное регулярное выражение: ")


@pytest.mark.django_db
def test_the_loader_refuses_a_backreference_with_the_line(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.csv"
    path.write_text("name,kind,patterns\nКызыл,city,\\bкызыл\\w{0,3}\\b\nЧадан,city,(чадан)\\1\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Line 3: '\(чадан\)\\\\1' .*\\1"):
        call_command("load_gazetteer", str(path))
    assert not Municipality.objects.filter(name__in=["Кызыл", "Чадан"]).exists()


@pytest.mark.django_db
def test_it_accepts_the_migrations_patterns():
    for municipality in Municipality.objects.all():
        municipality.full_clean()


@pytest.mark.parametrize(
    ("line", "text", "start"),
    [
        # \w, \d and \s of any alphabet, as in Python (RE2's own are ASCII), in any case.
        (r"\bкызыл\w{0,3}\b", "Жители КЫЗЫЛА", 7),
        (r"\bкызыл\w{0,3}\b", "кызылский", None),
        (r"дом\s+\d+", "дом\u00a0٣", 0),
        # One character that must, or must not, come before the start or after the end.
        (r"(?<![\w-])абакан(?!ск)\w{0,3}\b", "Усть-Абакан, Абаканский, Абакане", 25),
        (r"\bчерногорск(?!ий|ого|ому|ом\b)\w{0,3}\b", "черногорском черногорскому черногорске", 27),
        (r"ширинск\w{0,3}(?!\w)", "ширинскийрайон ширинский", 15),
        # \b inside, where the pattern gives the characters on both sides.
        (r"\bбелый\b\s+яр\b", "Белыйяр, Белый  Яр", 9),
        (r"абакан\bский", "абаканский абакан ский", None),
        (r"(?<=\s)бея", "с.бея, с. бея", 10),
        # Alternatives, each with its own edges: the first match of any.
        (r"\bс\.\s*шира\b|\bжемчужн\w{0,3}\b", "Сделайте дорогу шире, у с. Шира", 24),
        (r"\bс\.\s*шира\b|\bжемчужн\w{0,3}\b", "Сделайте дорогу шире, оз. Жемчужное у с. Шира", 26),
    ],
)
def test_it_matches_where_pythons_re_matched(line, text, start):
    found = patterns.compile_pattern(line).find(text.encode())
    assert (None if found is None else len(text.encode()[:found].decode())) == start
    assert getattr(re.search(line, text, re.IGNORECASE), "start", lambda: None)() == start


def test_its_letters_digits_and_spaces_are_those_of_any_alphabet_as_in_python():
    # RE2's own \w, \d, \s and \b are ASCII: a Cyrillic word would have no \b at all.
    characters = [chr(code) for code in range(0x3001) if code != 0x345]  # U+0345 is a Greek letter to RE2's folding
    for line in (r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"[^\w-]"):
        pattern, python = patterns.compile_pattern(line), re.compile(line, re.IGNORECASE)
        assert [c for c in characters if (pattern.find(c.encode()) == 0) != bool(python.match(c))] == [], line
