"""The step pages made for people: the current deadline, +1/+3/+5 working days from the holidays
calendar, the conversation beside the form; «start work» with no page of its own; a fixed number of
queries on the appeal's page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.admin.appeal import AppealAdmin
from appeals.models import Appeal, AppealMessage

from ..factories import AppealEventFactory, AppealFactory

KRS = ZoneInfo("Asia/Krasnoyarsk")
LIST = reverse("admin:appeals_appeal_changelist")


def step_url(appeal, step):
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, step])


def change_url(appeal):
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


class TestExtendPage:
    def test_the_shortcuts_count_working_days_of_the_holidays_calendar(self):
        # Tuesday 29 December 2026, 15:00: 31 December and 1-8 January are days off.
        appeal = Appeal(due_at=datetime(2026, 12, 29, 15, 0, tzinfo=KRS))
        shortcuts = AppealAdmin.deadline_shortcuts(appeal, now=datetime(2026, 12, 28, 10, 0, tzinfo=KRS))
        assert [(days, when.strftime("%d.%m.%Y %H:%M")) for days, when in shortcuts] == [
            (1, "30.12.2026 15:00"),
            (3, "12.01.2027 15:00"),
            (5, "14.01.2027 15:00"),
        ]

    def test_an_overdue_appeal_is_extended_from_now(self):
        appeal = Appeal(due_at=datetime(2026, 11, 27, 15, 0, tzinfo=KRS))
        shortcuts = AppealAdmin.deadline_shortcuts(appeal, now=datetime(2026, 11, 30, 10, 0, tzinfo=KRS))  # Monday
        assert shortcuts[0][1] == datetime(2026, 12, 1, 10, 0, tzinfo=KRS)

    @pytest.mark.django_db
    def test_the_page_offers_them_as_buttons_that_fill_the_date_and_time(self, operator_client):
        appeal = AppealFactory()
        page = operator_client.get(step_url(appeal, "extend"))
        html = page.content.decode()
        for _days, when in page.context["shortcuts"]:
            assert f'data-date="{when:%d.%m.%Y}" data-time="{when:%H:%M}"' in html
        assert "+1 рабочий день" in html and "+3 рабочих дня" in html and "+5 рабочих дней" in html

    @pytest.mark.django_db
    def test_it_shows_the_current_deadline_and_the_time_left(self, operator_client):
        appeal = AppealFactory(due_at=timezone.now() + timedelta(hours=3, minutes=20))
        html = operator_client.get(step_url(appeal, "extend")).content.decode()
        assert "Текущий срок" in html and "осталось 3 ч" in html
        assert timezone.localtime(appeal.due_at).strftime("%d.%m.%y %H:%M") in html
        assert "admin/js/admin/DateTimeShortcuts.js" in html  # the admin's date picker


@pytest.mark.django_db
class TestConversation:
    @pytest.mark.parametrize("step", ["ask_citizen", "extend", "reject", "comment"])
    def test_the_appeal_and_its_conversation_are_beside_the_form(self, operator_client, step):
        appeal = AppealFactory(text="Нет воды в доме 5 по ул. Ленина")
        AppealMessage.objects.create(appeal=appeal, text="Уточняю: с понедельника", author_name="Анна")
        AppealMessage.objects.create(
            appeal=appeal, text="Передали в управляющую компанию", direction=AppealMessage.Direction.OFFICIAL
        )
        html = operator_client.get(step_url(appeal, step)).content.decode()
        aside = html[html.index('<aside class="gf-step-aside">') :]
        for text in ["Нет воды в доме 5 по ул. Ленина", "Уточняю: с понедельника", "Передали в управляющую компанию"]:
            assert text in aside
        assert "gf-message-official" in aside and "gf-message-citizen" in aside


@pytest.mark.django_db
class TestStartWithoutAPage:
    def test_the_appeal_page_posts_start_work_directly(self, client, specialist_a):
        appeal = services.assign(AppealFactory(), official=specialist_a)
        client.force_login(specialist_a.user)
        html = client.get(change_url(appeal)).content.decode()
        assert f'<form method="post" action="{step_url(appeal, "start")}"' in html
        response = client.post(step_url(appeal, "start"))
        assert response["Location"] == change_url(appeal)
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.IN_PROGRESS

    def test_the_list_offers_it_on_ones_own_rows_and_comes_back(self, client, specialist_a, ministry_a):
        own = services.assign(AppealFactory(), official=specialist_a)
        colleagues = services.assign(AppealFactory(), ministry=ministry_a)
        client.force_login(specialist_a.user)
        html = client.get(LIST, {"queue": "open"}).content.decode()
        assert f'formaction="{step_url(own, "start")}"' in html
        assert f'formaction="{step_url(colleagues, "start")}"' not in html
        back = f"{LIST}?queue=open"
        response = client.post(step_url(own, "start"), {"next": back})
        assert response["Location"] == back
        own.refresh_from_db()
        assert own.status == Appeal.Status.IN_PROGRESS

    def test_it_never_goes_back_to_another_site(self, client, specialist_a):
        appeal = services.assign(AppealFactory(), official=specialist_a)
        client.force_login(specialist_a.user)
        response = client.post(step_url(appeal, "start"), {"next": "https://evil.example/"})
        assert response["Location"] == change_url(appeal)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 20])
def test_the_appeal_page_runs_a_fixed_number_of_queries(operator_client, django_assert_num_queries, rows, topics):
    appeal = AppealFactory(topic=topics["ecology"])
    for n in range(rows):
        AppealMessage.objects.create(appeal=appeal, text=f"Сообщение {n}")
        AppealEventFactory(appeal=appeal, note=f"Заметка {n}")
    with django_assert_num_queries(PAGE_QUERIES):
        response = operator_client.get(change_url(appeal))
    assert response.status_code == 200


# The same for 1 and for 20 messages and events: session, user, role, permissions (2), the appeal,
# its account and topic, the conversation, the history, the reminders, the publications, the
# duplicates' candidates, the routing advice (the topics, the routing rules, the routing model in
# use), the form's topic choices, the content type of the history link, the bell's notices, the
# access log entry.
PAGE_QUERIES = 19
