"""An answer to publish that waits for a person is announced: its approvers are told it waits for
them (the press service's operators, or the ministry's head where the head approves), and its
drafter that it came back with a comment, or that the platform refused it or did not say whether it
published it. In the admin (the bell) and by e-mail, as the assignment notices are."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from appeals import access, services
from appeals.models import Appeal, Publication
from ministries import roles
from ministries.models import Approval, Official, SocialAccount
from notifications import services as notifications
from notifications.models import Notification

from ..factories import AccountFactory, AppealFactory, OfficialFactory, UserFactory

KRSK = ZoneInfo("Asia/Krasnoyarsk")
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=KRSK)
Kind = Notification.Kind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def addresses(operator, head_a, specialist_a, settings):
    settings.GOVFEEDBACK_PRESS_SERVICE_EMAIL = ""
    operator.email = "press@r-19.example"
    operator.save()
    head_a.email, specialist_a.email = "head@minstroy.example", "ivanova@minstroy.example"
    head_a.save()
    specialist_a.save()


def appeal_on(specialist, kind=SocialAccount.Kind.HEAD) -> Appeal:
    """An appeal in work by ``specialist``, a comment under a VK post of an account that publishes."""
    account = AccountFactory(kind=kind, ministry=specialist.ministry, access_token="vk-token")
    return AppealFactory(
        account=account,
        external_id=f"wall_reply-{account.external_id}_10_{Appeal.objects.count() + 50}",
        thread_id=f"wall-{account.external_id}_10",
        ministry=specialist.ministry,
        assignee=specialist,
        status=Appeal.Status.IN_PROGRESS,
        text="Во дворе по ул. Ленина, 45 нет света.",
    )


def told(kind) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_name", "channel"))


def test_the_press_service_is_told_an_answer_on_the_heads_account_waits_for_it(specialist_a, mailoutbox):
    appeal = appeal_on(specialist_a)
    services.reply(appeal, text="Аварийная бригада выехала, свет дадут к 18:00.", actor=specialist_a.user, now=NOW)
    assert told(Kind.ANSWER_APPROVAL) == [("Дарья Тюмерекова", "admin"), ("Дарья Тюмерекова", "email")]
    assert notifications.send_pending(NOW) == 1
    (message,) = mailoutbox
    assert message.to == ["press@r-19.example"]
    assert message.subject == f"Ответ на обращение №{appeal.pk} ждёт вашего согласования"
    assert "Аварийная бригада выехала, свет дадут к 18:00." in message.body
    assert "Иванова Мария" not in message.to and specialist_a.user.get_full_name() in message.body
    assert f"/admin/appeals/appeal/{appeal.pk}/change/" in message.body


def test_the_ministrys_head_is_told_where_the_head_approves(head_a, specialist_a, mailoutbox):
    head_a.ministry.answer_approval = Approval.HEAD
    head_a.ministry.save()
    appeal = appeal_on(specialist_a, kind=SocialAccount.Kind.MINISTRY_GROUP)
    services.resolve(appeal, answer="Свет дали.", actor=specialist_a.user, now=NOW)
    assert told(Kind.ANSWER_APPROVAL) == [("Чебодаев Айдар", "admin"), ("Чебодаев Айдар", "email")]
    notifications.send_pending(NOW)
    assert [message.to for message in mailoutbox] == [["head@minstroy.example"]]


def test_nobody_is_told_when_the_approver_answers_or_no_approval_is_needed(operator, specialist_a):
    services.reply(appeal_on(specialist_a), text="Ответ пресс-службы.", actor=operator, now=NOW)
    services.reply(
        appeal_on(specialist_a, kind=SocialAccount.Kind.MINISTRY_GROUP), text="Ответ.", actor=specialist_a.user, now=NOW
    )
    assert not Notification.objects.exists()
    assert set(Publication.objects.values_list("status", flat=True)) == {Publication.Status.QUEUED}


def test_the_drafter_is_told_the_answer_came_back_with_the_comment(operator, specialist_a, mailoutbox):
    appeal = appeal_on(specialist_a)
    services.reply(appeal, text="Разбираемся.", actor=specialist_a.user, now=NOW)
    Notification.objects.all().delete()
    services.return_answer(appeal, comment="Укажите срок восстановления света", actor=operator, now=NOW)
    assert told(Kind.ANSWER_RETURNED) == [("Иванова Мария", "admin"), ("Иванова Мария", "email")]
    notifications.send_pending(NOW)
    (message,) = mailoutbox
    assert message.to == ["ivanova@minstroy.example"]
    assert message.subject == f"Ваш ответ на обращение №{appeal.pk} возвращён на доработку"
    assert "Укажите срок восстановления света" in message.body and "Дарья Тюмерекова" in message.body

    # The bell says it in the specialist's words.
    client = Client()
    client.force_login(specialist_a.user)
    inbox = client.get(reverse("admin:notifications_inbox")).content.decode()
    assert f"Ваш ответ на обращение №{appeal.pk} возвращён на доработку" in inbox


@pytest.mark.parametrize(
    ("record", "kind", "subject"),
    [
        (services.record_publication_failed, Kind.ANSWER_FAILED, "Ответ на обращение №{id} не опубликован"),
        (
            services.record_publication_unknown,
            Kind.ANSWER_UNKNOWN,
            "Неизвестно, опубликован ли ответ на обращение №{id}",
        ),
    ],
)
def test_the_drafter_is_told_the_platform_refused_it_or_did_not_say(specialist_a, mailoutbox, record, kind, subject):
    appeal = appeal_on(specialist_a, kind=SocialAccount.Kind.MINISTRY_GROUP)
    services.reply(appeal, text="Ответ.", actor=specialist_a.user, now=NOW)
    record(Publication.objects.get(), reason="Комментарии к записи закрыты", now=NOW)
    assert told(kind) == [("Иванова Мария", "admin"), ("Иванова Мария", "email")]
    notifications.send_pending(NOW)
    (message,) = mailoutbox
    assert message.subject == subject.format(id=appeal.pk)
    assert "Комментарии к записи закрыты" in message.body


def test_a_failed_answer_without_a_drafter_goes_to_the_assignee(specialist_a):
    appeal = appeal_on(specialist_a, kind=SocialAccount.Kind.MINISTRY_GROUP)
    services.reply(appeal, text="Ответ.", now=NOW)  # the system (an import, the API's job) drafted it
    services.record_publication_failed(Publication.objects.get(), reason="Токен отозван", now=NOW)
    assert told(Kind.ANSWER_FAILED) == [("Иванова Мария", "admin"), ("Иванова Мария", "email")]


def test_the_demos_seeded_past_tells_nobody(specialist_a):
    with notifications.quiet():
        services.reply(appeal_on(specialist_a), text="Ответ.", actor=specialist_a.user, now=NOW)
    assert not Notification.objects.exists()


def test_the_deputies_who_may_approve_are_told_too(head_a, specialist_a):
    """One rule for who approves (``access.may_approve``): whoever it lets approve is told."""
    deputy = OfficialFactory(
        ministry=head_a.ministry,
        user=UserFactory(username="deputy_a"),
        full_name="Кокова Ирина",
        role=Official.Role.DEPUTY,
        email="deputy@minstroy.example",
    )
    roles.give_access(deputy)
    head_a.ministry.answer_approval = Approval.HEAD
    head_a.ministry.save()
    appeal = appeal_on(specialist_a, kind=SocialAccount.Kind.MINISTRY_GROUP)
    services.reply(appeal, text="Свет дадут к 18:00.", actor=specialist_a.user, now=NOW)
    assert access.may_approve(deputy.user, appeal, Approval.HEAD)
    assert told(Kind.ANSWER_APPROVAL) == [
        ("Кокова Ирина", "admin"),
        ("Кокова Ирина", "email"),
        ("Чебодаев Айдар", "admin"),
        ("Чебодаев Айдар", "email"),
    ]


def test_answers_waiting_for_one_person_go_in_one_message_and_a_login_without_an_address_has_the_bell(
    operator, specialist_a, mailoutbox
):
    for n in range(3):
        services.reply(appeal_on(specialist_a), text=f"Ответ {n}.", actor=specialist_a.user, now=NOW)
    nobody = UserFactory(username="operator_without_mail", email="", is_staff=True)
    nobody.groups.add(Group.objects.get(name=roles.OPERATORS_GROUP))
    services.reply(appeal_on(specialist_a), text="Ответ 4.", actor=specialist_a.user, now=NOW)
    assert Notification.objects.filter(recipient_user=nobody, channel="admin").count() == 1
    assert not Notification.objects.filter(recipient_user=nobody, channel="email").exists()
    assert notifications.send_pending(NOW) >= 1
    (message,) = mailoutbox
    assert message.to == ["press@r-19.example"]
    assert message.subject == "4 ответа ждут вашего согласования"
    assert all(f"№{appeal.pk}" in message.body for appeal in Appeal.objects.all())
