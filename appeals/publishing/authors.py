"""Authors by their names, not "id612345678": VK's webhooks carry only the user's id, so a job (in
the worker, never in a page request) asks VK's ``users.get`` with the account's token and fills the
names in; the id stays where VK does not answer. Telegram's and OK's webhooks carry the names.

The names are cached (``AUTHOR_NAME_CACHE_SECONDS``) so that a citizen who writes often costs one
call a day; an erased author (152-FZ) has no id left to look up.
"""

import contextlib
import logging
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from ministries import tokens
from ministries.models import SocialAccount

from .. import outbox, services
from ..models import Appeal
from . import delivery, platforms

logger = logging.getLogger(__name__)

AUTHOR_NAME_CACHE_SECONDS = 24 * 3600
# Only recent appeals are looked at (an older one missed by the job keeps its id).
RECENT = timedelta(days=2)


def _cached(ids: list[int]) -> dict[int, str]:
    try:
        found = cache.get_many([f"vk-user-name:{uid}" for uid in ids])
    except Exception:  # the cache is down: ask VK
        return {}
    return {int(key.rsplit(":", 1)[1]): name for key, name in found.items()}


def _remember(names: dict[int, str]) -> None:
    with contextlib.suppress(Exception):  # the cache is down: asked again next time
        cache.set_many({f"vk-user-name:{uid}": name for uid, name in names.items()}, AUTHOR_NAME_CACHE_SECONDS)


def fill_author_names(now: datetime | None = None, limit: int = 1000) -> int:
    """Name the VK authors of recent appeals still shown by their id; returns how many were named."""
    now = now or timezone.now()
    rows = (
        Appeal.objects.filter(
            received_at__gte=now - RECENT,
            account__platform=SocialAccount.Platform.VK,
            account__is_active=True,
            author_name__startswith="id",
        )
        .exclude(author_external_id="")
        .exclude(account__access_token="")
        .values_list("account_id", "author_external_id", "author_name")[:limit]
    )
    wanted: dict[int, set[int]] = {}
    for account_id, external_id, name in rows:
        if external_id.isdigit() and name == f"id{external_id}":
            wanted.setdefault(account_id, set()).add(int(external_id))
    named = 0
    for account_id, ids in wanted.items():
        names = _cached(sorted(ids))
        missing = sorted(ids - set(names))
        if missing:
            account = SocialAccount.objects.get(pk=account_id)
            try:
                token = tokens.reveal(account.access_token)
                # users.get counts against the same token's limit as its answers.
                delivery.take_slot(SocialAccount.Platform.VK, token)
                fetched = platforms.vk_user_names(token, missing)
            except (
                tokens.Unreadable,
                outbox.Deferred,
                platforms.Temporary,
                platforms.Permanent,
                platforms.Unknown,
            ) as error:
                logger.warning(
                    "VK names of authors not fetched for account %s: %s", account_id, error or type(error).__name__
                )
                fetched = {}
            _remember(fetched)
            names.update(fetched)
        named += services.name_authors(account_id, {str(uid): name for uid, name in names.items()})
    return named
