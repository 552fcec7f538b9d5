"""The demo shows answering: answer templates for its topics and ministries with the reply form's
placeholders, one community whose answers its ministry's head approves, and — its accounts having
no tokens (no real platform behind the demo) — a reply form that says why the answer goes by hand."""

from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from appeals import answers
from appeals.models import AnswerTemplate, Appeal
from demo import government as demo
from ministries.models import Approval, SocialAccount


@pytest.fixture
def seeded(db, capsys):
    call_command("seed_demo", appeals=60)
    capsys.readouterr()


def test_the_templates_use_only_the_placeholders_the_form_fills():
    for about in demo.ANSWER_TEMPLATES:
        names = [match.group(1) for match in answers.PLACEHOLDER_RE.finditer(about["text"])]
        assert names and set(names) <= set(answers.PLACEHOLDERS), about["title"]
        assert "{" not in answers.PLACEHOLDER_RE.sub("", about["text"]), about["title"]  # no stray brace
    titles = [about["title"] for about in demo.ANSWER_TEMPLATES]
    assert len(titles) == len(set(titles))  # the seed finds each by its title


def test_the_demo_seeds_the_templates_once_for_each_topic(seeded):
    assert AnswerTemplate.objects.count() == len(demo.ANSWER_TEMPLATES)
    topics = set(AnswerTemplate.objects.exclude(topic=None).values_list("topic__code", flat=True))
    assert topics == {code for code, _share in demo.TOPIC_SHARES}
    call_command("seed_demo", appeals=60)
    assert AnswerTemplate.objects.count() == len(demo.ANSWER_TEMPLATES)


def test_a_template_fills_in_for_a_demo_appeal(seeded):
    appeal = Appeal.objects.filter(ministry__slug="minstroy", topic__code="housing_utilities_landscaping").first()
    offered = list(AnswerTemplate.objects.for_appeal(appeal))
    assert {"Нет воды: аварийные работы", "Обращение принято в работу"} <= {t.title for t in offered}
    for template in offered:
        text = answers.render(template.text, appeal, date(2026, 12, 5))
        assert not answers.unfilled(text), text
        assert str(appeal.pk) in text and appeal.author_name in text


def test_one_community_needs_its_heads_approval_and_the_heads_accounts_the_press_services(seeded):
    community = SocialAccount.objects.get(kind=SocialAccount.Kind.MINISTRY_GROUP, ministry__slug="minstroy")
    assert community.answer_approval == Approval.HEAD
    on_community = Appeal.objects.filter(account=community).first()
    on_heads = Appeal.objects.filter(account__kind=SocialAccount.Kind.HEAD).exclude(ministry=None).first()
    assert answers.approval_for(on_community) == Approval.HEAD
    assert answers.approval_for(on_heads) == Approval.PRESS_SERVICE


def test_the_reply_form_says_in_russian_why_the_answer_goes_by_hand(seeded):
    community = SocialAccount.objects.get(kind=SocialAccount.Kind.MINISTRY_GROUP, ministry__slug="minstroy")
    appeal = Appeal.objects.open().filter(account=community).exclude(assignee=None).first()
    if appeal is None:
        appeal = Appeal.objects.filter(account=community).exclude(assignee=None).first()
        Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.IN_PROGRESS)
    client = Client()
    client.force_login(appeal.assignee.user)
    html = client.get(reverse("admin:appeals_appeal_step", args=[appeal.pk, "resolve"])).content.decode()
    assert "Этот ответ публикуется вручную." in html
    assert f"Система не может публиковать ответы от имени аккаунта «{community}»: у него нет токена доступа" in html
    assert "Согласует ответы: руководитель ведомства — но только те, что публикует система" in html
    assert "Опубликуйте ответ там, где написал заявитель, от имени аккаунта и вставьте сюда ссылку на него." in html
    assert "Нет воды: аварийные работы" in html or "Обращение принято в работу" in html
