"""Where an appeal is about: the region's settlements and municipalities named in a text, in any
grammatical case («в Саралах», «с. Саралы», «Абакане», «Усть-Абаканского района»).

How to call it, with or without the database::

    from appeals import gazetteer

    places = gazetteer.Gazetteer.from_csv("data/gazetteers/kursk.csv")  # no database needed
    found = gazetteer.detect("В д. Ивановка Курского района нет света", places)
    found.municipality  # "Курский" (None when nothing is found: ``detect`` returns None)
    gazetteer.detect_executor("Администрация г. Железногорска", places)  # "Железногорск"

The back office calls the same ``detect`` on ``Gazetteer.from_database()`` (the Municipality and
Settlement tables, which ``manage.py load_gazetteer`` fills from the same CSV):
``routing.detect_municipality``.

How it works, in time linear in the text: every settlement's and municipality's name is declined
once, when the gazetteer is built (``forms``), into a dictionary from the words of each form to the
places it names; the text's words are looked up in it, the longest name first. Precision first:

- a form that is also an ordinary word, a first name or a surname («Победа», «Бея», «Сон»,
  «Калинина») counts only after a settlement's marker («с.», «д.», «пос.», «в селе», «аал», …);
  any name after a street's marker («ул. Победы», «проспект Калинина») does not count;
- a district counts when the word «район» (or «р-н», «муниципальный округ») follows its adjective
  («Усть-Абаканского района»); the adjective alone («курские дороги») does not;
- a name shared by settlements of several municipalities counts only when one of them is named in
  the same text; otherwise it is left unknown;
- when the text names places of several municipalities, the answer is the district named
  explicitly, else the first place named with a marker, else unknown;
- a street («ул. Дериглазова», «на Литейной улице») counts only when the text names no place at
  all, only next to a street's marker, only when the gazetteer lists it in exactly one
  municipality, never for the names found in nearly every Russian town («Ленина», «Советская»,
  «40 лет Октября»: ``UBIQUITOUS_STREETS``), and never when the text names a town the gazetteer
  does not know («г. Москва, ул. …»). A street is a row of the CSV whose kind is a street's
  («улица», «проспект», …: ``STREET_KINDS``), with its municipality.

The operators' own patterns (``Municipality.patterns``, on RE2) count as a name of the municipality.
"""

from __future__ import annotations

import bisect
import csv as csvlib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path

logger = logging.getLogger(__name__)


def normal(word: str) -> str:
    """A word as the gazetteer keeps it: lower case, "ё" as "е"."""
    return word.lower().replace("ё", "е")


def _words(text: str) -> frozenset[str]:
    return frozenset(normal(text).split())


# Kinds of the municipalities themselves in a gazetteer's CSV (OKTMO's words), and what the
# Municipality model calls them.
MUNICIPAL_KINDS = {
    "городской округ": "city",
    "муниципальный район": "district",
    "муниципальный округ": "district",
    "city": "city",
    "district": "district",
}
COLUMNS = ("name", "kind")  # required; "municipality" (for a settlement), "oktmo", "fias_id", "patterns" optional

# Words (lower case, "ё" as "е") that say the next name is a settlement; the one-letter
# abbreviations count only with their full stop ("с. Саралы", not "с Победой").
SETTLEMENT_MARKERS = _words(
    """
    село села селе селу селом сёла деревня деревни деревне деревню деревней дер поселок посёлок поселка
    поселке поселку поселком пос пгт рп аал аала аале аалу аалом хутор хутора хуторе хут слобода слободы
    слободе слободу сл город города городе городу городом гор станица станицы станице ст
    """
)
DOTTED_MARKERS = _words("с д п г х")
# …but «п» and «д» count without it too, before a capitalised name, as OKTMO writes them («п Кшенский»).
UNDOTTED_MARKERS = _words("п д")
# Words after which a name is a street's («ул. Победы», «проспект Ленина»), not a place's.
STREET_MARKERS = _words(
    """
    ул улица улицы улице улицу улицей пр пр-т пр-кт просп проспект проспекта проспекте пер переулок
    переулка переулке б-р бульвар бульвара бульваре ш шоссе пл площадь площади проезд проезда тупик
    наб набережная набережной мкр микрорайон микрорайона микрорайоне им имени остановка остановке
    """
)
# A street's kind in a gazetteer's CSV: FIAS' words and abbreviations (not «микрорайон» or
# «квартал»: OKTMO has settlements of those kinds).
STREET_KINDS = _words(
    """
    улица ул аллея площадь пл набережная наб линия проспект пр-кт пр-т переулок пер проезд бульвар б-р тупик
    туп тракт шоссе ш
    """
)
# The street's own noun after its name («на Литейной улице», «Хуторской переулок»).
STREET_NOUNS = _words(
    """
    улица улицы улице улицу улицей проспект проспекта проспекте проспекту переулок переулка переулке
    переулку проезд проезда проезде бульвар бульвара бульваре шоссе площадь площади набережная набережной
    """
)
# More forms of the street words (a place's name after them does not count either).
STREET_MARKERS |= STREET_NOUNS | _words(
    """
    улиц улицам улицах улицами проспекту проспектом проспекты переулку переулком переулки проезду проездом
    бульвару бульваром площадью площадям набережной набережную микрорайону микрорайоном
    пр-та пр-ту пр-те пр-кта пр-кту пр-кте
    """
)
NAMED_AFTER = _words("им имени")
# Street names found in nearly every Russian town: never a sign of one municipality, whatever the
# gazetteer lists (most of a region's villages have no street list of their own to compare with).
UBIQUITOUS_STREETS = frozenset(
    " ".join(normal(name).split())
    for name in """
    Ленина, Советская, Мира, Молодёжная, Школьная, Садовая, Центральная, Лесная, Набережная, Новая,
    Заречная, Зелёная, Полевая, Луговая, Октябрьская, Комсомольская, Первомайская, Пионерская, Гагарина,
    Пушкина, Кирова, Калинина, Карла Маркса, Маркса, Энгельса, Фридриха Энгельса, Горького, Максима Горького,
    Чапаева, Мичурина, Строителей, Победы, Юбилейная, Рабочая, Колхозная, Почтовая, Северная, Южная,
    Восточная, Западная, Степная, Солнечная, Московская, Пролетарская, Красная, Свободы, Луначарского,
    Лермонтова, Гоголя, Некрасова, Чехова, Толстого, Льва Толстого, Суворова, Кутузова, Фрунзе, Чкалова,
    Дзержинского, Маяковского, Ломоносова, Крупской, Шевченко, Свердлова, Куйбышева, Матросова,
    Жукова, Королёва, Титова, Космонавтов, Железнодорожная, Вокзальная, Заводская, Промышленная, Спортивная,
    Парковая, Нагорная, Подгорная, Береговая, Речная, Озёрная, Дачная, Трудовая, Кооперативная,
    Интернациональная, Партизанская, Коммунистическая, Социалистическая, Красноармейская, Дружбы, Песчаная,
    Цветочная, Весенняя, Светлая, Тихая, Родниковая, Ключевая, Сосновая, Берёзовая, Вишнёвая, Яблоневая,
    Полевой, Садовый, Школьный, Лесной, Новый, Центральный, Зелёный, Молодёжный, Почтовый, Октябрьский,
    Советский, Комсомольский, Пионерский, Колхозный, Речной, Северный, Южный, Мирный, Луговой
    """.replace("\n", " ").split(",")
    if name.strip()
)
# «40 лет Октября», «8 Марта», «9 Мая», «50 лет ВЛКСМ»: in nearly every town too.
_DATED_STREET = re.compile(
    r"\d+ (?:лет|летия|год|года|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)\b"
)
# Before a name: a town («г. Москва, ул. …»); one the gazetteer does not know turns the streets off.
TOWN_MARKERS = _words("г гор город города городе городу городом")
LONGEST_STREET = 4  # words

# What may follow a district's adjective.
DISTRICT_WORDS = _words(
    "район района району районом районе р-н р-на р-ну р-ном р-не округ округа округу округом округе"
)
MUNICIPAL_WORDS = _words("муниципальный муниципального муниципальному муниципальным муниципальном")
# After a name: the region («Курск обл.»), not the city.
REGION_WORDS = _words("обл область области областью край края крае")
QUOTES = frozenset("\"'«»“”„`")
# Before a name without a marker: a direction or a route, not the place itself («трасса на Щигры»).
DIRECTION_WORDS = _words("на до через трасса трассе трассы трассу направлении сторону маршрут маршруту")
LONGEST_NAME = 4  # words

# Words: letters and digits, hyphens inside ("усть-абакан", "1-е"). Linear: each repetition of
# the group starts with a hyphen, so nothing is read twice.
WORD = re.compile(r"\w+(?:-\w+)*")


@dataclass(frozen=True)
class Found:
    """What ``detect`` answers: the municipality the text is about, and the place that says so."""

    municipality: str
    place: str  # the name as in the gazetteer: a settlement, or the municipality itself
    start: int  # where it is named in the text (characters)


@dataclass(frozen=True)
class Entry:
    """What a form names: a settlement (or a city) of a municipality, or a district."""

    municipality: str
    place: str
    district: bool = False  # a district's adjective: counts only before «район»


@dataclass
class Gazetteer:
    """The region's places, ready for ``detect``: the forms of every name, and the operators'
    patterns. Build it with ``from_csv``, ``from_rows`` or ``from_database``."""

    municipalities: dict[str, str] = field(default_factory=dict)  # name -> "city" | "district"
    ids: dict[str, int] = field(default_factory=dict)  # name -> Municipality's id (from the database)
    index: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    common: set[tuple[str, ...]] = field(default_factory=set)  # forms that are also ordinary words
    streets: dict[tuple[str, ...], set[str]] = field(default_factory=dict)  # a street's form -> municipalities
    patterns: list[tuple[str, object]] = field(default_factory=list)  # (municipality, appeals.patterns.Pattern)

    # --- building ------------------------------------------------------------------------------

    @classmethod
    def from_csv(cls, path: str | Path) -> Gazetteer:
        return cls.from_rows(read_csv(path))

    @classmethod
    def from_rows(cls, rows: Iterable[dict]) -> Gazetteer:
        """From the CSV's rows (dicts with name, kind, municipality): municipalities first-class,
        settlements declined here (``forms``)."""
        gazetteer = cls()
        settlements = []
        for row in rows:
            if municipal_kind(row["kind"]):
                gazetteer.add_municipality(row["name"], municipal_kind(row["kind"]), row.get("patterns", ""))
            else:
                settlements.append(row)
        for row in settlements:
            gazetteer.add_place(row["name"], row["kind"], row["municipality"], forms_of(row["name"], row["kind"]))
        return gazetteer

    @classmethod
    def from_database(cls) -> Gazetteer:
        """From the active Municipality and Settlement rows, with the forms stored when they were
        loaded: the same entries ``from_csv`` builds from the file they were loaded from."""
        from .models import Municipality, Settlement

        gazetteer = cls()
        for municipality in Municipality.objects.filter(is_active=True):
            gazetteer.add_municipality(municipality.name, municipality.kind, municipality.patterns)
            gazetteer.ids[municipality.name] = municipality.pk
        settlements = Settlement.objects.filter(municipality__is_active=True).values_list(
            "name", "kind", "municipality__name", "forms"
        )
        for name, kind, municipality, stored in settlements.iterator(chunk_size=2000):
            gazetteer.add_place(name, kind, municipality, stored.split("\n") if stored else forms_of(name, kind))
        return gazetteer

    def add_place(self, name: str, kind: str, municipality: str, declined: Iterable[str]) -> None:
        """A settlement's or a street's row (by its kind), with the forms of its name."""
        if is_street_kind(kind):
            self.add_street(name, municipality, declined)
        else:
            self.add_settlement(name, municipality, declined, is_town_kind(kind))

    def add_municipality(self, name: str, kind: str, patterns: str = "") -> None:
        from .patterns import PatternError, compile_pattern

        self.municipalities[name] = kind
        if kind == "city":
            self.add_settlement(name, name, forms(name), town=True)
        else:
            for form in district_forms(name):  # «Курский» names the district only before «район»
                self._add(form, Entry(name, name, district=True), common=False)
        for line in (patterns or "").replace(" | ", "\n").splitlines():
            if not line.strip():
                continue
            try:
                self.patterns.append((name, compile_pattern(line.strip())))
            except PatternError as error:  # saved before patterns were checked for RE2: the others still work
                logger.warning("The pattern %r of %s is skipped: %s", line, name, error.reason)

    def add_settlement(self, name: str, municipality: str, declined: Iterable[str], town: bool = False) -> None:
        entry = Entry(municipality, name)
        for form in declined:
            # A town the dictionary knows as a town is not «абаза», the coin's genitive.
            self._add(form, entry, common=is_common(form) and not (town and is_town(form)))

    def add_street(self, name: str, municipality: str, declined: Iterable[str]) -> None:
        """A street of ``municipality``; one found in nearly every town is left out (``is_ubiquitous_street``)."""
        if is_ubiquitous_street(name):
            return
        for form in declined:
            key = tuple(form.split())
            if key:
                self.streets.setdefault(key, set()).add(municipality)

    def _add(self, form: str, entry: Entry, common: bool) -> None:
        key = tuple(form.split())
        if not key:
            return
        entries = self.index.setdefault(key, [])
        if entry not in entries:
            entries.append(entry)
        if common:
            self.common.add(key)


# --- detection -------------------------------------------------------------------------------------


@dataclass
class _Mention:
    start: int
    municipalities: frozenset[str]
    place: str
    marked: bool
    district: bool = False


def detect(text: str, gazetteer: Gazetteer) -> Found | None:
    """The municipality ``text`` is about, or None (no place, places of several municipalities
    with nothing to choose between them, or a name it cannot tell apart)."""
    words = _text_words(text)
    mentions = sorted(_mentions(text, gazetteer, words), key=lambda mention: mention.start)
    named = {m for mention in mentions if len(mention.municipalities) == 1 for m in mention.municipalities}
    resolved = []
    for mention in mentions:
        candidates = mention.municipalities if len(mention.municipalities) == 1 else mention.municipalities & named
        if len(candidates) == 1:
            (municipality,) = candidates
            resolved.append((mention, municipality))
    if not resolved:
        return _by_street(text, words, gazetteer) if gazetteer.streets and not mentions else None
    if len({municipality for _, municipality in resolved}) == 1:
        mention, municipality = resolved[0]
        return Found(municipality, mention.place, mention.start)
    districts = {municipality for mention, municipality in resolved if mention.district}
    if len(districts) == 1:
        (district,) = districts
        mention = next(mention for mention, municipality in resolved if municipality == district)
        return Found(district, mention.place, mention.start)
    if districts:
        return None
    for mention, municipality in resolved:
        if mention.marked:
            return Found(municipality, mention.place, mention.start)
    return None


def detect_executor(executor: str, gazetteer: Gazetteer) -> str | None:
    """The municipality of a town's or district's administration named in ``executor``
    («Администрация Курского района», «Администрация г. Обояни»), or None for any other body."""
    if not normal(executor).startswith("администрация"):
        return None
    found = detect(executor, gazetteer)
    return found.municipality if found else None


def _text_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) of each word of ``text``."""
    return [(match.start(), match.end(), normal(match.group())) for match in WORD.finditer(text)]


def _mentions(text: str, gazetteer: Gazetteer, words: list[tuple[int, int, str]]) -> Iterator[_Mention]:
    i = 0
    while i < len(words):
        for length in range(min(LONGEST_NAME, len(words) - i), 0, -1):
            key = tuple(word for _, _, word in words[i : i + length])
            entries = gazetteer.index.get(key)
            if entries:
                mention = _mention(text, words, i, length, key, entries, gazetteer)
                if mention is not None:
                    yield mention
                i += length
                break
        else:
            i += 1
    if gazetteer.patterns:
        data = text.encode("utf-8", "replace")
        starts = [start for start, _, _ in words]
        for municipality, pattern in gazetteer.patterns:
            start = pattern.find(data)
            if start is None:
                continue
            at = len(data[:start].decode("utf-8", "replace"))
            i = bisect.bisect_right(starts, at) - 1  # the word the match starts in
            before = words[i - 1][2] if i > 0 and words[i][0] == at else ""
            if before not in STREET_MARKERS and before not in DIRECTION_WORDS:  # as for a name («на Бограда»)
                yield _Mention(at, frozenset({municipality}), municipality, marked=False)


def _mention(text, words, i, length, key, entries, gazetteer) -> _Mention | None:
    start = words[i][0]
    before = words[i - 1][2] if i else ""
    if before in STREET_MARKERS:
        return None
    after = [word for _, _, word in words[i + length : i + length + 2]]
    districts = [entry for entry in entries if entry.district]
    if (
        districts
        and after
        and (after[0] in DISTRICT_WORDS or (after[0] in MUNICIPAL_WORDS and after[1:2] and after[1] in DISTRICT_WORDS))
    ):
        municipalities = frozenset(entry.municipality for entry in districts)
        return _Mention(start, municipalities, districts[0].place, marked=True, district=True)
    places = [entry for entry in entries if not entry.district]
    if not places or (after and after[0] in REGION_WORDS):  # «Курск обл.»: the region, not the city
        return None
    dotted = i > 0 and text[words[i - 1][1] : words[i - 1][1] + 1] == "."
    marked = (
        before in SETTLEMENT_MARKERS
        or (before in DOTTED_MARKERS and dotted)
        or (before in UNDOTTED_MARKERS and text[start].isupper())
    )
    end = words[i + length - 1][1]
    if text[start - 1 : start] in QUOTES and text[end : end + 1] in QUOTES:  # «“Курск”» on a sign, a company's name
        return None
    if not marked and before in DIRECTION_WORDS:  # «трасса на Щигры»: where a road leads, not where the problem is
        return None
    if key in gazetteer.common and not (marked and text[start].isupper()) and not _capitalised(text, words, i, length):
        return None
    return _Mention(start, frozenset(entry.municipality for entry in places), places[0].place, marked)


def _by_street(text: str, words: list[tuple[int, int, str]], gazetteer: Gazetteer) -> Found | None:
    """The municipality of the streets a text names: the one municipality its streets of one
    municipality name, if its other streets are that municipality's too and the text names no town
    the gazetteer does not know; else None."""
    found: list[tuple[int, frozenset[str], str]] = []  # (start, the street's municipalities, its name)
    for i, (_, _, word) in enumerate(words):
        if word in TOWN_MARKERS and _another_town(text, words, i, gazetteer):
            return None  # «г. Москва, ул. …»: the streets of a town of another region
        if word not in STREET_MARKERS or word in NAMED_AFTER:  # «школа имени …» is not a street
            continue
        street = _street_after(text, words, i + 1, gazetteer)
        if street is None and word in STREET_NOUNS:
            street = _street_before(words, i, gazetteer)
        if street is not None:
            found.append(street)
    named = {
        municipality for _, municipalities, _ in found if len(municipalities) == 1 for municipality in municipalities
    }
    if len(named) != 1 or any(not named <= municipalities for _, municipalities, _ in found):
        return None
    (municipality,) = named
    start, _, name = next(street for street in found if len(street[1]) == 1)
    return Found(municipality, name, start)


def _another_town(text: str, words, i: int, gazetteer: Gazetteer) -> bool:
    """Whether the ``i``-th word, «г.» or «город», names a town the gazetteer does not know."""
    _, end, word = words[i]
    if (word == "г" and text[end : end + 1] != ".") or (i > 0 and words[i - 1][2].isdigit()):  # «2021 г.»
        return False
    if i + 1 == len(words):
        return False
    start, _, name = words[i + 1]
    return text[start].isupper() and (name,) not in gazetteer.index and name not in REGION_WORDS


def _street_after(text, words, i: int, gazetteer: Gazetteer) -> tuple[int, frozenset[str], str] | None:
    """The street named from the ``i``-th word on (after «ул.», «улица им.», «пр-т А.»)."""
    for _ in range(3):  # more markers or a name's initials: «ул. им. Н. Плевицкой»
        if i < len(words) and (words[i][2] in STREET_MARKERS or _initial(text, words[i])):
            i += 1
    for length in range(min(LONGEST_STREET, len(words) - i), 0, -1):
        street = _street(words[i : i + length], gazetteer)
        if street is not None:
            return street
    return None


def _street_before(words, i: int, gazetteer: Gazetteer) -> tuple[int, frozenset[str], str] | None:
    """The street named right before its noun, the ``i``-th word («на Литейной улице»)."""
    for length in range(min(LONGEST_STREET, i), 0, -1):
        street = _street(words[i - length : i], gazetteer)
        if street is not None:
            return street
    return None


def _street(words, gazetteer: Gazetteer) -> tuple[int, frozenset[str], str] | None:
    """The street these words name, if the gazetteer lists one: (start, municipalities, name)."""
    municipalities = gazetteer.streets.get(tuple(_street_word(word) for _, _, word in words))
    if municipalities is None:
        return None
    return words[0][0], frozenset(municipalities), " ".join(word for _, _, word in words)


def _initial(text: str, word: tuple[int, int, str]) -> bool:
    """«А.» of «пр-т А. Дериглазова»."""
    start, end, _ = word
    return end - start == 1 and text[start].isupper() and text[end : end + 1] == "."


def _capitalised(text: str, words, i: int, length: int) -> bool:
    """A name of several words, each capitalised («в Белом Яре»): a proper name, not «белом яре»."""
    return length > 1 and all(text[start].isupper() for start, _, _ in words[i : i + length])


# --- the forms of a name ---------------------------------------------------------------------------

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_ADJECTIVE_ENDINGS = ("ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие")


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def is_common(form: str) -> bool:
    """Whether a form is also an ordinary word, a first name or a surname (every word of a
    name of several words must be, «Красный Октябрь»)."""
    morph = _morph()
    return all(
        any(parse.is_known and "Geox" not in parse.tag for parse in morph.parse(word))
        for word in form.replace("-", " ").split()
    )


@lru_cache(maxsize=1024)
def is_town(form: str) -> bool:
    """Whether the dictionary knows a form as a place's name (Geox)."""
    return any("Geox" in parse.tag for parse in _morph().parse(form))


@lru_cache(maxsize=65536)
def forms(name: str) -> tuple[str, ...]:
    """Every form of a settlement's name, normalised: lower case, "ё" as "е", words separated by
    one space. «Саралы» → саралы, саралов, саралам, саралами, саралах…; «Белый Яр» → белого
    яра, …; «Усть-Абакан» → усть-абакана, усть абакана, …"""
    words = normal(name).split()
    if not words:
        return ()
    head = next((i for i, word in enumerate(words) if not _is_adjective(word)), None)
    variants: set[str] = {" ".join(words)}
    if head is None:  # only adjectives: «Новороссийское», «Большое Солдатское»
        gender = _adjective_gender(words[-1])
        for case in CASES:
            variants.update(
                " ".join(combination) for combination in product(*(_adjective(w, case, gender) for w in words))
            )
    else:
        gender = _noun_gender(words[head])
        for case, head_form in _noun_forms(words[head]):
            before = [_adjective(word, case, gender) for word in words[:head]]
            after = [(word,) for word in words[head + 1 :]]
            variants.update(" ".join(combination) for combination in product(*before, (head_form,), *after))
    more = set()
    for variant in variants:
        if "-" in variant:
            more.add(variant.replace("-", " "))  # «Усть Абакан»
        if variant[:1].isdigit():  # «1-е Цветово», «1е Цветово»
            more.add(variant.replace("-", "", 1))
    return tuple(sorted(variants | more))


_ORDINAL = re.compile(r"(\d+)-?(?:[а-я]{1,3})")


def _street_word(word: str) -> str:
    """A word of a street's name as streets are indexed: an ordinal without its ending («3-я», «3-й»,
    «3-ей» → «3»)."""
    match = _ORDINAL.fullmatch(word)
    return match.group(1) if match else word


@lru_cache(maxsize=65536)
def street_forms(name: str) -> tuple[str, ...]:
    """The forms of a street's name, normalised (ordinals without their endings): an adjective's
    every case («Коллективная» → коллективной, коллективную, …), a name in the genitive as it is
    («Карла Маркса»), and a person's surname alone after their first name («Анатолия Дериглазова» →
    дериглазова)."""
    words = [_street_word(word) for word in normal(name).split()]
    if not words:
        return ()
    variants = {" ".join(words)}
    adjectives = [word for word in words if not word.isdigit()]
    if adjectives and all(_is_adjective(word) for word in adjectives):  # «Коллективная», «3-я Песковская»
        gender = _adjective_gender(adjectives[-1]) if adjectives[-1].endswith(_ADJECTIVE_ENDINGS) else "masc"
        for case in CASES:
            declined = [(word,) if word.isdigit() else _adjective(word, case, gender) for word in words]
            variants.update(" ".join(combination) for combination in product(*declined))
    elif len(words) > 1 and all(_is_first_name(word) for word in words[:-1]):
        variants.add(words[-1])  # «Дериглазова» for «Анатолия Дериглазова»
    more = {variant.replace("-", " ") for variant in variants if "-" in variant}
    return tuple(sorted(variants | more))


def _is_first_name(word: str) -> bool:
    return any("Name" in parse.tag for parse in _morph().parse(word))


def forms_of(name: str, kind: str) -> tuple[str, ...]:
    """The forms a row of the gazetteer is found by: a street's (``street_forms``) or a settlement's
    (``forms``), by its kind."""
    return street_forms(name) if is_street_kind(kind) else forms(name)


def district_forms(name: str) -> tuple[str, ...]:
    """A district's adjective in every case («Усть-Абаканский» → усть-абаканского, …), masculine:
    what comes before «район»."""
    word = normal(name)
    found = {word}
    for case in CASES:
        found.update(_adjective(word, case, "masc"))
    if "-" in word:
        found |= {form.replace("-", " ") for form in found}
    return tuple(sorted(found))


def _is_adjective(word: str) -> bool:
    return word.endswith(_ADJECTIVE_ENDINGS) and len(word) > 3


def _adjective_gender(word: str) -> str:
    if word.endswith(("ая", "яя")):
        return "femn"
    if word.endswith(("ое", "ее")):
        return "neut"
    if word.endswith(("ые", "ие")):
        return "plur"
    return "masc"


def _adjective(word: str, case: str, gender: str) -> tuple[str, ...]:
    """An adjective of a name in the case and gender given (its last part when hyphenated), by
    every reading of it as an adjective («большая»: большой or больший)."""
    prefix, _, last = word.rpartition("-")
    wanted = {"accs" if case == "accs" else case, gender}
    found = set()
    for parse in _morph().parse(last):
        if "ADJF" in parse.tag and "nomn" in parse.tag:
            if case == "accs" and gender in ("masc", "plur"):  # the inanimate accusative is the nominative
                wanted = {"nomn", gender}
            inflected = parse.inflect(wanted)
            if inflected is not None:
                found.add(inflected.word.replace("ё", "е"))
    if not found:  # the dictionary knows it only as a surname («Хомутовский»): by its ending
        found.add(_adjective_by_ending(last, case, gender))
    return tuple(f"{prefix}-{form}" if prefix else form for form in found)


# Adjective endings by the nominative's ending: gent, datv, accs, ablt, loct («accs» of the
# masculine and the plural is the nominative: inanimate).
_ADJECTIVE_CASES = {
    "ый": ("ого", "ому", "ый", "ым", "ом"),
    "ой": ("ого", "ому", "ой", "ым", "ом"),
    "кий": ("кого", "кому", "кий", "ким", "ком"),
    "гий": ("гого", "гому", "гий", "гим", "гом"),
    "хий": ("хого", "хому", "хий", "хим", "хом"),
    "ий": ("его", "ему", "ий", "им", "ем"),
    "ая": ("ой", "ой", "ую", "ой", "ой"),
    "яя": ("ей", "ей", "юю", "ей", "ей"),
    "ое": ("ого", "ому", "ое", "ым", "ом"),
    "ее": ("его", "ему", "ее", "им", "ем"),
    "ые": ("ых", "ым", "ые", "ыми", "ых"),
    "ие": ("их", "им", "ие", "ими", "их"),
}


def _adjective_by_ending(word: str, case: str, gender: str) -> str:
    if case == "nomn":
        return word
    for ending, forms in _ADJECTIVE_CASES.items():
        if word.endswith(ending):
            return word[: -len(ending)] + forms[("gent", "datv", "accs", "ablt", "loct").index(case)]
    return word


def _noun_gender(word: str) -> str:
    last = word.rpartition("-")[2]
    for parse in _morph().parse(last):
        if parse.is_known and "NOUN" in parse.tag and "nomn" in parse.tag:
            if "plur" in parse.tag:
                return "plur"
            for gender in ("masc", "femn", "neut"):
                if gender in parse.tag:
                    return gender
    if word.endswith(("ы", "и")):
        return "plur"
    if word.endswith(("а", "я", "ь")):
        return "femn"
    if word.endswith(("о", "е")):
        return "neut"
    return "masc"


_SOFT_OR_HUSHING = tuple("гкхжшчщ")


def _noun_forms(word: str) -> list[tuple[str, str]]:
    """(case, form) of a place's noun: from the dictionary when it knows the place
    (Geox), else by its ending; a hyphenated name declines its last part («Усть-Камышта»)."""
    prefix, _, last = word.rpartition("-")
    found: list[tuple[str, str]] = []
    parses = [parse for parse in _morph().parse(last) if parse.is_known and "NOUN" in parse.tag and "nomn" in parse.tag]
    geographic = [parse for parse in parses if "Geox" in parse.tag]
    for parse in geographic or parses[:1]:  # a place the dictionary knows, else the ordinary noun («Яр»)
        number = "plur" if "Pltm" in parse.tag or "plur" in parse.tag else "sing"
        for case in CASES:
            inflected = parse.inflect({case, number})
            if inflected is not None:
                found.append((case, inflected.word.replace("ё", "е")))
    if not found:
        found = _forms_by_ending(last)
    found.append(("nomn", last))  # many names are also left undeclined («в Копьёво»)
    return [(case, f"{prefix}-{form}" if prefix else form) for case, form in found]


def _forms_by_ending(word: str) -> list[tuple[str, str]]:
    stem = word[:-1]
    if word.endswith("а"):
        y = "и" if stem.endswith(_SOFT_OR_HUSHING) else "ы"
        o = "е" if stem.endswith(("ж", "ш", "ч", "щ", "ц")) else "о"
        return [
            ("gent", stem + y),
            ("datv", stem + "е"),
            ("accs", stem + "у"),
            ("ablt", stem + o + "й"),
            ("loct", stem + "е"),
        ]
    if word.endswith("я"):
        return [
            ("gent", stem + "и"),
            ("datv", stem + "е"),
            ("accs", stem + "ю"),
            ("ablt", stem + "ей"),
            ("loct", stem + "е"),
        ]
    if word.endswith(("ы", "и")):
        hard = word.endswith("ы")
        return [
            ("gent", stem + "ов"),
            ("gent", stem + ("" if hard else "ей")),
            ("datv", stem + ("ам" if hard or stem.endswith(_SOFT_OR_HUSHING) else "ям")),
            ("ablt", stem + ("ами" if hard or stem.endswith(_SOFT_OR_HUSHING) else "ями")),
            ("loct", stem + ("ах" if hard or stem.endswith(_SOFT_OR_HUSHING) else "ях")),
        ]
    if word.endswith(("о", "е")):
        return [("gent", stem + "а"), ("datv", stem + "у"), ("ablt", stem + "ом"), ("loct", stem + "е")]
    if word.endswith("ь"):
        return [
            ("gent", stem + "и"),
            ("datv", stem + "и"),
            ("ablt", stem + "ью"),
            ("loct", stem + "и"),
            ("gent", stem + "я"),
            ("datv", stem + "ю"),
            ("ablt", stem + "ем"),
            ("loct", stem + "е"),
        ]
    if word.endswith("й"):
        return [("gent", stem + "я"), ("datv", stem + "ю"), ("ablt", stem + "ем"), ("loct", stem + "е")]
    if word[-1:].isalpha():
        o = "е" if word.endswith(("ж", "ш", "ч", "щ", "ц")) else "о"
        return [("gent", word + "а"), ("datv", word + "у"), ("ablt", word + o + "м"), ("loct", word + "е")]
    return []


# --- the CSV ---------------------------------------------------------------------------------------


def is_street_kind(kind: str) -> bool:
    return normal(kind.strip()).rstrip(".") in STREET_KINDS


def is_ubiquitous_street(name: str) -> bool:
    """A street name found in nearly every Russian town («Ленина», «40 лет Октября»)."""
    name = " ".join(normal(name).split())
    return name in UBIQUITOUS_STREETS or _DATED_STREET.match(name) is not None


def is_town_kind(kind: str) -> bool:
    return normal(kind.strip()) in ("город", "г")


def municipal_kind(kind: str) -> str | None:
    """ "city" or "district" for a municipality's row, None for a settlement's."""
    return MUNICIPAL_KINDS.get(kind.strip().lower())


def read_csv(path: str | Path) -> list[dict]:
    """A gazetteer's rows: name, kind and, for a settlement, its municipality (a municipality's
    own row has kind «городской округ», «муниципальный район» or «муниципальный округ»; a street's,
    a street's kind: «улица», «проспект», …);
    optionally oktmo, fias_id and patterns (the operators' regular expressions of a municipality,
    separated by " | "). Raises ValueError saying what to fix."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csvlib.DictReader(handle)
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(
                f"{Path(path).name}: the first line must name the columns {', '.join(COLUMNS)} (and optionally "
                f"municipality, oktmo, fias_id, patterns); {', '.join(missing)} missing."
            )
        rows = []
        for number, row in enumerate(reader, start=2):
            row = {key: (value or "").strip() for key, value in row.items() if key}
            row.setdefault("municipality", "")
            row["line"] = number
            if not row["name"] or not row["kind"]:
                raise ValueError(f"Line {number}: a name and a kind are needed.")
            if municipal_kind(row["kind"]):
                row["municipality"] = row["name"]
            elif not row["municipality"]:
                raise ValueError(
                    f"Line {number}: the settlement {row['name']!r} needs its municipality (column municipality), "
                    f"or its kind must be «городской округ» or «муниципальный район» if it is a municipality."
                )
            rows.append(row)
    municipalities = {row["name"] for row in rows if municipal_kind(row["kind"])}
    for row in rows:
        if row["municipality"] not in municipalities:
            raise ValueError(
                f"Line {row['line']}: the municipality {row['municipality']!r} of {row['name']!r} has no line of its "
                f"own: add one with kind «муниципальный район» or «городской округ»."
            )
    return rows
