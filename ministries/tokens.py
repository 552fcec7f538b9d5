"""The platforms' access tokens, encrypted at rest with Fernet (``cryptography``).

The keys come from the environment: ``GOVFEEDBACK_TOKEN_KEYS``, comma-separated Fernet keys
(``Fernet.generate_key()``); the first encrypts, every one decrypts (``MultiFernet``), so a key is
rotated by putting a new one first, running ``manage.py rotate_tokens`` (every token re-encrypted
with the first key), then removing the old one. With no key set, a development run (DEBUG) uses a
key derived from SECRET_KEY; anything else refuses to store or read a token.

A token is never shown (the admin and the API take it write-only), never logged, never exported.
"""

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

logger = logging.getLogger(__name__)


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
    """The token, or "" when no key can read it (a key removed too early): the account then has no
    usable token, and says so, rather than breaking every page that loads it."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        logger.error("An access token cannot be decrypted with GOVFEEDBACK_TOKEN_KEYS (a key removed too early?).")
        return ""


def rotate(stored: str) -> str:
    """The same token encrypted with the first key (``MultiFernet.rotate``)."""
    return _fernet().rotate(stored.encode()).decode() if stored else ""


class EncryptedTextField(models.TextField):
    """A text column that holds its value encrypted; the model sees the plain value. Not for
    lookups (each encryption differs)."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
