"""Intake of appeals from the social networks: one module per platform, one path into the database.

A platform module turns a stored request (``InboundEvent``) into zero or more ``Draft``s — the
normalised form of a citizen's message — or raises ``Ignored`` (not an appeal: the community's own
post, a sticker, an unknown event type) or ``Rejected`` (a wrong secret or signature, a malformed
payload). The view checks a request while the platform waits and stores it, with what the checks
found, in one write before it answers (``views``); a worker then turns each draft into an appeal
through ``services.receive_message`` and writes the outcome on the event (``processing``).

The platforms' modules read their payloads through the helpers below: a field of the wrong JSON
type is a ``Rejected`` naming the field, a timestamp no message can have is unknown, and a link is
built only from well-formed parts and kept only when it is http(s) (``safe_url``, also what the
admin shows as a link).
"""

import hmac
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext


def safe_url(value) -> str:
    """``value`` when it is an http(s) link with a host, else "". Every link that is stored or shown
    as a link passes here: a ``javascript:``, ``data:`` or ``vbscript:`` link runs in the browser
    of the operator who clicks it."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    # Browsers drop tabs and line breaks inside a link ("java\tscript:"): no blank or control at all.
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed [IPv6 address
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname or not value[len(parts.scheme) :].startswith("://"):
        return ""
    return value


@dataclass
class Draft:
    """A citizen's message as every platform can describe it."""

    external_id: str
    text: str
    thread_id: str = ""
    permalink: str = ""
    author_name: str = ""
    author_external_id: str = ""
    author_url: str = ""
    written_at: datetime | None = None
    is_edit: bool = False

    def __post_init__(self):
        # Whoever built the draft (a platform's parser, a batch, a file), only http(s) links are kept.
        self.permalink, self.author_url = safe_url(self.permalink), safe_url(self.author_url)


# The draft's fields kept in columns of limited length (Appeal's own max_length decides).
LIMITED_FIELDS = ("external_id", "thread_id", "author_external_id", "permalink", "author_url")


def too_long(draft: Draft, fields=LIMITED_FIELDS) -> str | None:
    """Why ``draft`` cannot be stored (a field longer than its column), or None."""
    from ..models import Appeal

    for field in fields:
        limit = Appeal._meta.get_field(field).max_length
        if len(getattr(draft, field)) > limit:
            return gettext("%(field)s is longer than %(limit)d characters.") % {"field": field, "limit": limit}
    return None


class Ignored(Exception):
    """A well-formed delivery that holds no appeal; the reason is stored on the event."""


class Rejected(Exception):
    """A delivery refused: wrong credentials (status 403) or a malformed payload (400)."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.status = reason, status


def same_secret(given, expected: str) -> bool:
    """Constant-time comparison; an account without a secret accepts nothing, and a secret that
    is not a string (a number, a list, an object, null in a JSON body) is a wrong one."""
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# --- Timestamps -----------------------------------------------------------------------------------

# When a citizen's message can have been written: not before the platforms, not after now (a
# platform's clock may be a little ahead). Outside that the time is unknown: the arrival counts.
EARLIEST_WRITTEN = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_AHEAD = timedelta(days=1)


def plausible_time(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """``value`` (a naive one in the current time zone) if a message can have been written then."""
    if value is None:
        return None
    now = now or timezone.now()
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):
            return None
    return value if EARLIEST_WRITTEN <= value <= now + CLOCK_AHEAD else None


def from_timestamp(value, now: datetime | None = None) -> datetime | None:
    """A Unix timestamp (seconds, or milliseconds when it is that large) as an aware datetime.

    None — the time is unknown — for anything else: not a number (a string, a bool), not finite,
    out of the range of dates, or a time no message can have (``plausible_time``). Never raises:
    a worker that re-reads the payload must not fail on it forever.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
        if not math.isfinite(seconds) or seconds <= 0:
            return None
        if seconds > 10**11:
            seconds /= 1000
        written = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return plausible_time(written, now)


# --- Fields of a payload --------------------------------------------------------------------------


def _wrong_type(what: str, expected: str) -> Rejected:
    messages = {
        "object": gettext("%(field)s must be a JSON object."),
        "list": gettext("%(field)s must be a list."),
        "string": gettext("%(field)s must be a string."),
        "integer": gettext("%(field)s must be an integer."),
        "id": gettext("%(field)s must be a string or an integer."),
    }
    return Rejected(messages[expected] % {"field": what})


def require_dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise _wrong_type(what, "object")
    return value


def optional_dict(obj: dict, key: str, what: str) -> dict:
    """The object at ``obj[key]``; {} when it is absent or null."""
    value = obj.get(key)
    return {} if value is None else require_dict(value, what)


def optional_list(obj: dict, key: str, what: str) -> list:
    """The list at ``obj[key]``; [] when it is absent or null."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong_type(what, "list")
    return value


def string(obj: dict, key: str, what: str) -> str:
    """The text at ``obj[key]``, stripped; "" when it is absent or null."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _wrong_type(what, "string")
    return value.strip()


def integer(obj: dict, key: str, what: str, *, required: bool = False) -> int | None:
    """The integer at ``obj[key]``; None when it is absent or null and not ``required``."""
    value = obj.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(what, "integer")
    return value


def identifier(obj: dict, key: str, what: str) -> str:
    """A platform's id at ``obj[key]`` (a string or an integer) as text; "" when absent or null."""
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _wrong_type(what, "id")
    return str(value).strip()


_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def link_part(value: str) -> str:
    """``value`` if it can stand in a link's path as it is (a user name, an id), else ""."""
    return value if _SEGMENT.fullmatch(value) and value not in (".", "..") else ""


# --- What operators see -----------------------------------------------------------------------------

MASK = "***"
# VK sends the webhook secret in every request as a top-level "secret": masked wherever a stored
# body is shown. In a body cut short (a refused request keeps its first kilobyte) it is found in the
# text, a string cut in the middle included.
SECRET_KEY = "secret"
_SECRET_IN_TEXT = re.compile(r'("secret"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}\]]+)')
# A body shown as text (it is not JSON) is shown up to this many characters.
SHOWN_CHARS = 20_000


def masked_body(event) -> str:
    """An intake event's raw body as an operator may see it: indented JSON, or the text as it came
    when it is not JSON, with the secrets in it replaced by ***. The stored body stays as it came:
    a replay reads it."""
    raw = bytes(event.body)
    try:
        payload = json.loads(raw)
    except ValueError:  # not JSON, or cut short
        return _SECRET_IN_TEXT.sub(rf'\1"{MASK}"', raw[:SHOWN_CHARS].decode("utf-8", errors="replace"))
    if isinstance(payload, dict) and SECRET_KEY in payload:
        payload[SECRET_KEY] = MASK
    return json.dumps(payload, ensure_ascii=False, indent=2)
