"""Case-insensitive matching of any letters on SQLite, as on PostgreSQL.

SQLite's LIKE (behind Django's ``icontains``, ``iexact``, ``istartswith``, the admin's and the API's
searches) and its ``lower()``/``upper()`` fold only ASCII letters: «черногорск» would not find
«Черногорск». Every new SQLite connection gets Python's versions of the three (``register``, on
``connection_created``), which fold every alphabet. PostgreSQL needs nothing (ILIKE and UPPER know
Cyrillic).

The LIKE here walks the pattern's parts between ``%`` from the left (each part at its first
match, which is enough for LIKE patterns), so no pattern takes more than the text's length times
the pattern's.
"""

ANY_ONE = object()  # "_" in a pattern


def _parse(pattern: str, escape: str | None) -> list[list]:
    """The pattern as its parts between the "%" wildcards, each a list of characters and ANY_ONE."""
    parts, current, escaped = [], [], False
    for char in pattern:
        if escaped:
            current.append(char)
            escaped = False
        elif escape is not None and char == escape:
            escaped = True
        elif char == "%":
            parts.append(current)
            current = []
        elif char == "_":
            current.append(ANY_ONE)
        else:
            current.append(char)
    parts.append(current)
    return parts


def _matches_at(part: list, text: str, start: int) -> bool:
    return all(item is ANY_ONE or text[start + i] == item for i, item in enumerate(part))


def _find(part: list, text: str, start: int) -> int:
    """Where the part first matches in text at or after start, or -1."""
    if ANY_ONE not in part:
        return text.find("".join(part), start)
    for position in range(start, len(text) - len(part) + 1):
        if _matches_at(part, text, position):
            return position
    return -1


def like(pattern, text, escape=None) -> bool | None:
    """SQL's ``text LIKE pattern [ESCAPE escape]`` (SQLite calls it ``like(pattern, text[, escape])``),
    ignoring the case of every letter."""
    if pattern is None or text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    parts = _parse(str(pattern).lower(), escape)
    text = str(text).lower()
    first, *middle_and_last = parts
    if len(first) > len(text) or not _matches_at(first, text, 0):
        return False
    if not middle_and_last:  # no "%": the whole text
        return len(first) == len(text)
    *middle, last = middle_and_last
    position = len(first)
    for part in middle:
        found = _find(part, text, position)
        if found < 0:
            return False
        position = found + len(part)
    end = len(text) - len(last)
    return end >= position and _matches_at(last, text, end)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _upper(value):
    return value.upper() if isinstance(value, str) else value


def register(sender, connection, **kwargs) -> None:
    """``connection_created``: SQLite connections fold the case of every alphabet."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, like, deterministic=True)
    raw.create_function("like", 3, like, deterministic=True)
    raw.create_function("lower", 1, _lower, deterministic=True)
    raw.create_function("upper", 1, _upper, deterministic=True)
