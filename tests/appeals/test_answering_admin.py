"""Answering in the admin: the reply form (templates, limit, suggestions, draft), the appeal page's
answer panel, the approvers' queue, the answer templates' scoping, and the citizen's reply panel."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import AnswerTemplate, Appeal, Publication
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory
from .test_answering import appeal_for, vk_group

pytestmark = pytest.mark.django_db
Answer = Publication.Status


def step_url(appeal, step):
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, step])


def change_url(appeal):
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def heads_appeal(specialist, topics, **fields):
    """An appeal on the Head's VK account (answers need the press service's approval)."""
    account = vk_group(specialist.ministry, kind=SocialAccount.Kind.HEAD, title="Глава Республики")
    return appeal_for(specialist, account=account, topic=topics["housing_utilities_landscaping"], **fields)


class TestReplyForm:
    def test_it_shows_the_templates_rendered_the_limit_and_the_approval(self, specialist_a, topics):
        appeal = heads_appeal(specialist_a, topics)
        AnswerTemplate.objects.create(
            title="Работы запланированы",
            text="{имя}, по обращению №{номер} работы пройдут {дата_работ}.",
            topic=topics["housing_utilities_landscaping"],
        )
        AnswerTemplate.objects.create(title="Другая тема", text="…", topic=topics["roads_transport"])
        page = client_of(specialist_a.user).get(step_url(appeal, "resolve"))
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-limit="4096"' in html
        assert "Работы запланированы" in html and "Другая тема" not in html
        # each template's text for this appeal, for the page to put into the answer
        assert list(page.context["template_texts"].values()) == [
            f"Анна Кызласова, по обращению №{appeal.pk} работы пройдут {{дата_работ}}."
        ]
        assert "Он уйдёт после согласования: пресс-служба." in html
        assert "Отправить на согласование" in html
        assert 'name="answer_url"' not in html  # the publication fills in the link

    def test_the_manual_path_says_why(self, specialist_a):
        twitter = AccountFactory(platform="twitter", ministry=specialist_a.ministry)
        appeal = appeal_for(specialist_a, account=twitter, external_id="1790002")
        html = client_of(specialist_a.user).get(step_url(appeal, "reply")).content.decode()
        assert "Этот ответ публикуется вручную." in html and "Twitter" in html
        assert 'name="answer_url"' in html

    def test_it_sends_the_answer_for_approval_with_the_works_date_filled_in(self, specialist_a, topics):
        appeal = heads_appeal(specialist_a, topics)
        response = client_of(specialist_a.user).post(
            step_url(appeal, "resolve"),
            {"answer": "Работы пройдут {дата_работ}.", "works_date": "05.12.2026"},
        )
        assert response.status_code == 302
        publication = Publication.objects.get(appeal=appeal)
        assert (publication.status, publication.text) == (Answer.AWAITING_APPROVAL, "Работы пройдут 05.12.2026.")

        page = client_of(specialist_a.user).get(change_url(appeal)).content.decode()
        assert "Ответ заявителю" in page and "ожидает согласования" in page.lower()

    def test_a_refusal_is_shown_and_nothing_is_queued(self, specialist_a, topics):
        appeal = heads_appeal(specialist_a, topics)
        response = client_of(specialist_a.user).post(step_url(appeal, "reply"), {"text": "Срок: {дата_работ}"})
        assert response.status_code == 200
        assert "Заполните {дата_работ}" in response.content.decode()
        assert not Publication.objects.exists()

    def test_save_as_a_draft(self, specialist_a, topics):
        appeal = heads_appeal(specialist_a, topics)
        client_of(specialist_a.user).post(step_url(appeal, "reply"), {"text": "Черновик", "_draft": "1"})
        assert Publication.objects.get(appeal=appeal).status == Answer.DRAFT
        # the reply page opens with the draft's text
        html = client_of(specialist_a.user).get(step_url(appeal, "reply")).content.decode()
        assert "Черновик</textarea>" in html

    def test_it_suggests_answers_to_similar_resolved_appeals_in_scope_only(
        self, specialist_a, head_a, ministry_b, topics
    ):
        topic = topics["housing_utilities_landscaping"]
        appeal = heads_appeal(specialist_a, topics, text="Нет горячей воды в доме на улице Ленина третий день")
        done = {"status": Appeal.Status.RESOLVED, "resolved_at": timezone.now(), "topic": topic}
        AppealFactory(
            text="Третий день нет горячей воды в доме",
            answer="Воду подали после ремонта.",
            ministry=head_a.ministry,
            **done,
        )
        AppealFactory(text="Нет горячей воды в доме", answer="Ответ другого ведомства.", ministry=ministry_b, **done)
        AppealFactory(text="Яма на дороге у школы", answer="Яму засыпали.", ministry=head_a.ministry, **done)
        html = client_of(head_a.user).get(step_url(appeal, "reply")).content.decode()
        assert "Воду подали после ремонта." in html
        assert "Ответ другого ведомства." not in html and "Яму засыпали." not in html

    @pytest.mark.parametrize("others", [1, 20])
    def test_the_page_runs_a_fixed_number_of_queries(self, specialist_a, topics, django_assert_num_queries, others):
        appeal = heads_appeal(specialist_a, topics)
        for number in range(others):
            AnswerTemplate.objects.create(title=f"Шаблон {number}", text="Ответ {имя}")
            AppealFactory(
                text=f"Нет горячей воды {number}",
                answer="Подали",
                status=Appeal.Status.RESOLVED,
                resolved_at=timezone.now() - timedelta(hours=number),
                ministry=specialist_a.ministry,
                topic=topics["housing_utilities_landscaping"],
            )
        client = client_of(specialist_a.user)
        client.get(step_url(appeal, "reply"))  # warm what is loaded once per process
        # 1 session, 2 user, 3 scope, 4 the appeal, 5-6 permissions, 7 its account (platform, token,
        # approval), 8 the templates, 9 the answer in hand, 10 the topic, 11 the conversation,
        # 12 the ministry, 13 the similar resolved appeals (one bounded query), 14 the notifications'
        # bell, 15 the assignee (the card), 16 the access log's write
        with django_assert_num_queries(16):
            assert client.get(step_url(appeal, "reply")).status_code == 200


class TestApprovals:
    def test_the_operator_approves_from_the_queue_and_the_answer_is_queued(self, specialist_a, operator, topics):
        appeal = heads_appeal(specialist_a, topics)
        services.reply(appeal, text="Проверяем информацию.", actor=specialist_a.user)
        queue = client_of(operator).get(reverse("admin:appeals_appeal_approvals")).content.decode()
        assert "Проверяем информацию." in queue and "1 ответ ждёт вашего согласования" in queue

        page = client_of(operator).get(step_url(appeal, "approve_answer"))
        assert "Проверяем информацию.</textarea>" in page.content.decode()
        client_of(operator).post(
            step_url(appeal, "approve_answer"), {"text": "Проверяем информацию, ответим до 18:00."}
        )
        publication = Publication.objects.get(appeal=appeal)
        assert (publication.status, publication.approved_by) == (Answer.QUEUED, operator)

    @pytest.mark.parametrize("waiting", [1, 30])
    def test_the_queue_runs_a_fixed_number_of_queries(
        self, specialist_a, operator, topics, django_assert_num_queries, waiting
    ):
        for number in range(waiting):
            services.reply(heads_appeal(specialist_a, topics), text=f"Проверяем {number}.", actor=specialist_a.user)
        client = client_of(operator)
        client.get(reverse("admin:appeals_appeal_approvals"))  # warm what is loaded once per process
        # 1 session, 2 user, 3 scope, 4-5 permissions, 6 the count, 7 the notifications' bell, 8 the
        # page's answers with their appeals, accounts, ministries and drafters
        with django_assert_num_queries(8):
            page = client.get(reverse("admin:appeals_appeal_approvals"))
        assert len(page.context["rows"]) == waiting

    def test_the_queue_is_paginated_oldest_first(self, specialist_a, operator, topics):
        for number in range(52):
            services.reply(heads_appeal(specialist_a, topics), text=f"Ответ {number}.", actor=specialist_a.user)
        first = client_of(operator).get(reverse("admin:appeals_appeal_approvals")).content.decode()
        assert "52 ответа ждут вашего согласования" in first and "Страница 1 из 2" in first
        assert "Ответ 0." in first and "Ответ 51." not in first
        second = client_of(operator).get(reverse("admin:appeals_appeal_approvals") + "?page=2").content.decode()
        assert "Ответ 51." in second and "Ответ 0." not in second

    def test_the_head_does_not_see_what_only_the_press_service_approves(self, specialist_a, head_a, topics):
        appeal = heads_appeal(specialist_a, topics)
        services.reply(appeal, text="Проверяем.", actor=specialist_a.user)
        queue = client_of(head_a.user).get(reverse("admin:appeals_appeal_approvals")).content.decode()
        assert "Нет ответов, ждущих вашего согласования." in queue
        assert client_of(head_a.user).post(step_url(appeal, "approve_answer"), {"text": "x"}).status_code == 200
        assert Publication.objects.get(appeal=appeal).status == Answer.AWAITING_APPROVAL

    def test_another_ministrys_people_and_specialists_cannot_open_it(self, specialist_a, head_b, topics):
        appeal = heads_appeal(specialist_a, topics)
        services.reply(appeal, text="Проверяем.", actor=specialist_a.user)
        assert client_of(specialist_a.user).get(reverse("admin:appeals_appeal_approvals")).status_code == 403
        assert (
            "Проверяем." not in client_of(head_b.user).get(reverse("admin:appeals_appeal_approvals")).content.decode()
        )
        assert client_of(head_b.user).get(step_url(appeal, "approve_answer")).status_code == 404

    def test_returned_the_drafter_sees_the_comment(self, specialist_a, operator, topics):
        appeal = heads_appeal(specialist_a, topics)
        services.reply(appeal, text="Ждите.", actor=specialist_a.user)
        client_of(operator).post(step_url(appeal, "return_answer"), {"comment": "Укажите срок"})
        html = client_of(specialist_a.user).get(change_url(appeal)).content.decode()
        assert "Возвращён с комментарием: «Укажите срок»" in html and "Изменить и отправить" in html


class TestPanel:
    def test_a_failed_answer_shows_the_platforms_reason_and_publish_again(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Ответ", actor=specialist_a.user)
        services.record_publication_failed(Publication.objects.get(), reason="Комментарии к записи закрыты")
        html = client_of(specialist_a.user).get(change_url(appeal)).content.decode()
        assert "Комментарии к записи закрыты" in html and "Опубликовать ответ повторно" in html
        client_of(specialist_a.user).post(step_url(appeal, "retry_answer"), {"csrfmiddlewaretoken": "-"})
        assert Publication.objects.get().status == Answer.QUEUED

    def test_an_older_failed_answer_stays_beside_a_newer_draft_and_is_the_one_retried(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Передали.", actor=specialist_a.user)
        failed = Publication.objects.get()
        services.record_publication_failed(failed, reason="Комментарии к записи закрыты")
        draft = services.draft_answer(appeal, text="Новый черновик", actor=specialist_a.user)
        specialist = client_of(specialist_a.user)
        html = specialist.get(change_url(appeal)).content.decode()
        assert "Комментарии к записи закрыты" in html and "Новый черновик" in html
        retry = f"{step_url(appeal, 'retry_answer')}?publication_id={failed.pk}"
        assert retry in html
        page = specialist.get(retry)
        assert page.context["publication"] == failed
        specialist.post(step_url(appeal, "retry_answer"), {"publication_id": failed.pk})
        failed.refresh_from_db()
        draft.refresh_from_db()
        assert (failed.status, draft.status) == (Answer.QUEUED, Answer.DRAFT)

    def test_the_list_says_what_keeps_an_answered_appeal_open(self, specialist_a, operator):
        queued_ = appeal_for(specialist_a)
        services.resolve(queued_, answer="Воду подали.", actor=specialist_a.user)
        waiting = appeal_for(specialist_a, account=vk_group(specialist_a.ministry, kind=SocialAccount.Kind.HEAD))
        services.resolve(waiting, answer="Воду подали.", actor=specialist_a.user)
        failed = appeal_for(specialist_a)
        services.reply(failed, text="Передали.", actor=specialist_a.user)
        services.record_publication_failed(Publication.objects.get(appeal=failed), reason="Закрыто")
        listing = client_of(operator).get(reverse("admin:appeals_appeal_changelist") + "?queue=open")
        rows = {appeal.pk: appeal.answer_state for appeal in listing.context["cl"].result_list}
        assert rows[queued_.pk] == "queued" and rows[waiting.pk] == "awaiting_approval"
        assert rows[failed.pk] == "failed"
        html = listing.content.decode()
        for label in ("ответ в очереди на публикацию", "ответ на согласовании", "ответ не опубликован"):
            assert label in html
        only = client_of(operator).get(reverse("admin:appeals_appeal_changelist") + "?queue=not_published")
        assert [appeal.pk for appeal in only.context["cl"].result_list] == [failed.pk]

    def test_the_conversation_links_the_published_reply_and_never_a_script(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Ответ", actor=specialist_a.user)
        services.record_published(Publication.objects.get(), external_id="5", url="https://vk.com/wall-1_10?reply=5")
        appeal.messages.create(direction="official", text="Вручную", url="javascript:alert(1)")
        client = client_of(specialist_a.user)
        for html in (
            client.get(change_url(appeal)).content.decode(),
            client.get(step_url(appeal, "comment")).content.decode(),
        ):
            assert 'href="https://vk.com/wall-1_10?reply=5"' in html and "открыть на платформе" in html
            assert "javascript:alert" not in html

    def test_published_with_its_link(self, specialist_a):
        appeal = appeal_for(specialist_a)
        services.reply(appeal, text="Ответ", actor=specialist_a.user)
        services.record_published(Publication.objects.get(), external_id="5", url="https://vk.com/wall-1_10?reply=5")
        html = client_of(specialist_a.user).get(change_url(appeal)).content.decode()
        assert 'href="https://vk.com/wall-1_10?reply=5"' in html and "открыть ответ на платформе" in html

    def test_the_citizens_reply_reopens_in_one_click(self, operator, ministry_a):
        appeal = AppealFactory(
            ministry=ministry_a,
            status=Appeal.Status.RESOLVED,
            resolved_at=timezone.now(),
            reacted_at=timezone.now(),
            answer="Готово",
        )
        appeal.messages.create(text="Спасибо, но кран опять течёт")
        html = client_of(operator).get(change_url(appeal)).content.decode()
        assert "Заявитель ответил после решения" in html and "Спасибо, но кран опять течёт" in html
        listed = client_of(operator).get(reverse("admin:appeals_appeal_changelist") + "?queue=reacted")
        assert [a.pk for a in listed.context["cl"].result_list] == [appeal.pk]

        reason = "Заявитель ответил после решения: «Спасибо, но кран опять течёт»"
        client_of(operator).post(step_url(appeal, "reopen"), {"reason": reason})
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.ASSIGNED and appeal.reacted_at is None


class TestTemplatesAdmin:
    def test_a_head_keeps_their_ministrys_templates_and_reads_the_common_ones(self, head_a, ministry_b):
        common = AnswerTemplate.objects.create(title="Общий", text="Спасибо за обращение")
        own = AnswerTemplate.objects.create(title="Свой", text="Ответ", ministry=head_a.ministry)
        foreign = AnswerTemplate.objects.create(title="Чужой", text="Ответ", ministry=ministry_b)
        client = client_of(head_a.user)
        listed = client.get(reverse("admin:appeals_answertemplate_changelist"))
        assert {t.pk for t in listed.context["cl"].result_list} == {common.pk, own.pk}
        assert client.get(reverse("admin:appeals_answertemplate_change", args=[foreign.pk])).status_code == 404
        page = client.get(reverse("admin:appeals_answertemplate_change", args=[common.pk])).content.decode()
        assert 'name="text"' not in page  # read-only for a head
        client.post(
            reverse("admin:appeals_answertemplate_change", args=[own.pk]),
            {
                "title": "Свой",
                "text": "Новый текст {номер}",
                "ministry": head_a.ministry.pk,
                "position": 0,
                "is_active": "on",
            },
        )
        own.refresh_from_db()
        assert own.text == "Новый текст {номер}"

    def test_a_specialist_reads_and_never_changes(self, specialist_a):
        own = AnswerTemplate.objects.create(title="Свой", text="Ответ", ministry=specialist_a.ministry)
        client = client_of(specialist_a.user)
        assert client.get(reverse("admin:appeals_answertemplate_changelist")).status_code == 200
        assert client.get(reverse("admin:appeals_answertemplate_add")).status_code == 403
        client.post(
            reverse("admin:appeals_answertemplate_change", args=[own.pk]),
            {"title": "Свой", "text": "Подмена", "position": 0},
        )
        own.refresh_from_db()
        assert own.text == "Ответ"
