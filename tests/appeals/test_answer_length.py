"""An answer's length as each platform counts it against its limit (``answers.measure``): Telegram,
Facebook and Instagram count UTF-16 code units (an emoji is two), VK and OK characters. The same
measure refuses a long answer before anything is queued, tells the reply form's counter how to
count, and is shown by the API."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appeals import answers, services
from appeals.models import Appeal, Publication
from appeals.publishing import platforms
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory

pytestmark = pytest.mark.django_db

EMOJI = "👍"  # outside the Basic Multilingual Plane: one character, two UTF-16 code units
RARE_HAN = "𠀀"  # CJK Extension B: the same


@pytest.mark.parametrize(
    ("text", "platform", "length"),
    [
        ("Воду подали", "vk", 11),
        ("Воду подали", "telegram", 11),
        (EMOJI * 3, "vk", 3),
        (EMOJI * 3, "ok", 3),
        (EMOJI * 3, "telegram", 6),
        (EMOJI * 3, "facebook", 6),
        (EMOJI * 3, "instagram", 6),
        (f"Спасибо {RARE_HAN}!", "telegram", 11),
        ("e\u0301", "telegram", 2),  # e and a combining accent: two code points, two units
        ("Строка\r\nещё", "vk", 10),  # a form's CR LF is one line end
        ("Строка\r\nещё", "telegram", 10),
    ],
)
def test_it_measures_as_the_platform_counts(text, platform, length):
    assert answers.measure(text, platform) == length


def telegram_appeal(specialist) -> Appeal:
    account = AccountFactory(
        platform=SocialAccount.Platform.TELEGRAM,
        kind=SocialAccount.Kind.MINISTRY_GROUP,
        ministry=specialist.ministry,
        access_token="123:bot-token",
    )
    return AppealFactory(
        account=account,
        external_id="-1001234:77",
        thread_id="-1001234",
        ministry=specialist.ministry,
        assignee=specialist,
        status=Appeal.Status.IN_PROGRESS,
    )


def vk_appeal(specialist) -> Appeal:
    account = AccountFactory(kind=SocialAccount.Kind.MINISTRY_GROUP, ministry=specialist.ministry, access_token="vk")
    return AppealFactory(
        account=account,
        external_id=f"wall_reply-{account.external_id}_10_11",
        thread_id=f"wall-{account.external_id}_10",
        ministry=specialist.ministry,
        assignee=specialist,
        status=Appeal.Status.IN_PROGRESS,
    )


def test_telegram_refuses_what_is_short_in_characters_but_long_in_its_units(specialist_a):
    appeal = telegram_appeal(specialist_a)
    assert platforms.length_limit(appeal) == 4096
    text = "Спасибо! " + EMOJI * 2044  # 2,053 characters, 4,097 UTF-16 code units
    with pytest.raises(services.Refused) as refused:
        services.reply(appeal, text=text, actor=specialist_a.user)
    assert "4097" in refused.value.message and "4096" in refused.value.message
    assert "эмодзи" in refused.value.message
    assert not Publication.objects.exists()

    services.reply(appeal, text=text[:-1], actor=specialist_a.user)  # 4,095 units: it fits
    assert Publication.objects.get().status == Publication.Status.QUEUED


def test_vk_counts_characters_so_the_same_text_fits(specialist_a):
    appeal = vk_appeal(specialist_a)
    services.reply(appeal, text="Спасибо! " + EMOJI * 2044, actor=specialist_a.user)
    assert Publication.objects.get().status == Publication.Status.QUEUED


def test_the_forms_counter_is_told_how_to_count(specialist_a):
    client = Client()
    client.force_login(specialist_a.user)
    telegram = client.get(reverse("admin:appeals_appeal_step", args=[telegram_appeal(specialist_a).pk, "reply"]))
    assert 'data-limit="4096"' in telegram.content.decode() and 'data-unit="utf16"' in telegram.content.decode()
    vk = client.get(reverse("admin:appeals_appeal_step", args=[vk_appeal(specialist_a).pk, "reply"]))
    assert 'data-unit="code_points"' in vk.content.decode()


def test_the_api_shows_the_length_as_the_platform_counts_it(specialist_a):
    appeal = telegram_appeal(specialist_a)
    services.draft_answer(appeal, text=f"Готово {EMOJI}", actor=specialist_a.user)
    client = APIClient()
    client.force_authenticate(specialist_a.user)
    [row] = client.get(f"/api/v1/appeals/{appeal.pk}/publications/").json()
    assert (row["length"], row["length_limit"]) == (9, 4096)
