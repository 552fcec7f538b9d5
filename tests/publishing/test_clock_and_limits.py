"""What the citizen sees decides the first-answer clock; each account keeps to its platform's limit."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals import services
from appeals.models import Publication
from appeals.publishing import delivery

from .conftest import appeal_on, queued

pytestmark = pytest.mark.django_db


def test_the_first_answer_counts_when_the_platform_confirms_it_not_when_it_was_typed(platforms):
    appeal = appeal_on("vk", "wall_reply-170000001_60_1")
    typed = timezone.now() - timedelta(hours=1)

    services.reply(appeal, text="Передали в управляющую компанию, ответим до вечера.", now=typed)

    appeal.refresh_from_db()
    publication = appeal.publications.get()
    assert publication.status == Publication.Status.QUEUED
    assert appeal.first_answered_at is None and appeal.answer_url == ""

    confirmed = timezone.now()
    delivery.publish_pending(now=confirmed)

    appeal.refresh_from_db()
    assert confirmed <= appeal.first_answered_at <= timezone.now()  # when the platform confirmed it
    assert appeal.messages.filter(direction="official", url__startswith="https://vk.com/wall-170000001_60").exists()


def test_an_accounts_calls_stay_within_its_limit_a_second_whatever_the_queue(platforms):
    appeals = [appeal_on("vk", f"wall_reply-170000001_70_{number}") for number in range(30)]
    for appeal in appeals:
        queued(appeal, text=f"Ответ {appeal.pk}")

    while Publication.objects.filter(status=Publication.Status.QUEUED).exists():
        delivery.publish_pending(now=timezone.now())

    assert len(platforms.published) == 30
    per_second = Counter(int(at) for _platform, _token, at in platforms.requests("vk"))
    assert max(per_second.values()) <= 20
