from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Publication
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory
from .fakeplatforms import FakePlatforms


@pytest.fixture
def platforms(settings):
    """The fake platforms' server; the settings' base URLs point at it."""
    server = FakePlatforms()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # Each test counts its rate limits alone.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pub"}}
    from django.core.cache import cache

    cache.clear()


def account(platform: str, **fields) -> SocialAccount:
    defaults = {
        "vk": {"external_id": "170000001", "access_token": "vk-community-token"},
        "telegram": {"external_id": "300000001", "access_token": "123456:tg-bot-token"},
        "ok": {"external_id": "57000000001", "access_token": "ok-group-token"},
        "facebook": {"external_id": "555000111", "access_token": "fb-page-token"},
        "instagram": {"external_id": "178414000", "access_token": "ig-token"},
        "twitter": {"external_id": "42", "access_token": ""},
    }[platform]
    fields = {**defaults, **fields}
    existing = SocialAccount.objects.filter(platform=platform, external_id=fields["external_id"]).first()
    return existing or AccountFactory(platform=platform, **fields)


def queued(appeal, text="Ответ: бригада выехала, воду дадут к 18:00.", *, resolves=False, now=None) -> Publication:
    """An answer as the workflow leaves it in the sender's queue."""
    now = now or timezone.now()
    publication = Publication(appeal=appeal, account=appeal.account, text=text, resolves=resolves, created_at=now)
    publication.queue(now)
    publication.save()
    return publication


def appeal_on(platform: str, external_id: str, *, thread_id: str = "", **fields):
    return AppealFactory(
        account=account(platform),
        external_id=external_id,
        thread_id=thread_id,
        received_at=timezone.now() - timedelta(hours=2),
        **fields,
    )
