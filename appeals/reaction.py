"""Does a citizen's message after the answer say that the problem is not solved?

``services.receive_message`` attaches a citizen's message written after their appeal's answer to
the appeal and brings it back to the operators; when this module says the text clearly reports the
problem unsolved, the appeal is reopened at once. Precision comes first: a wrong reopening sends
a resolved appeal back to a ministry, a missed one still reaches an operator's eyes (the flag).

The rules read the text's words and their lemmas (pymorphy3, through the classifier's
``tokens``), in linear time, never a backtracking pattern on the citizen's text:

1. (reopens at once) a negation right before a verb of getting it done: «не решена», «ничего не
   сделали», «так и не починили», «не вывезли», «не было сделано», «не до конца» (not «ничего не
   нужно решать»); and «проблема осталась»;
2. (only marks the flag "probably not solved") "still" next to an absence: «до сих пор нет»,
   «по-прежнему не работает», «снова нет»; «как не было …, так и нет»; the answer called untrue:
   «отписка», «неправда», «не врите» — not when negated in the past («не обманули») or only
   expected («думала, будет очередная отписка, а нет»);

and a guard: a message that says the citizen is content — thanks (спасибо, благодарю), praise
(молодцы), «нет претензий», «без претензий», «жалоб нет» — is never taken for "not solved" unless
it turns with «но» or «однако» («Спасибо за ответ, но ничего не сделали»).

Measured on the labelled examples of ``tests/appeals/data/reactions.json`` (docs/answering.md).
"""

from .classifier.text import tokens

# Read at most this much of a message: a reaction states itself at once.
READ_CHARS = 1_000

NEGATIONS = frozenset({"не", "ни"})
# Verbs of getting the problem dealt with, as lemmas (participles read as their verb: «решена» → решить).
DONE = frozenset(
    {
        *("решить", "решать", "устранить", "устранять", "сделать", "делать", "исправить", "исправлять"),
        *("починить", "чинить", "отремонтировать", "ремонтировать", "убрать", "убирать", "вывезти", "вывозить"),
        *("дать", "давать", "включить", "восстановить", "выполнить", "прочистить", "почистить", "очистить"),
        *("спилить", "заменить", "засыпать", "заасфальтировать", "приехать", "приезжать", "прийти", "приходить"),
        *("измениться", "поменяться", "соответствовать"),
    }
)
# A word of "still", as a lemma, or the first lemma of a pair and its second.
STILL_WORDS = frozenset({"снова", "опять", "по-прежнему"})
STILL_PAIRS = {("до", "сей"), ("по", "прежний"), ("все", "еще")}
ABSENT = frozenset({"не", "нет"})
# The answer called untrue.
UNTRUE = frozenset({"отписка", "неправда", "врать", "ложь", "обманывать", "обмануть"})
THANKS = frozenset({"спасибо", "благодарить", "благодарность", "благодарный"})
BUT = frozenset({"но", "однако"})
# Content said otherwise: praise, and «претензий / жалоб» with «нет» or «без».
PRAISE = frozenset({"молодец", "отлично", "умница"})
CLAIMS = frozenset({"претензия", "жалоба"})
# An untrue answer only expected, not received: «думала, будет очередная отписка, а нет».
EXPECTED = frozenset({"думать", "ожидать", "бояться", "казаться"})


def says_not_solved(text: str) -> bool:
    """True when the text clearly says the problem is not solved: the one rule that reopens the
    appeal by itself (rule 1 and «проблема осталась»; see the module's docstring)."""
    return assess(text) == REOPEN


# What ``assess`` says: reopen at once; or "probably not solved", which only marks the flag.
REOPEN, PROBABLY = "reopen", "probably"


def assess(text: str) -> str:
    """``REOPEN`` when the text clearly says the problem is not solved, ``PROBABLY`` when a broader
    rule matches (a person decides: the appeal is only flagged), else ""."""
    words = tokens((text or "")[:READ_CHARS], capitals_are_names=False)
    lemmas = [lemma for _word, lemma in words]
    if _satisfied(lemmas) and not BUT.intersection(lemmas):
        return ""
    if _negated_done(lemmas) or _problem_stays(lemmas):
        return REOPEN
    if _still_absent(lemmas) or _as_it_was(lemmas) or _untrue(words):
        return PROBABLY
    return ""


def _satisfied(lemmas: list[str]) -> bool:
    """Thanks, praise, «нет претензий» / «без претензий» / «жалоб нет»."""
    if THANKS.intersection(lemmas) or PRAISE.intersection(lemmas):
        return True
    for i, lemma in enumerate(lemmas):
        if lemma in CLAIMS and ({"нет", "без"}.intersection(lemmas[max(i - 1, 0) : i] + lemmas[i + 1 : i + 2])):
            return True
    return False


def _negated_done(lemmas: list[str]) -> bool:
    """«не решена», «ничего не сделали», «так и не починили», «не до конца»: a negation right before
    a verb of DONE (or «до конца»), not followed by a "need" («ничего не нужно решать» is content)."""
    for i, lemma in enumerate(lemmas):
        if lemma not in NEGATIONS:
            continue
        following = lemmas[i + 1 : i + 3]
        if following[:1] == ["быть"]:  # «не было сделано»
            following = following[1:]
        if (following[:1] and following[0] in DONE) or following == ["до", "конец"] or following[:1] == ["полностью"]:
            return True
    return False


def _problem_stays(lemmas: list[str]) -> bool:
    """«проблема осталась»."""
    return any(lemma == "проблема" and lemmas[i + 1 : i + 2] == ["остаться"] for i, lemma in enumerate(lemmas))


def _still_absent(lemmas: list[str]) -> bool:
    """«до сих пор нет», «по-прежнему не работает», «снова нет»: "still" within three words of an absence."""
    for i, lemma in enumerate(lemmas):
        pair = tuple(lemmas[i : i + 2])
        if lemma in STILL_WORDS or pair in STILL_PAIRS:
            near = lemmas[max(i - 3, 0) : i] + lemmas[i + (2 if pair in STILL_PAIRS else 1) : i + 5]
            if ABSENT.intersection(near):
                return True
    return False


def _as_it_was(lemmas: list[str]) -> bool:
    """«как не было …, так и нет» (the «и» is not read)."""
    for i, lemma in enumerate(lemmas):
        if lemma == "как" and lemmas[i + 1 : i + 2] and lemmas[i + 1] in ABSENT:
            rest = lemmas[i + 2 : i + 10]
            if any(word == "так" and rest[j + 1 : j + 2] and rest[j + 1] in ABSENT for j, word in enumerate(rest)):
                return True
    return False


def _untrue(words: list[tuple[str, str]]) -> bool:
    """The answer called untrue («отписка», «не врите»), unless denied in the past («не обманули») or
    only expected («думала, будет очередная отписка»)."""
    for i, (word, lemma) in enumerate(words):
        if lemma not in UNTRUE:
            continue
        denied = i > 0 and words[i - 1][1] in NEGATIONS and word.endswith(("л", "ла", "ли", "ло"))
        if not denied and not EXPECTED.intersection(lemma for _word, lemma in words[max(i - 3, 0) : i]):
            return True
    return False
