"""The demo: realistic, idempotent, quick; its texts fill in as the seed fills them."""

import json
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from analytics.models import SpikeAlert, WeeklyReport
from appeals.models import Appeal, AppealEvent
from demo import government as demo
from ministries.models import Ministry, SocialAccount


@pytest.mark.django_db
def test_seed_demo_builds_a_government_with_the_sources_topic_shares(capsys):
    call_command("seed_demo", appeals=300)
    out = capsys.readouterr().out
    assert "operator1" in out and "minstroy.head" in out  # logins with their passwords, shown once
    assert "Demo ready" in out
    assert 6 <= Ministry.objects.count() <= 8
    head_platforms = set(SocialAccount.objects.filter(kind="head").values_list("platform", flat=True))
    assert head_platforms == {"vk", "ok", "telegram", "instagram"}
    assert Appeal.objects.count() == 300
    shares = Counter(Appeal.objects.exclude(topic=None).values_list("topic__code", flat=True))
    total = sum(shares.values())
    assert abs(shares["housing_utilities_landscaping"] / total - 0.45) < 0.03
    assert abs(shares["waste_reform"] / total - 0.15) < 0.03
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {"resolved", "rejected"} <= statuses and statuses & set(Appeal.OPEN_STATUSES)
    assert Appeal.objects.overdue(timezone.now()).exists()
    # the history was written by the services, one CREATED per appeal
    assert AppealEvent.objects.filter(kind="created").count() == 300
    # The last hours' burst of "no water in Chernogorsk" is on the dashboard; last week's report is made.
    assert SpikeAlert.objects.filter(topic__code="housing_utilities_landscaping").exists()
    assert WeeklyReport.objects.exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo", appeals=50)
    counts = (Appeal.objects.count(), AppealEvent.objects.count(), get_user_model().objects.count())
    capsys.readouterr()
    call_command("seed_demo", appeals=50)
    assert (Appeal.objects.count(), AppealEvent.objects.count(), get_user_model().objects.count()) == counts
    assert "minstroy.head" not in capsys.readouterr().out  # passwords are printed once


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_existing_data_alone(capsys):
    call_command("seed_demo", appeals=20)
    call_command("seed_demo", appeals=500, if_empty=True)
    assert Appeal.objects.count() == 20
    assert "not seeded again" in capsys.readouterr().out


def placeholders(text: str) -> list[str]:
    return re.findall(r"{(.*?)}", text)


def test_the_demo_texts_have_only_the_placeholders_the_seed_fills():
    """The texts are data files now (demo/data/*.json): a typo in a placeholder would fail only
    in the middle of a seed, or print "{plase}" to a citizen's appeal."""
    for topic, _share in demo.TOPIC_SHARES:
        assert demo.TOPIC_TEXTS[topic] and demo.ANSWERS[topic], topic
    for templates in demo.TOPIC_TEXTS.values():
        for template in templates:
            names = placeholders(template)
            assert names.count("place") == 1 and names.count("city") <= 1 and set(names) <= {"place", "city"}, template
            assert "{" not in template.format(place="с. Аскиз", city="Аскизский")
    for templates in demo.ANSWERS.values():
        for template in templates:
            assert placeholders(template) in ([], ["place"]), template
    for text in [*demo.BURST_TEXTS, *demo.SPAM_TEXTS, *demo.CLARIFICATION_QUESTIONS, *demo.EXTENSION_REASONS]:
        assert not placeholders(text), text
    assert {kind for _name, kind in demo.MUNICIPALITIES} == {"city", "district"}
    assert all(demo.PLACES.values())
    people = json.loads((demo.HERE / "people.json").read_text(encoding="utf-8"))
    assert set(people["first_names"].values()) == {"male", "female"}  # a typo would make a woman a man
