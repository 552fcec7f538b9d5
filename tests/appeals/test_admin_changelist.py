"""The operators' appeals list: colours, filters, a fixed number of queries, bulk actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory

URL = reverse("admin:appeals_appeal_changelist")


def listed_ids(response) -> set[int]:
    return {appeal.pk for appeal in response.context["cl"].result_list}


@pytest.mark.django_db
class TestList:
    def test_it_shows_overdue_in_red_and_due_soon_highlighted(self, operator_client):
        now = timezone.now()
        overdue = AppealFactory(due_at=now - timedelta(hours=2))
        soon = AppealFactory(due_at=now + timedelta(hours=1))
        later = AppealFactory(due_at=now + timedelta(hours=20))
        html = operator_client.get(URL).content.decode()
        assert html.count("gf-deadline-overdue") == 1
        assert html.count("gf-deadline-due_soon") == 1
        assert html.count("gf-deadline-on_time") == 1
        for appeal in (overdue, soon, later):
            assert f"/admin/appeals/appeal/{appeal.pk}/change/" in html

    def test_it_shows_the_source_author_text_and_deadline(self, operator_client, ministry_a):
        account = AccountFactory(platform=SocialAccount.Platform.TELEGRAM, title="Глава Республики — Telegram")
        AppealFactory(
            account=account,
            author_name="Анна Кызласова",
            ministry=ministry_a,
            text="В Черногорске не вывозят мусор уже неделю, контейнеры переполнены",
        )
        html = operator_client.get(URL).content.decode()
        assert "Глава Республики — Telegram" in html
        assert "Анна Кызласова" in html
        assert "В Черногорске не вывозят мусор" in html
        assert "Минстрой" in html

    def test_it_filters_the_overdue_appeals(self, operator_client):
        now = timezone.now()
        overdue = AppealFactory(due_at=now - timedelta(hours=1))
        AppealFactory(due_at=now + timedelta(hours=10))
        AppealFactory(due_at=now - timedelta(hours=1), status=Appeal.Status.RESOLVED, resolved_at=now, answer="Да")
        response = operator_client.get(URL, {"deadline": "overdue"})
        assert listed_ids(response) == {overdue.pk}

    def test_it_filters_due_soon_and_by_platform(self, operator_client):
        now = timezone.now()
        soon = AppealFactory(due_at=now + timedelta(hours=2), account=AccountFactory(platform="ok"))
        AppealFactory(due_at=now + timedelta(hours=12), account=AccountFactory(platform="ok"))
        assert listed_ids(operator_client.get(URL, {"deadline": "due_soon"})) == {soon.pk}
        assert len(listed_ids(operator_client.get(URL, {"platform": "ok"}))) == 2
        assert listed_ids(operator_client.get(URL, {"platform": "vk"})) == set()

    def test_it_finds_by_text_author_and_number(self, operator_client):
        water = AppealFactory(text="Нет холодной воды на ул. Пушкина", author_name="Олег Боргояков")
        AppealFactory(text="Яма на дороге")
        assert listed_ids(operator_client.get(URL, {"q": "холодной"})) == {water.pk}
        assert listed_ids(operator_client.get(URL, {"q": "Боргояков"})) == {water.pk}
        assert water.pk in listed_ids(operator_client.get(URL, {"q": f"№{water.pk}"}))

    @pytest.mark.parametrize("rows", [1, 200])
    def test_it_runs_a_fixed_number_of_queries(self, operator_client, django_assert_num_queries, rows):
        ministry = AppealFactory().ministry  # None; keeps the factories warm
        AppealFactory.create_batch(rows - 1, ministry=ministry)
        # 1 session, 2 user, 3 user's groups permissions, 4 user's own permissions, 5 the user's role,
        # 6 one query of capped counts (LIMIT 10001 each): the filtered list and the four counters,
        # 7 the page of appeals with account, topic, ministry and assignee joined, 8 topics,
        # 9 ministries and 10 accounts for the filters, 11 the access log entry (who saw which
        # appeals: audit.AccessLog), 12 the bell in the header.
        with django_assert_num_queries(12):
            response = operator_client.get(URL)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == min(rows, 50)

    def test_it_does_not_count_the_whole_table(self, operator_client, settings):
        settings.GOVFEEDBACK_ADMIN_COUNT_LIMIT = 5
        AppealFactory.create_batch(8)
        html = operator_client.get(URL).content.decode()
        assert "5" in html and "8 обращений" not in html
        assert "более 5" in html

    def test_its_counters_are_exact_below_the_limit_and_capped_above(self, operator_client, settings):
        now = timezone.now()
        AppealFactory.create_batch(3, due_at=now - timedelta(hours=1))
        AppealFactory.create_batch(2, due_at=now + timedelta(days=3), extension_reason="Комиссия")

        def counters():
            response = operator_client.get(URL)
            return {str(label): figure for label, figure, *_link in response.context["counters"]}

        new = {"новые, не распределены": 5}  # the factories' appeals are new and in no ministry
        assert counters() == {**new, "открыто": 5, "срок сегодня": 0, "просрочено": 3, "срок продлён": 2}
        settings.GOVFEEDBACK_ADMIN_COUNT_LIMIT = 4
        assert counters() == {
            "новые, не распределены": "4+",
            "открыто": "4+",
            "срок сегодня": 0,
            "просрочено": 3,
            "срок продлён": 2,
        }


@pytest.mark.django_db
class TestBulkActions:
    def post_action(self, client, action, appeals, query="", **data):
        return client.post(
            URL + query,
            {"action": action, "_selected_action": [a.pk for a in appeals], "index": 0, **data},
            follow=True,
        )

    def test_an_operator_assigns_twenty_overdue_appeals_to_a_ministry_in_one_action(
        self, operator, operator_client, ministry_a
    ):
        now = timezone.now()
        overdue = AppealFactory.create_batch(20, due_at=now - timedelta(hours=3))
        AppealFactory.create_batch(5, due_at=now + timedelta(hours=12))
        listed = operator_client.get(URL, {"deadline": "overdue"})
        assert listed_ids(listed) == {a.pk for a in overdue}

        form_page = self.post_action(operator_client, "bulk_assignministry", overdue, "?deadline=overdue")
        assert "Передать в ведомство" in form_page.content.decode()
        done = self.post_action(
            operator_client, "bulk_assignministry", overdue, "?deadline=overdue", apply="1", ministry=ministry_a.pk
        )
        assert done.status_code == 200
        assert Appeal.objects.filter(ministry=ministry_a, status=Appeal.Status.ASSIGNED).count() == 20
        assert AppealEvent.objects.filter(kind=AppealEvent.Kind.ASSIGNED, actor=operator).count() == 20
        assert "20" in " ".join(str(m) for m in done.context["messages"])

    def test_it_assigns_to_an_official_through_autocomplete(self, operator_client, specialist_a):
        appeals = AppealFactory.create_batch(3)
        page = self.post_action(operator_client, "bulk_assignofficial", appeals)
        assert "admin-autocomplete" in page.content.decode()
        self.post_action(operator_client, "bulk_assignofficial", appeals, apply="1", official=specialist_a.pk)
        assert Appeal.objects.filter(assignee=specialist_a, ministry=specialist_a.ministry).count() == 3

    def test_it_extends_deadlines_with_a_reason(self, operator_client):
        appeals = AppealFactory.create_batch(2)
        later = timezone.localtime() + timedelta(days=5)
        self.post_action(
            operator_client,
            "bulk_extend",
            appeals,
            apply="1",
            reason="Комиссия выезжает в понедельник",
            due_at_0=later.strftime("%d.%m.%Y"),
            due_at_1=later.strftime("%H:%M:%S"),
        )
        assert Appeal.objects.filter(extension_reason="Комиссия выезжает в понедельник").count() == 2

    def test_it_refuses_an_extension_into_the_past_and_changes_nothing(self, operator_client):
        appeals = AppealFactory.create_batch(2)
        before = sorted(Appeal.objects.values_list("due_at", flat=True))
        past = timezone.localtime() - timedelta(days=1)
        response = self.post_action(
            operator_client,
            "bulk_extend",
            appeals,
            apply="1",
            reason="Причина",
            due_at_0=past.strftime("%d.%m.%Y"),
            due_at_1=past.strftime("%H:%M:%S"),
        )
        messages = [str(m) for m in response.context["messages"]]
        assert any("будущем" in m for m in messages)
        assert sorted(Appeal.objects.values_list("due_at", flat=True)) == before
        assert not AppealEvent.objects.exists()

    def test_it_asks_again_when_the_reason_is_missing(self, operator_client):
        appeals = AppealFactory.create_batch(2)
        later = timezone.localtime() + timedelta(days=5)
        response = self.post_action(
            operator_client,
            "bulk_extend",
            appeals,
            apply="1",
            reason="",
            due_at_0=later.strftime("%d.%m.%Y"),
            due_at_1=later.strftime("%H:%M:%S"),
        )
        assert response.context["form"].errors["reason"]
        assert not Appeal.objects.exclude(extension_reason="").exists()

    def test_it_rejects_spam_and_reports_what_it_could_not_change(self, operator_client):
        spam = AppealFactory()
        closed = AppealFactory(status=Appeal.Status.RESOLVED, resolved_at=timezone.now(), answer="Ответ")
        response = self.post_action(operator_client, "bulk_reject", [spam, closed], apply="1", reason="spam")
        spam.refresh_from_db()
        closed.refresh_from_db()
        assert (spam.status, spam.rejection_reason) == (Appeal.Status.REJECTED, "spam")
        assert closed.status == Appeal.Status.RESOLVED
        messages = " ".join(str(m) for m in response.context["messages"])
        assert f"№{closed.pk}" in messages

    def test_it_sets_the_topic(self, operator_client, topics):
        appeals = AppealFactory.create_batch(2)
        self.post_action(operator_client, "bulk_settopic", appeals, apply="1", topic=topics["waste_reform"].pk)
        assert Appeal.objects.filter(topic=topics["waste_reform"]).count() == 2

    def test_it_offers_no_delete_action(self, operator_client):
        AppealFactory()
        html = operator_client.get(URL).content.decode()
        assert "delete_selected" not in html


@pytest.mark.django_db
def test_the_row_checkbox_is_the_one_django_draws(operator_client):
    """The list writes its row checkboxes directly (fast); the admin's JavaScript and the actions
    need exactly the markup of Django's own (a Russian label included)."""
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin
    from django.utils import translation

    appeal = AppealFactory()
    model_admin = admin.site._registry[Appeal]
    with translation.override("ru"):
        assert model_admin.action_checkbox(appeal) == ModelAdmin.action_checkbox(model_admin, appeal)
        assert "Выбрать этот объект" in model_admin.action_checkbox(appeal)
    page = operator_client.get(reverse("admin:appeals_appeal_changelist"))
    assert f'name="_selected_action" value="{appeal.pk}" class="action-select"' in page.content.decode()
