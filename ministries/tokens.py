"""The platforms' access tokens, encrypted at rest with Fernet (``cryptography``).

The keys come from the environment: ``GOVFEEDBACK_TOKEN_KEYS``, comma-separated Fernet keys
(``Fernet.generate_key()``); the first encrypts, every one decrypts (``MultiFernet``), so a key is
rotated by putting a new one first, running ``manage.py rotate_tokens`` (every token re-encrypted
with the first key), then removing the old one. With no key set, a development run (DEBUG) uses a
key derived from SECRET_KEY; anything else refuses to store or read a token.

An account is loaded with its token still encrypted (``Sealed``): no page, list or webhook ever
needs a key, and a token no key reads fails only the publication that uses it, with its reason.

A token is never shown (the admin and the API take it write-only), never logged, never exported.
"""

import logging
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


# A Telegram bot token: "<bot id>:<secret>" (core.telegram.org/bots/api#authorizing-your-bot).
TELEGRAM_TOKEN = re.compile(r"\d+:[\w-]+", re.ASCII)


def token_problem(platform: str, token: str) -> str | None:
    """Why ``token`` cannot be an access token of a ``platform`` account (a person reads it), or
    None. A token goes into URLs: whitespace and control characters are refused everywhere."""
    if not token:
        return None
    if any(char.isspace() or not char.isprintable() for char in token):
        return _("The access token contains spaces, line breaks or control characters: paste it exactly as issued.")
    if platform == "telegram" and not TELEGRAM_TOKEN.fullmatch(token):
        return _("A Telegram bot token looks like 123456789:AAE…: digits, a colon, then letters, digits, _ and -.")
    return None


class Unreadable(Exception):
    """A stored token that no key of GOVFEEDBACK_TOKEN_KEYS reads (or no key is set)."""


def _keys() -> list[bytes]:
    keys = [key.encode() for key in settings.GOVFEEDBACK_TOKEN_KEYS]  # with DEBUG: one from SECRET_KEY
    if not keys:
        raise ImproperlyConfigured(
            "GOVFEEDBACK_TOKEN_KEYS is not set: the platforms' access tokens cannot be encrypted or read. "
            "Set it to a Fernet key (docs/publishing.md)."
        )
    return keys


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode() if token else ""


def decrypt(stored: str) -> str:
    """The token; ``Unreadable`` when no key can read it (a key removed too early, or none set)."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ImproperlyConfigured) as error:
        logger.error("An access token cannot be decrypted with GOVFEEDBACK_TOKEN_KEYS (%s).", type(error).__name__)
        raise Unreadable from None


def rotate(stored: str) -> str:
    """The same token encrypted with the first key (``MultiFernet.rotate``)."""
    return _fernet().rotate(stored.encode()).decode() if stored else ""


class Sealed:
    """A token as it is stored (its ciphertext), loaded without decrypting it: loading an account
    never needs a key, and saving one whose token was not touched writes the same ciphertext back.
    True when a token is set; ``reveal`` decrypts it, only when it is used."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: str):
        self.ciphertext = ciphertext

    def __bool__(self) -> bool:
        return bool(self.ciphertext)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sealed) and other.ciphertext == self.ciphertext

    def __hash__(self) -> int:
        return hash(self.ciphertext)

    def __repr__(self) -> str:
        return "<Sealed token>" if self else "<no token>"

    __str__ = __repr__

    def __getstate__(self):
        return self.ciphertext

    def __setstate__(self, state):
        self.ciphertext = state

    def reveal(self) -> str:
        return decrypt(self.ciphertext)


def reveal(value) -> str:
    """The plain token of an account's ``access_token`` (loaded: ``Sealed``; just assigned: the
    plain text); ``Unreadable`` when no key reads it."""
    return value.reveal() if isinstance(value, Sealed) else (value or "")


def readable(value) -> bool:
    """Whether ``reveal(value)`` gives a token (False for none, or one no key reads)."""
    try:
        return bool(reveal(value))
    except Unreadable:
        return False


class EncryptedTextField(models.TextField):
    """A text column that holds its value encrypted. Loaded, it is ``Sealed`` (decrypted only by
    ``reveal``, when a token is used); assigned a plain text, it is encrypted when saved; a
    ``Sealed`` value is saved as it is, byte for byte. Not for lookups other than "" (each
    encryption differs), never exported."""

    def from_db_value(self, value, expression, connection):
        return Sealed(value or "")

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return value.ciphertext
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""

    def value_to_string(self, obj) -> str:
        return ""  # dumpdata and the like never carry a token
