"""The gazetteer's patterns on RE2: written and read as Python patterns, run in linear time.

The patterns are written by operators and run on citizens' text, so they run on RE2, whose time is
linear in the text whatever the pattern (Python's ``re`` backtracks: ``(а+)+б`` takes ages on a line
of "а"). They are matched case-insensitively and translated for RE2 (``compile_pattern``): ``\\w``,
``\\d`` and ``\\s`` keep meaning the letters, digits and spaces of any alphabet (RE2's are ASCII),
and the zero-width assertions the gazetteer needs become what RE2 runs: ``\\b`` and ``\\B`` next to a
letter or a sign, one character that must not or must come before the start (``(?<![\\w-])абакан``)
or after the end, and word endings excluded before the end of a word
(``черногорск(?!ий|ого)\\w{0,3}\\b``). Anything else RE2 cannot run (a backreference, another
lookaround) is refused when a pattern is saved or loaded. Python's own parser reads a pattern, so
that it means what it meant under ``re`` (``tests/security/test_backtracking.py`` holds the two equal).
"""

import re
from re import _constants as sre
from re import _parser as sre_parse

import re2
from django.utils.translation import gettext_lazy as _

# Why a pattern is refused (after "Not a regular expression: <the line>").
BACKREFERENCE = _("a backreference such as \\1 cannot be used")
LOOKAROUND = _(
    "a lookahead or lookbehind can only be one character before the start, as in (?<![\\w-]), or after "
    "the end, as in (?!\\w), or endings excluded before the end of a word, as in (?!ий|ого)\\w{0,3}\\b"
)
BOUNDARY = _("\\b and \\B can only stand next to a letter, a digit or a sign, not next to what may be either")
POSSESSIVE = _("possessive quantifiers and atomic groups cannot be used")
MIXED_CLASS = _("\\W, \\D or \\S cannot be combined with other characters inside [...]")
FLAGS = _("the a and L flags cannot be used")

# Python's classes of any alphabet in RE2's terms (RE2's own \w, \d, \s and \b are ASCII):
# (the characters, whether the class is their complement).
_WORD = r"\p{L}\p{N}_"
_SPACE = r"\t-\r\x{1c}-\x{20}\x{85}\p{Z}"
_CATEGORIES = {
    sre.CATEGORY_WORD: (_WORD, False),
    sre.CATEGORY_NOT_WORD: (_WORD, True),
    sre.CATEGORY_DIGIT: (r"\p{Nd}", False),
    sre.CATEGORY_NOT_DIGIT: (r"\p{Nd}", True),
    sre.CATEGORY_SPACE: (_SPACE, False),
    sre.CATEGORY_NOT_SPACE: (_SPACE, True),
}
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_BOUNDARIES = (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY)
_NOTHING = r"[^\x{0}-\x{10ffff}]"  # no character: what can never match
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
# The longest word ending that excluded endings ("(?!ий|ого)\w{0,N}\b") are spelled out for.
_MAX_ENDING = 10


class PatternError(ValueError):
    """A pattern that cannot run on RE2; ``reason`` says why, for the operator."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


class Pattern:
    """A gazetteer pattern compiled for RE2. Each alternative may need a character before the match
    (its lookbehind, or \\b), so the RE2 pattern reads it; an empty group marks where the match itself
    starts."""

    __slots__ = ("regex",)

    def __init__(self, regex):
        self.regex = regex

    def find(self, data: bytes) -> int | None:
        """Where (in bytes) the pattern first matches in UTF-8 ``data``, or None."""
        match = self.regex.search(data)
        if match is None:
            return None
        return next(start for group in range(1, self.regex.groups + 1) if (start := match.start(group)) >= 0)


def compile_pattern(pattern: str) -> Pattern:
    """The pattern, matching where it matches under Python's ``re`` with IGNORECASE, on RE2.

    Raises ``PatternError`` for what RE2 cannot run in linear time.
    """
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as error:
        raise PatternError(str(error)) from None
    if parsed.state.flags & (re.ASCII | re.LOCALE):
        raise PatternError(FLAGS)
    alternatives = [_alternative(items, flags) for items, flags in _alternatives(list(parsed), parsed.state.flags)]
    first = [body for _, at_start, body in alternatives if at_start]
    source = "|".join(
        ([rf"\A()(?:{'|'.join(first)})"] if first else [])
        + [f"{before}()(?:{body})" for before, _, body in alternatives]
    )
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    try:
        return Pattern(re2.compile(source, options))
    except re2.error as error:
        (message,) = error.args
        raise PatternError(message.decode() if isinstance(message, bytes) else str(message)) from None


def _alternatives(items: list, flags: int) -> list[tuple[list, int]]:
    """The pattern's top-level alternatives with their flags: a group around all of it is opened, and
    alternatives between zero-width edges each get the edges (``\\b(?:абаз\\w|сорск)\\b``)."""
    inside = [i for i, (op, _) in enumerate(items) if op not in _ZERO_WIDTH]
    if len(inside) != 1:
        return [(items, flags)]
    (i,) = inside
    (op, av), before, after = items[i], items[:i], items[i + 1 :]
    if op == sre.BRANCH:
        return [found for branch in av[1] for found in _alternatives(before + list(branch) + after, flags)]
    if op == sre.SUBPATTERN:
        _group, add, remove, inner = av
        if len(items) == 1 or not (add or remove):
            return _alternatives(before + list(inner) + after, _flags(flags, add, remove))
    return [(items, flags)]


def _alternative(items: list, flags: int) -> tuple[str, bool, str]:
    """One alternative as (the class the character before it must be in, whether it may start the
    text, the RE2 pattern of the rest with what must follow it)."""
    before, at_start, after, word_end = "(?s:.)", True, "", False
    if items and _is_context(items[0], direction=-1):
        before, at_start = _before(items[0], items[1:], flags)
        items = items[1:]
    if items and _is_context(items[-1], direction=1):
        after, word_end = _after(items[-1], items[:-1], flags)
        items = items[:-1]
    ending = ""
    if word_end and len(items) >= 2 and _is_excluded_endings(items[-2], items[-1]):
        ending = _excluded_endings(items[-2], items[-1], flags)
        items = items[:-2]
    return _scoped(before, flags), at_start, _scoped(_emit(items, flags) + ending + after, flags)


def _scoped(source: str, flags: int) -> str:
    return source if flags & re.IGNORECASE else f"(?-i:{source})"


def _is_context(item, direction: int) -> bool:
    """Whether the item is a zero-width assertion about the one character before (-1) or after (1)."""
    op, av = item
    if op == sre.AT:
        return av in _BOUNDARIES
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return av[0] == direction and _one_character(list(av[1])) is not None
    return False


def _before(item, rest: list, flags: int) -> tuple[str, bool]:
    """(the class of the character before the match, whether the match may start the text)."""
    op, av = item
    if op == sre.AT:
        kind, may_be_empty = _edge(rest, last=False)
        if kind is None or may_be_empty:
            raise PatternError(BOUNDARY)
        same_kind = av == sre.AT_NON_BOUNDARY  # \B: the character before is of the first one's kind
        word = (kind == "word") == same_kind
        return _class(_WORD, not word), not word
    chars, negated = _one_character(list(av[1]), flags)
    if op == sre.ASSERT_NOT:
        return _class(chars, not negated), True
    return _class(chars, negated), False


def _after(item, rest: list, flags: int) -> tuple[str, bool]:
    """(what must follow the match, whether that is "no letter or digit, or the end", as after a word)."""
    op, av = item
    if op == sre.AT:
        kind, may_be_empty = _edge(rest, last=True)
        if kind is None or may_be_empty:
            raise PatternError(BOUNDARY)
        word = (kind == "word") == (av == sre.AT_NON_BOUNDARY)  # the character after is a letter or digit
        chars, negated, at_end = _WORD, not word, not word
    else:
        chars, negated = _one_character(list(av[1]), flags)
        at_end = op == sre.ASSERT_NOT  # the text may end there: nothing follows that is refused
        negated = negated != at_end
    after = rf"(?:{_class(chars, negated)}|\z)" if at_end else _class(chars, negated)
    return after, (chars, negated, at_end) == (_WORD, True, True)


def _one_character(items: list, flags: int = 0) -> tuple[str, bool] | None:
    """The class of a lookaround that reads one character, as (characters, negated), or None."""
    if len(items) != 1:
        return None
    op, av = items[0]
    if op == sre.LITERAL:
        return _literal(av), False
    if op == sre.NOT_LITERAL:
        return _literal(av), True
    if op == sre.IN:
        return _set(av)
    if op == sre.ANY:
        return (r"\x{0}-\x{10ffff}", False) if flags & re.DOTALL else (r"\n", True)
    return None


def _is_excluded_endings(lookahead, repeat) -> bool:
    """``(?!ий|ого)\\w{0,3}`` before the end of a word: endings spelled out, without a lookahead."""
    (op, av), (repeat_op, repeat_av) = lookahead, repeat
    return (
        op == sre.ASSERT_NOT
        and av[0] == 1
        and repeat_op in _REPEATS
        and repeat_av[1] <= _MAX_ENDING
        and list(repeat_av[2]) == [(sre.IN, [(sre.CATEGORY, sre.CATEGORY_WORD)])]
    )


def _excluded_endings(lookahead, repeat, flags: int) -> str:
    """The endings of ``low``..``high`` letters that ``\\w{low,high}\\b`` matches after the lookahead."""
    strings = _strings(list(lookahead[1][1]))
    if strings is None or any(not text for text, _ in strings):
        raise PatternError(LOOKAROUND)
    fold = str.lower if flags & re.IGNORECASE else str
    prefixes = {fold(text) for text, whole in strings if not whole}
    words = {fold(text) for text, whole in strings if whole}
    low, high, _ = repeat[1]
    return _endings(prefixes, words, low, high, bool(flags & re.IGNORECASE)) or _NOTHING


def _strings(items: list) -> list[tuple[str, bool]] | None:
    """The letters a lookahead excludes, as (text, whether it is the whole rest of the word: "ом\\b"),
    or None if it is not a few words' beginnings."""
    found = [("", False)]
    for op, av in items:
        if any(whole for _, whole in found):
            return None
        if op == sre.LITERAL and _kind(av) == "word":
            options = [(chr(av), False)]
        elif op == sre.IN and all(o == sre.LITERAL and _kind(a) == "word" for o, a in av):
            options = [(chr(a), False) for _, a in av]
        elif op == sre.BRANCH:
            options = []
            for branch in av[1]:
                inner = _strings(list(branch))
                if inner is None:
                    return None
                options += inner
        elif op == sre.SUBPATTERN and not av[1] and not av[2]:
            options = _strings(list(av[3]))
            if options is None:
                return None
        elif op == sre.AT and av == sre.AT_BOUNDARY:
            options = [("", True)]
        else:
            return None
        found = [(text + more, whole) for text, _ in found for more, whole in options]
        if len(found) > 100:
            return None
    return found


def _endings(prefixes: set[str], words: set[str], low: int, high: int, fold: bool) -> str | None:
    """A pattern for the runs of ``low``..``high`` letters or digits that begin with none of ``prefixes``
    and are none of ``words``; None if there is none."""
    if "" in prefixes:
        return None
    heads = sorted({text[0] for text in prefixes | words if text})
    alternatives = []
    if low == 0 and "" not in words:
        alternatives.append("")
    if high > 0:
        alternatives.append(_letter_except(heads, fold) + _repeat(f"[{_WORD}]", max(low - 1, 0), high - 1))
        for head in heads:
            rest = _endings(
                {text[1:] for text in prefixes if text[0] == head},
                {text[1:] for text in words if text and text[0] == head},
                max(low - 1, 0),
                high - 1,
                fold,
            )
            if rest is not None:
                alternatives.append(_literal(ord(head)) + rest)
    return f"(?:{'|'.join(alternatives)})" if alternatives else None


def _letter_except(heads: list[str], fold: bool) -> str:
    """One letter, digit or "_" other than ``heads`` (in any case if ``fold``)."""
    if not heads:
        return f"[{_WORD}]"
    cases = {case for head in heads for case in ({head, head.lower(), head.upper()} if fold else {head})}
    excluded = "".join(_literal(ord(case)) for case in sorted(cases))
    underscore = "" if "_" in cases else "|_"
    return rf"(?-i:[^\P{{L}}{excluded}]|[^\P{{N}}{excluded}]{underscore})"


def _emit(items: list, flags: int) -> str:
    """The RE2 pattern of a sequence of Python's parsed items."""
    return "".join(
        _boundary(items, i) if op == sre.AT and av in _BOUNDARIES else _emit_item(op, av, flags)
        for i, (op, av) in enumerate(items)
    )


def _boundary(items: list, i: int) -> str:
    """\\b or \\B between two characters of the pattern whose kinds it gives: always or never true."""
    (before, empty_before), (after, empty_after) = _edge(items[:i], last=True), _edge(items[i + 1 :], last=False)
    if before is None or after is None or empty_before or empty_after:
        raise PatternError(BOUNDARY)
    return "" if (before != after) == (items[i][1] == sre.AT_BOUNDARY) else _NOTHING


def _emit_item(op, av, flags: int) -> str:
    if op == sre.LITERAL:
        return _literal(av)
    if op == sre.NOT_LITERAL:
        return f"[^{_literal(av)}]"
    if op == sre.ANY:
        return "(?s:.)" if flags & re.DOTALL else r"[^\n]"
    if op == sre.IN:
        return _class(*_set(av))
    if op == sre.BRANCH:
        return "(?:" + "|".join(_emit(list(branch), flags) for branch in av[1]) + ")"
    if op == sre.SUBPATTERN:
        _group, add, remove, inner = av
        inner_flags = _flags(flags, add, remove)
        source = _emit(list(inner), inner_flags)
        if (inner_flags ^ flags) & re.IGNORECASE:
            return f"(?{'' if inner_flags & re.IGNORECASE else '-'}i:{source})"
        return f"(?:{source})"
    if op in _REPEATS:
        low, high, inner = av
        return _repeat(f"(?:{_emit(list(inner), flags)})", low, high) + ("?" if op == sre.MIN_REPEAT else "")
    if op == sre.AT:
        if av == sre.AT_BEGINNING:
            return "(?m:^)" if flags & re.MULTILINE else r"\A"
        if av == sre.AT_END:
            return "(?m:$)" if flags & re.MULTILINE else r"(?:\n?\z)"
        if av == sre.AT_BEGINNING_STRING:
            return r"\A"
        if av == sre.AT_END_STRING:
            return r"\z"
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        raise PatternError(LOOKAROUND)
    if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
        raise PatternError(BACKREFERENCE)
    if op in (sre.POSSESSIVE_REPEAT, sre.ATOMIC_GROUP):
        raise PatternError(POSSESSIVE)
    raise PatternError(str(op))


def _flags(flags: int, add: int, remove: int) -> int:
    if (add | remove) & (re.ASCII | re.LOCALE):
        raise PatternError(FLAGS)
    return (flags | add) & ~remove


def _set(items) -> tuple[str, bool]:
    """A parsed character set as (RE2 class characters, negated)."""
    chars, complements, negated = [], [], False
    for op, av in items:
        if op == sre.NEGATE:
            negated = True
        elif op == sre.LITERAL:
            chars.append(_literal(av))
        elif op == sre.RANGE:
            chars.append(f"{_literal(av[0])}-{_literal(av[1])}")
        elif op == sre.CATEGORY:
            text, complement = _CATEGORIES[av]
            (complements if complement else chars).append(text)
        else:
            raise PatternError(str(op))
    if not complements:
        return "".join(chars), negated
    if chars or len(complements) > 1:
        raise PatternError(MIXED_CLASS)
    return complements[0], not negated


def _class(chars: str, negated: bool) -> str:
    return f"[{'^' if negated else ''}{chars}]"


def _repeat(atom: str, low: int, high: int) -> str:
    if high == sre.MAXREPEAT:
        return atom + {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    if (low, high) == (0, 1):
        return atom + "?"
    return atom + (f"{{{low}}}" if low == high else f"{{{low},{high}}}")


def _literal(code: int) -> str:
    """A character as RE2 reads it, in a pattern or a class: as is if a letter or digit, else by its code."""
    return chr(code) if chr(code).isalnum() else rf"\x{{{code:x}}}"


def _kind(code: int) -> str:
    """ "word" for what Python's \\w matches (a letter or digit of any alphabet, "_"), else "other"."""
    return "word" if chr(code).isalnum() or chr(code) == "_" else "other"


def _edge(items: list, last: bool) -> tuple[str | None, bool]:
    """The kind of the first (``last``: the last) character of what the items match — "word",
    "other", or None when it may be either — and whether they may match nothing."""
    kinds = set()
    for op, av in reversed(items) if last else items:
        if op in _ZERO_WIDTH:
            continue
        kind, may_be_empty = _edge_of(op, av, last)
        kinds.add(kind)
        if not may_be_empty:
            return (kinds.pop() if len(kinds) == 1 else None), False
    return (kinds.pop() if len(kinds) == 1 else None), True


def _edge_of(op, av, last: bool) -> tuple[str | None, bool]:
    if op == sre.LITERAL:
        return _kind(av), False
    if op == sre.IN:
        return _set_kind(av), False
    if op == sre.BRANCH:
        edges = [_edge(list(branch), last) for branch in av[1]]
        kinds = {kind for kind, _ in edges}
        return (kinds.pop() if len(kinds) == 1 else None), any(empty for _, empty in edges)
    if op == sre.SUBPATTERN:
        return _edge(list(av[3]), last)
    if op in _REPEATS:
        kind, may_be_empty = _edge(list(av[2]), last)
        return kind, may_be_empty or av[0] == 0
    return None, False


def _set_kind(items) -> str | None:
    kinds = set()
    for op, av in items:
        if op == sre.LITERAL:
            kinds.add(_kind(av))
        elif op == sre.CATEGORY and av in (sre.CATEGORY_WORD, sre.CATEGORY_DIGIT):
            kinds.add("word")
        elif op == sre.CATEGORY and av in (sre.CATEGORY_NOT_WORD, sre.CATEGORY_SPACE):
            kinds.add("other")
        elif op == sre.RANGE and av[1] - av[0] < 2_000:
            kinds.update(_kind(code) for code in range(av[0], av[1] + 1))
        else:  # a negated set, \D, \S, a wide range: either
            return None
    return kinds.pop() if len(kinds) == 1 else None
