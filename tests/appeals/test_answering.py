"""Answering through the platform: drafting, approval, return and resubmission, retries, and the
refusals that come before anything is queued (appeals/services.py, appeals/answers.py)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from appeals import access, answers, services
from appeals.models import AnswerTemplate, Appeal, AppealEvent, Publication
from ministries.models import Approval, SocialAccount

from ..factories import AccountFactory, AppealFactory

Status = Appeal.Status
Kind = AppealEvent.Kind
Answer = Publication.Status

pytestmark = pytest.mark.django_db


def vk_group(ministry, **fields) -> SocialAccount:
    """A ministry's VK community that can publish (it has a token)."""
    defaults = {"kind": SocialAccount.Kind.MINISTRY_GROUP, "ministry": ministry, "access_token": "vk-token"}
    return AccountFactory(**{**defaults, **fields})


def appeal_for(specialist, account=None, **fields) -> Appeal:
    """An appeal in work by ``specialist``, written as a comment under a post of ``account``."""
    account = account or vk_group(specialist.ministry)
    defaults = {
        "account": account,
        "external_id": f"wall_reply-{account.external_id}_10_{Appeal.objects.count() + 77}",
        "thread_id": f"wall-{account.external_id}_10",
        "author_name": "Анна Кызласова",
        "author_external_id": "501",
        "ministry": specialist.ministry,
        "assignee": specialist,
        "status": Status.IN_PROGRESS,
    }
    return AppealFactory(**{**defaults, **fields})


def kinds(appeal) -> list[str]:
    return list(appeal.events.order_by("at", "id").values_list("kind", flat=True))


def answer_of(appeal) -> Publication:
    return Publication.objects.filter(appeal=appeal).first()


class TestReplyAndResolveQueue:
    def test_a_reply_is_queued_and_the_first_answer_waits_for_the_platform(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Передали в управляющую компанию.", actor=specialist_a.user)
        appeal.refresh_from_db()
        publication = answer_of(appeal)
        assert (publication.status, publication.resolves, publication.drafted_by) == (
            Answer.QUEUED,
            False,
            specialist_a.user,
        )
        assert appeal.first_answered_at is None and appeal.status == Status.IN_PROGRESS
        assert not appeal.messages.exists()  # nothing is in the conversation until it is published
        assert kinds(appeal)[-1] == Kind.ANSWER_QUEUED

        services.record_published(publication, external_id="901", url="https://vk.com/wall-1_10?reply=901")
        appeal.refresh_from_db()
        assert appeal.first_answered_at is not None
        assert appeal.messages.get().text == "Передали в управляющую компанию."

    def test_a_resolution_resolves_when_the_platform_confirms_it(self, specialist_a):
        appeal = appeal_for(specialist_a, due_at=timezone.now() + timedelta(hours=1))
        services.resolve(appeal, answer="Воду подали в 18:00.", actor=specialist_a.user)
        appeal.refresh_from_db()
        assert appeal.status == Status.IN_PROGRESS and appeal.resolved_at is None  # the citizen saw nothing yet
        assert Appeal.objects.open().filter(pk=appeal.pk).exists()
        assert answer_of(appeal).status == Answer.QUEUED and answer_of(appeal).resolves
        assert kinds(appeal)[-1] == Kind.ANSWER_QUEUED

        later = timezone.now() + timedelta(hours=2)  # confirmed after the deadline
        services.record_published(
            answer_of(appeal), external_id="902", url="https://vk.com/wall-1_10?reply=902", now=later
        )
        appeal.refresh_from_db()
        assert (appeal.status, appeal.answer) == (Status.RESOLVED, "Воду подали в 18:00.")
        assert appeal.answer_url == "https://vk.com/wall-1_10?reply=902"
        assert appeal.resolved_at == later and appeal.first_answered_at == later
        assert kinds(appeal)[-2:] == [Kind.RESOLVED, Kind.ANSWER_PUBLISHED]
        assert appeal.events.get(kind=Kind.RESOLVED).data["on_time"] is False

    def test_a_failed_resolution_leaves_the_appeal_open(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.resolve(appeal, answer="Воду подали.", actor=specialist_a.user)
        services.record_publication_failed(answer_of(appeal), reason="Комментарии закрыты")
        appeal.refresh_from_db()
        assert appeal.status == Status.IN_PROGRESS and appeal.first_answered_at is None
        assert Appeal.objects.open().filter(pk=appeal.pk).exists()
        assert Appeal.objects.answer_not_published().filter(pk=appeal.pk).exists()
        services.retry_answer(appeal, actor=specialist_a.user)
        assert answer_of(appeal).status == Answer.QUEUED

    def test_nothing_else_answers_or_closes_it_while_its_resolution_is_queued(self, specialist_a, operator):
        appeal = appeal_for(specialist_a)
        services.resolve(appeal, answer="Воду подали.", actor=specialist_a.user)
        for step in (
            lambda: services.reply(appeal, text="Ещё ответ", actor=specialist_a.user),
            lambda: services.resolve(appeal, answer="Другой ответ", actor=specialist_a.user),
            lambda: services.reject(appeal, reason="spam", actor=operator),
        ):
            with pytest.raises(services.Refused, match="в очереди на публикацию"):
                step()
        assert Publication.objects.filter(appeal=appeal).count() == 1

    def test_a_form_sent_twice_queues_the_answer_once(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Передали в управляющую компанию.", actor=specialist_a.user)
        with pytest.raises(services.Refused, match="уже в очереди"):
            services.reply(appeal, text="Передали в управляющую компанию.\r\n", actor=specialist_a.user)
        assert Publication.objects.filter(appeal=appeal).count() == 1
        services.reply(appeal, text="Работы начнутся завтра.", actor=specialist_a.user)  # another answer is fine
        assert Publication.objects.filter(appeal=appeal).count() == 2

    def test_a_link_typed_by_hand_is_refused_where_the_system_publishes(self, specialist_a):
        appeal = appeal_for(specialist_a)
        with pytest.raises(services.Refused, match="оставьте ссылку пустой"):
            services.reply(appeal, text="Ответ", answer_url="https://vk.com/x", actor=specialist_a.user)
        assert not Publication.objects.exists()

    def test_twitter_keeps_the_manual_path(self, specialist_a):
        twitter = AccountFactory(platform="twitter", ministry=specialist_a.ministry, access_token="")
        appeal = appeal_for(specialist_a, account=twitter, external_id="1790000")
        services.resolve(appeal, answer="Сделано", answer_url="https://x.com/a/status/1", actor=specialist_a.user)
        appeal.refresh_from_db()
        assert (appeal.status, appeal.answer_url) == (Status.RESOLVED, "https://x.com/a/status/1")
        assert appeal.first_answered_at is not None  # published by hand: the person says when
        assert not Publication.objects.exists()
        assert "Twitter" in services.publishing_refusal(appeal)


class TestApproval:
    def test_the_heads_account_needs_the_press_service_by_default(self, specialist_a, ministry_a):
        heads = vk_group(ministry_a, kind=SocialAccount.Kind.HEAD)
        assert answers.approval_for(appeal_for(specialist_a, account=heads)) == Approval.PRESS_SERVICE
        assert answers.approval_for(appeal_for(specialist_a)) == Approval.NONE
        ministry_a.answer_approval = Approval.HEAD
        ministry_a.save()
        assert answers.approval_for(appeal_for(specialist_a)) == Approval.HEAD
        own = vk_group(ministry_a, kind=SocialAccount.Kind.HEAD, answer_approval=Approval.NONE)
        assert answers.approval_for(appeal_for(specialist_a, account=own)) == Approval.NONE

    def test_a_specialists_answer_waits_and_the_operator_approves_it_edited(self, specialist_a, operator, ministry_a):
        appeal = appeal_for(specialist_a, account=vk_group(ministry_a, kind=SocialAccount.Kind.HEAD))
        services.resolve(appeal, answer="Воду дадут завтра", actor=specialist_a.user)
        appeal.refresh_from_db()
        assert appeal.status == Status.IN_PROGRESS  # resolved only when approved
        assert answer_of(appeal).status == Answer.AWAITING_APPROVAL
        assert kinds(appeal)[-1] == Kind.ANSWER_SUBMITTED

        services.approve_answer(appeal, text="Воду дадут завтра к 12:00.", actor=operator)
        appeal.refresh_from_db()
        publication = answer_of(appeal)
        assert (publication.status, publication.text, publication.approved_by) == (
            Answer.QUEUED,
            "Воду дадут завтра к 12:00.",
            operator,
        )
        assert appeal.status == Status.IN_PROGRESS  # resolved when the platform confirms it
        assert kinds(appeal)[-1] == Kind.ANSWER_APPROVED  # approved and queued: one event
        approved = appeal.events.get(kind=Kind.ANSWER_APPROVED)
        assert approved.data["text"] == ["Воду дадут завтра", "Воду дадут завтра к 12:00."]

    def test_approving_a_multiline_answer_unchanged_records_no_edit(self, specialist_a, operator, ministry_a):
        appeal = appeal_for(specialist_a, account=vk_group(ministry_a, kind=SocialAccount.Kind.HEAD))
        services.reply(appeal, text="Строка один.\nСтрока два.", actor=specialist_a.user)
        services.approve_answer(appeal, text="Строка один.\r\nСтрока два.", actor=operator)  # as a form sends it
        assert "text" not in appeal.events.get(kind=Kind.ANSWER_APPROVED).data
        assert answer_of(appeal).text == "Строка один.\nСтрока два."

    def test_only_the_press_service_approves_the_heads_accounts(self, specialist_a, head_a, ministry_a):
        appeal = appeal_for(specialist_a, account=vk_group(ministry_a, kind=SocialAccount.Kind.HEAD))
        services.reply(appeal, text="Проверяем", actor=specialist_a.user)
        with pytest.raises(services.Refused, match="пресс-служба"):
            services.approve_answer(appeal, actor=head_a.user)
        with pytest.raises(services.Refused, match="руководитель ведомства или пресс-служба"):
            services.approve_answer(appeal, actor=specialist_a.user)
        assert answer_of(appeal).status == Answer.AWAITING_APPROVAL

    def test_the_head_approves_where_the_ministry_says_so_and_answers_without_approval(
        self, specialist_a, head_a, ministry_a
    ):
        ministry_a.answer_approval = Approval.HEAD
        ministry_a.save()
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Проверяем", actor=specialist_a.user)
        services.approve_answer(appeal, actor=head_a.user)
        assert answer_of(appeal).status == Answer.QUEUED

        other = appeal_for(specialist_a)
        services.reply(other, text="Бригада выехала", actor=head_a.user)  # the approver answers
        assert (answer_of(other).status, answer_of(other).approved_by) == (Answer.QUEUED, head_a.user)

    def test_returned_with_a_comment_edited_and_resubmitted(self, specialist_a, operator, ministry_a):
        appeal = appeal_for(specialist_a, account=vk_group(ministry_a, kind=SocialAccount.Kind.HEAD))
        services.reply(appeal, text="Ждите", actor=specialist_a.user)
        with pytest.raises(services.Refused, match="Укажите, что исправить"):
            services.return_answer(appeal, comment=" ", actor=operator)
        services.return_answer(appeal, comment="Укажите срок работ", actor=operator)
        publication = answer_of(appeal)
        assert (publication.status, publication.return_comment) == (Answer.RETURNED, "Укажите срок работ")

        services.draft_answer(appeal, text="Работы закончат до пятницы.", actor=specialist_a.user)
        services.submit_answer(appeal, actor=specialist_a.user)
        publication.refresh_from_db()
        assert (publication.status, publication.text, publication.return_comment) == (
            Answer.AWAITING_APPROVAL,
            "Работы закончат до пятницы.",
            "",
        )
        assert Publication.objects.filter(appeal=appeal).count() == 1  # one answer in hand, edited
        assert kinds(appeal)[-4:] == [
            Kind.ANSWER_SUBMITTED,
            Kind.ANSWER_RETURNED,
            Kind.ANSWER_DRAFTED,
            Kind.ANSWER_SUBMITTED,
        ]

    def test_a_draft_is_deleted(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.draft_answer(appeal, text="Черновик", actor=specialist_a.user)
        services.cancel_answer(appeal, actor=specialist_a.user)
        assert not Publication.objects.exists()
        assert kinds(appeal)[-2:] == [Kind.ANSWER_DRAFTED, Kind.ANSWER_CANCELLED]
        with pytest.raises(services.Refused):
            services.cancel_answer(appeal, actor=specialist_a.user)


class TestRefusals:
    """Each refusal comes before anything is queued, and changes nothing."""

    def refused(self, call, message_part, appeal):
        before = (kinds(appeal), list(Publication.objects.values_list("pk", "status", "text")))
        with pytest.raises(services.Refused) as refused:
            call()
        assert message_part in refused.value.message
        assert (kinds(appeal), list(Publication.objects.values_list("pk", "status", "text"))) == before

    def test_over_the_platforms_limit(self, specialist_a):
        appeal = appeal_for(specialist_a)
        self.refused(
            lambda: services.reply(appeal, text="а" * 4097, actor=specialist_a.user),
            "Длина ответа — 4097, а ВКонтакте принимает здесь не больше 4096 символов: сократите его",
            appeal,
        )

    def test_empty_after_the_template(self, specialist_a):
        appeal = appeal_for(specialist_a)
        blank = AnswerTemplate.objects.create(title="Пустой", text="   ")
        self.refused(
            lambda: services.draft_answer(appeal, template=blank, actor=specialist_a.user), "Ответ пуст", appeal
        )

    def test_a_placeholder_left_unfilled(self, specialist_a):
        appeal = appeal_for(specialist_a)
        self.refused(
            lambda: services.reply(appeal, text="Работы пройдут {дата_работ}.", actor=specialist_a.user),
            "Заполните {дата_работ}",
            appeal,
        )

    @pytest.mark.parametrize("name", ["id612345678", "", "club42"])
    def test_a_name_that_is_only_the_platforms_id_asks_to_edit_the_greeting(self, specialist_a, name):
        appeal = appeal_for(specialist_a, author_name=name, author_external_id="612345678")
        draft = services.draft_answer(appeal, text="{имя}, здравствуйте! Воду дали.", actor=specialist_a.user)
        assert draft.text == "{имя}, здравствуйте! Воду дали."  # never «id612345678, здравствуйте!»
        self.refused(
            lambda: services.submit_answer(appeal, actor=specialist_a.user), "отредактируйте приветствие", appeal
        )

    def test_no_token(self, specialist_a):
        appeal = appeal_for(specialist_a)
        SocialAccount.objects.filter(pk=appeal.account_id).update(access_token="")
        appeal = Appeal.objects.get(pk=appeal.pk)
        self.refused(
            lambda: services.draft_answer(appeal, text="Ответ", actor=specialist_a.user), "нет токена доступа", appeal
        )

    def test_a_platform_that_cannot_be_answered(self, specialist_a):
        twitter = AccountFactory(platform="twitter", ministry=specialist_a.ministry)
        appeal = appeal_for(specialist_a, account=twitter, external_id="1790001")
        self.refused(lambda: services.draft_answer(appeal, text="Ответ", actor=specialist_a.user), "Twitter", appeal)

    def test_a_token_revoked_after_queueing_refuses_the_retry(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Ответ", actor=specialist_a.user)
        services.record_publication_failed(answer_of(appeal), reason="Токен отозван")
        SocialAccount.objects.filter(pk=appeal.account_id).update(access_token="")
        self.refused(lambda: services.retry_answer(appeal, actor=specialist_a.user), "нет токена доступа", appeal)

    def test_another_ministrys_specialist(self, specialist_a, specialist_b):
        appeal = appeal_for(specialist_a)
        self.refused(
            lambda: services.draft_answer(appeal, text="Ответ", actor=specialist_b.user), "другому ведомству", appeal
        )


class TestTemplates:
    def test_placeholders_are_filled_and_a_citizens_braces_stay_text(self, specialist_a):
        appeal = appeal_for(specialist_a, author_name="Анна {номер}")
        template = AnswerTemplate.objects.create(
            title="Плановые работы",
            text="{имя}, по обращению №{номер} {ведомство} сообщает: работы пройдут {дата_работ}.",
        )
        publication = services.draft_answer(
            appeal, template=template, works_date=date(2026, 12, 5), actor=specialist_a.user
        )
        assert publication.text == (
            f"Анна номер, по обращению №{appeal.pk} Министерство строительства и ЖКХ сообщает: "
            "работы пройдут 05.12.2026."
        )

    def test_the_template_must_fit_the_appeal(self, specialist_a, ministry_b):
        appeal = appeal_for(specialist_a)
        foreign = AnswerTemplate.objects.create(title="Минтранс", text="Ответ Минтранса", ministry=ministry_b)
        with pytest.raises(services.Refused, match="не для этого обращения"):
            services.draft_answer(appeal, template=foreign, actor=specialist_a.user)
        assert list(AnswerTemplate.objects.for_appeal(appeal)) == []

    def test_a_template_with_an_unknown_placeholder_is_not_saved(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match=r"Неизвестные подстановки: \{адрес\}"):
            AnswerTemplate(title="Адрес", text="По адресу {адрес}").full_clean()


class TestRetry:
    def test_a_failed_answer_is_queued_again_with_the_same_key(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Ответ", actor=specialist_a.user)
        publication = answer_of(appeal)
        key = publication.idempotency_key
        services.record_publication_failed(publication, reason="Комментарии закрыты")
        services.retry_answer(appeal, actor=specialist_a.user)
        publication.refresh_from_db()
        assert (publication.status, publication.idempotency_key, publication.last_error) == (Answer.QUEUED, key, "")
        retried = appeal.events.filter(kind=Kind.ANSWER_RETRIED).get()
        assert retried.note == "Комментарии закрыты"

    def test_an_unknown_outcome_is_queued_again_only_knowingly_or_confirmed_with_its_link(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.resolve(appeal, answer="Готово", actor=specialist_a.user)
        publication = answer_of(appeal)
        services.record_publication_unknown(publication, reason="Нет ответа от платформы")
        with pytest.raises(services.Refused, match="Неизвестно, опубликован ли ответ"):
            services.retry_answer(appeal, actor=specialist_a.user)
        with pytest.raises(services.Refused, match="https://"):
            services.confirm_answer(appeal, url="javascript:alert(1)", actor=specialist_a.user)

        services.confirm_answer(appeal, url="https://vk.com/wall-1_10?reply=5", actor=specialist_a.user)
        publication.refresh_from_db()
        appeal.refresh_from_db()
        assert (publication.status, publication.url) == (Answer.PUBLISHED, "https://vk.com/wall-1_10?reply=5")
        assert appeal.answer_url == "https://vk.com/wall-1_10?reply=5" and appeal.first_answered_at is not None
        published = appeal.events.get(kind=Kind.ANSWER_PUBLISHED)
        assert (published.actor, published.data["status"]) == (specialist_a.user, [Answer.UNKNOWN, Answer.PUBLISHED])

    def test_knowingly(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Ответ", actor=specialist_a.user)
        services.record_publication_unknown(answer_of(appeal), reason="Нет ответа")
        services.retry_answer(appeal, checked=True, actor=specialist_a.user)
        assert answer_of(appeal).status == Answer.QUEUED


def test_rejecting_cancels_the_answer_awaiting_approval_in_its_one_event(specialist_a, operator):
    appeal = appeal_for(specialist_a, account=vk_group(specialist_a.ministry, kind=SocialAccount.Kind.HEAD))
    services.resolve(appeal, answer="Готово", actor=specialist_a.user)
    waiting = answer_of(appeal)
    assert access.approvable(operator, Publication.objects.filter(status=Answer.AWAITING_APPROVAL)).count() == 1
    services.reject(appeal, reason="spam", actor=operator)
    with pytest.raises(services.Refused, match="действие «согласовать ответ» недоступно"):
        services.approve_answer(appeal, actor=operator)
    assert not Publication.objects.filter(appeal=appeal).exists()
    assert kinds(appeal)[-1] == Kind.REJECTED
    assert appeal.events.get(kind=Kind.REJECTED).data["cancelled_answers"] == [waiting.pk]
    assert not access.approvable(operator, Publication.objects.filter(status=Answer.AWAITING_APPROVAL)).exists()


def test_resolving_by_hand_cancels_an_interim_answer_awaiting_approval(specialist_a, operator, ministry_a):
    appeal = appeal_for(specialist_a, account=vk_group(ministry_a, kind=SocialAccount.Kind.HEAD))
    services.reply(appeal, text="Проверяем", actor=specialist_a.user)
    SocialAccount.objects.filter(pk=appeal.account_id).update(access_token="")  # now answered by hand
    services.resolve(appeal, answer="Сделано", answer_url="https://vk.com/wall-1_10?reply=5", actor=operator)
    assert not Publication.objects.filter(appeal=appeal).exists()
    assert appeal.events.get(kind=Kind.RESOLVED).data["cancelled_answers"]


def test_the_clock_is_not_stopped_by_an_answer_awaiting_approval(specialist_a, ministry_a):
    appeal = appeal_for(
        specialist_a,
        account=vk_group(ministry_a, kind=SocialAccount.Kind.HEAD),
        first_answer_due_at=timezone.now() - timedelta(minutes=1),
    )
    services.reply(appeal, text="Проверяем", actor=specialist_a.user)
    assert Appeal.objects.first_answer_overdue().filter(pk=appeal.pk).exists()
