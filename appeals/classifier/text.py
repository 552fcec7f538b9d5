"""Text → words and lemmas: what the classifier reads of an appeal.

Russian text as people write it in social networks (HTML, typos, no punctuation, mixed case) is
cleaned, split into words and lemmatised with pymorphy3. Names of people and places (by the
dictionary, by a capital letter inside a sentence, by a word such as "улица" next to them) are
dropped, so that the model neither learns the places of the region it was trained on nor keeps
anyone's name.

Only the first ``READ_CHARS`` characters of a text are read, and none of the patterns can
backtrack: the work on a text of any size or content is bounded and linear.
"""

from __future__ import annotations

import html
import itertools
import logging
import re
from functools import lru_cache

# What the classifier reads of a text: a Telegram message or a VK comment (4,096 characters) whole,
# a VK post (up to 16,384) by its beginning, where people state the problem. It also bounds the work
# that one text can cost, whatever arrives.
READ_CHARS = 5_000

# The patterns run on citizens' text, so none may backtrack (no nested or adjacent repetitions that
# can share characters, no backreference): each position of the text is read a bounded number of times.
# A tag cannot hold "<", so a run of "<" without ">" is read once, not once from each "<".
_TAG_RE = re.compile(r"<[^<>]*>")
# A link runs to its last character that is not punctuation. An e-mail starts only at the start of
# a word or after "@" and its parts hold no "@", so no part is read again from each of its positions
# (the e-mail part of this pattern was "\S+@\S+\.\w+": cubic in a run of "@").
_URL_RE = re.compile(r"(?:https?://|www\.)\S*[^\s.,!?;:)]|(?<![^\s@])[^\s@]+@[^\s@]+\.\w+", re.IGNORECASE)
_WORD_RE = re.compile(r"[а-яёa-z]+|\d+", re.IGNORECASE)
# What ends a sentence, or starts a new line or item: the next word may be capitalised.
_BOUNDARY_RE = re.compile(r"[.!?:;\n\"«(•*-]")
_CYRILLIC_RE = re.compile(r"[а-яё]")
# Latin letters that look like Cyrillic ones: "дорoга" typed with a Latin "o".
_LOOKALIKES = str.maketrans("aceopxykmthb", "асеорхукмтнв")

# Lemmas after which the next word is the name of a street, a settlement etc. ("ул. Урицкого",
# "г. Курск", "деревня Большие Угоны"), and lemmas before which the word is one ("Льговского
# района", "Союзной улице").
_NAME_FOLLOWS = frozenset(
    {
        *("ул", "улица", "пр", "проспект", "пер", "переулок", "бульвар", "шоссе", "пл", "площадь"),
        *("мкр", "микрорайон", "г", "село", "д", "деревня", "дер", "пос", "поселок", "пгт", "хутор"),
        *("станица", "тупик", "проезд", "наб", "набережная", "снт", "тсж", "ук", "ооо", "оао", "зао", "ип"),
    }
)
_NAME_PRECEDES = frozenset(
    {
        *("улица", "переулок", "проспект", "бульвар", "шоссе", "площадь", "микрорайон", "район", "область"),
        *("край", "округ", "сельсовет", "поселение", "набережная", "проезд", "тупик"),
    }
)
# Names, surnames, patronymics and places (organisations such as "Роспотребнадзор" stay).
_PERSONAL_TAGS = frozenset({"Name", "Surn", "Patr", "Geox"})
# Places of the development data's region (Kursk) that neither the dictionary nor a capital letter
# gives away, as lemmas: the model must not learn that a district or a village means a topic.
_TRAINING_REGION_PLACES = frozenset(
    {
        *("курский", "льговский", "обоянский", "курчатовский", "железногорский", "курскводоканал"),
        *("радуга", "грибной", "глебово", "лукашевка", "клыковый", "рышковый", "кзтз", "сейм", "тускарь"),
    }
)


def load_dictionary() -> None:
    """Load pymorphy3's dictionary now (it loads on the first word otherwise)."""
    _morph()


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    logging.getLogger("pymorphy3").setLevel(logging.WARNING)  # not "Loading dictionaries..." per process
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> tuple[str, bool]:
    """The word's lemma, and whether it is (most likely) the name of a person or a place."""
    parse = _morph().parse(word)[0]
    lemma = parse.normal_form.replace("ё", "е")
    return lemma, bool(_PERSONAL_TAGS & parse.tag.grammemes) or lemma in _TRAINING_REGION_PLACES


@lru_cache(maxsize=200_000)
def lemma_of(word: str) -> tuple[str, bool]:
    """A lower-case word's lemma ("ё" as "е") and whether it is (most likely) a person's name — for
    the routing model, which keeps places (they tell which administration) but not people."""
    parse = _morph().parse(word)[0]
    return parse.normal_form.replace("ё", "е"), bool({"Name", "Surn", "Patr"} & parse.tag.grammemes)


def clean(text: str) -> str:
    """Plain text: no HTML, links or e-mails; "ё" is "е"."""
    text = html.unescape(_TAG_RE.sub(" ", text or ""))
    return _URL_RE.sub(" ", text).replace("ё", "е").replace("Ё", "Е")


@lru_cache(maxsize=200_000)
def _read(written: str) -> tuple[str, str, bool, bool]:
    """One word as written: (the word in lower case with repeated letters squeezed and Latin
    look-alikes in a Russian word mapped to Cyrillic, its lemma, whether it names a person or a
    place, whether it is a Russian word of two letters or more)."""
    word = _squeeze(written.lower())
    if not _CYRILLIC_RE.search(word):
        return word, word, False, False
    word = word.translate(_LOOKALIKES)
    lemma, is_name = _lemma(word)
    return word, lemma, is_name, len(word) >= 2 and bool(_CYRILLIC_RE.search(lemma))


def _squeeze(word: str) -> str:
    """The word with each run of three or more equal letters written once ("ммммусор" is "мусор")."""
    squeezed = []
    for letter, run in itertools.groupby(word):
        count = sum(1 for _ in run)
        squeezed.append(letter if count > 2 else letter * count)
    return "".join(squeezed)


def lemmas(text: str) -> list[str]:
    """Lemmas of the text's Russian words, without names of people, streets and places."""
    return [lemma for _, lemma in tokens(text)]


def tokens(text: str, capitals_are_names: bool = True) -> list[tuple[str, str]]:
    """(word as written, lemma) for each Russian word of the text's first ``READ_CHARS`` characters
    that the model may see.

    Numbers, words of one letter, Latin words and the words that name a person or a place (by
    the dictionary, by a capital letter inside a sentence (as names are: "на Грибной", "жители
    Радуги") unless ``capitals_are_names`` is false, or by their place next to "улица", "район"
    and the like) are dropped.
    """
    text = clean((text or "")[:READ_CHARS])
    found: list[tuple[str, str, bool, bool]] = []
    end = 0
    for match in _WORD_RE.finditer(text):
        written = match.group()
        word, lemma, is_name, usable = _read(written)
        if capitals_are_names and usable and not is_name and end > 0:
            inside = not _BOUNDARY_RE.search(text, end, match.start())
            is_name = inside and written[0].isupper() and written[1:].islower()
        end = match.end()
        found.append((word, lemma, is_name, usable))
    result = []
    last = len(found) - 1
    for i, (word, lemma, is_name, usable) in enumerate(found):
        if is_name or not usable:
            continue
        if i > 0 and _is_marker(found[i - 1][0], found[i - 1][1], _NAME_FOLLOWS) and lemma not in _NAME_PRECEDES:
            continue
        if i < last and found[i + 1][1] in _NAME_PRECEDES and lemma not in _NAME_FOLLOWS:
            continue
        result.append((word, lemma))
    return result


def _is_marker(word: str, lemma: str, markers: frozenset[str]) -> bool:
    return word in markers or lemma in markers
