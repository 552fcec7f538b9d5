"""Intake of appeals from the social networks: one module per platform, one path into the database.

A platform module turns a stored request (``InboundEvent``) into zero or more ``Draft``s — the
normalised form of a citizen's message — or raises ``Ignored`` (not an appeal: the community's own
post, a sticker, an unknown event type) or ``Rejected`` (a wrong secret or signature, a malformed
payload). ``record`` then turns each draft into an appeal through ``services.receive_message`` and
writes the outcome on the event. Nothing is parsed before it is stored.
"""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime


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


# The draft's fields kept in columns of limited length (Appeal's own max_length decides).
LIMITED_FIELDS = ("external_id", "thread_id", "author_external_id", "permalink", "author_url")


def too_long(draft: Draft, fields=LIMITED_FIELDS) -> str | None:
    """Why ``draft`` cannot be stored (a field longer than its column), or None."""
    from django.utils.translation import gettext

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


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison; an account without a secret accepts nothing."""
    return bool(expected) and hmac.compare_digest((given or "").encode(), expected.encode())


def from_timestamp(value) -> datetime | None:
    """A Unix timestamp (seconds, or milliseconds when it is that large) as an aware datetime."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    if value > 10**11:
        value = value / 1000
    return datetime.fromtimestamp(value, tz=UTC)


def text_of(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def require_dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise Rejected(f"{what} must be a JSON object.")
    return value
