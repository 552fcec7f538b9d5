"""The demo and the bench data: realistic, idempotent, quick."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from analytics.models import SpikeAlert, WeeklyReport
from appeals.models import Appeal, AppealEvent
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


@pytest.mark.django_db
def test_seed_bench_inserts_in_bulk_with_open_and_overdue_appeals(capsys, django_assert_max_num_queries):
    call_command("seed_demo", appeals=1)
    with django_assert_max_num_queries(400):  # the organisation and a few per batch; none per row
        call_command("seed_bench", appeals=2000, batch=500)
    assert Appeal.objects.count() == 2001
    open_share = Appeal.objects.open().count() / 2000
    assert 0.25 < open_share < 0.35
    overdue = Appeal.objects.overdue(timezone.now()).count()
    assert 0.2 < overdue / Appeal.objects.open().count() < 0.4
    assert "Seeded 2,000 appeals" in capsys.readouterr().out
