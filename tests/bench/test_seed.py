"""The benchmark's seed (bench/seed.py): bulk appeals with the issue's shape, a few queries per batch."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import Appeal
from bench import seed

pytestmark = pytest.mark.django_db


def test_it_inserts_in_bulk_with_open_and_overdue_appeals(capsys, django_assert_max_num_queries):
    call_command("seed_demo", appeals=1)
    with django_assert_max_num_queries(400):  # the organisation and a few per batch; none per row
        seed.main(["--appeals", "2000", "--batch", "500"])
    assert Appeal.objects.count() == 2001
    open_share = Appeal.objects.open().count() / 2000
    assert 0.25 < open_share < 0.35
    overdue = Appeal.objects.overdue(timezone.now()).count()
    assert 0.2 < overdue / Appeal.objects.open().count() < 0.4
    out = capsys.readouterr().out
    assert "2,000/2,000 appeals" in out  # the progress
    assert out.rstrip().splitlines()[-1].startswith("Seeded 2,000 appeals in ")  # and a one-line summary


def test_it_refuses_an_empty_seed_or_a_share_outside_0_to_1(capsys):
    for args in (["--appeals", "0"], ["--open-share", "1.5"]):
        with pytest.raises(SystemExit) as refused:
            seed.main(args)
        assert refused.value.code == 2
    assert not Appeal.objects.exists()
    assert "must be positive" in capsys.readouterr().err
