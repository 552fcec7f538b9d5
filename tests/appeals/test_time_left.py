"""The deadline in words: «осталось 3 ч», «просрочено 2 дн.», counted as the topic's policy counts
(calendar or working hours), next to the coloured badge on the list and on the appeal's page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from appeals import sla
from appeals.models import Appeal, Topic

from ..factories import AppealFactory

KRS = ZoneInfo("Asia/Krasnoyarsk")
# Friday 27 November 2026, 17:00 local: the weekend between a Friday evening and a Monday morning
# is where working and calendar time part.
FRIDAY_5PM = datetime(2026, 11, 27, 17, 0, tzinfo=KRS)


def words(due_at, now, mode=Topic.SlaMode.CALENDAR, **fields) -> str:
    topic = Topic(code="t", name="Тема", sla_hours=24, sla_mode=mode)
    appeal = Appeal(due_at=due_at, topic=topic, status=fields.pop("status", Appeal.Status.ASSIGNED), **fields)
    with translation.override("ru"):
        return sla.time_left(appeal, now)


class TestCalendarTime:
    @pytest.mark.parametrize(
        ("left", "expected"),
        [
            (timedelta(hours=3, minutes=40), "осталось 3 ч"),
            (timedelta(hours=1, minutes=10), "остался 1 ч"),
            (timedelta(hours=21, minutes=5), "остался 21 ч"),
            (timedelta(minutes=50), "осталось 50 мин"),
            (timedelta(minutes=1, seconds=30), "осталась 1 мин"),
            (timedelta(minutes=22), "осталось 22 мин"),
            (timedelta(hours=47), "осталось 47 ч"),
            (timedelta(days=3, hours=2), "осталось 3 дн."),
            (timedelta(days=21, hours=2), "остался 21 дн."),
        ],
    )
    def test_the_time_left(self, left, expected):
        assert words(FRIDAY_5PM + left, FRIDAY_5PM) == expected

    @pytest.mark.parametrize(
        ("late", "expected"),
        [
            (timedelta(days=2, hours=5), "просрочено 2 дн."),
            (timedelta(hours=5), "просрочено 5 ч"),
            (timedelta(minutes=12), "просрочено 12 мин"),
            (timedelta(seconds=20), "просрочено"),
        ],
    )
    def test_the_time_overdue(self, late, expected):
        assert words(FRIDAY_5PM - late, FRIDAY_5PM) == expected


class TestWorkingTime:
    def test_the_weekend_does_not_count(self):
        monday_11am = datetime(2026, 11, 30, 11, 0, tzinfo=KRS)
        # Friday 17:00 → Monday 11:00: 1 h on Friday and 2 h on Monday; 66 h on the calendar.
        assert words(monday_11am, FRIDAY_5PM, Topic.SlaMode.WORKING) == "осталось 3 раб. ч"
        assert words(monday_11am, FRIDAY_5PM, Topic.SlaMode.CALENDAR) == "осталось 2 дн."

    def test_overdue_in_working_hours(self):
        monday_10am = datetime(2026, 11, 30, 10, 0, tzinfo=KRS)
        assert words(FRIDAY_5PM, monday_10am, Topic.SlaMode.WORKING) == "просрочено 2 раб. ч"
        assert words(FRIDAY_5PM, monday_10am, Topic.SlaMode.CALENDAR) == "просрочено 2 дн."

    def test_whole_working_days_and_their_plurals(self):
        # Two and a half working days of nine hours, then five.
        due = sla.add_hours(FRIDAY_5PM, 22, Topic.SlaMode.WORKING)
        assert words(due, FRIDAY_5PM, Topic.SlaMode.WORKING) == "осталось 2 раб. дн."
        due = sla.add_hours(FRIDAY_5PM, 46, Topic.SlaMode.WORKING)
        assert words(due, FRIDAY_5PM, Topic.SlaMode.WORKING) == "осталось 5 раб. дн."

    def test_a_weekend_overdue_is_still_said_to_be_overdue(self):
        saturday = datetime(2026, 11, 28, 12, 0, tzinfo=KRS)
        assert words(datetime(2026, 11, 27, 18, 0, tzinfo=KRS), saturday, Topic.SlaMode.WORKING) == "просрочено"


class TestStates:
    def test_a_stopped_clock_says_so(self):
        assert words(FRIDAY_5PM, FRIDAY_5PM, paused_at=FRIDAY_5PM) == "срок приостановлен"

    def test_a_closed_appeal_has_no_time_left(self):
        assert words(FRIDAY_5PM, FRIDAY_5PM, status=Appeal.Status.RESOLVED) == ""


@pytest.mark.django_db
class TestOnThePages:
    def test_the_list_shows_the_words_in_the_badge_and_the_deadline_under_it(self, operator_client):
        from django.utils import timezone

        AppealFactory(due_at=timezone.now() - timedelta(days=2, hours=3))
        html = operator_client.get(reverse("admin:appeals_appeal_changelist")).content.decode()
        assert '<span class="gf-deadline gf-deadline-overdue" title="просрочено">просрочено 2 дн.</span>' in html

    def test_the_appeal_page_shows_the_words(self, operator_client):
        from django.utils import timezone

        appeal = AppealFactory(due_at=timezone.now() + timedelta(hours=5, minutes=30))
        html = operator_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
        assert "осталось 5 ч" in html


@pytest.mark.django_db
def test_templates_say_it_the_same_way():
    from django.template import Context, Template
    from django.utils import timezone

    appeal = AppealFactory(due_at=timezone.now() - timedelta(hours=5, minutes=10))
    with translation.override("ru"):
        rendered = Template("{% load deadlines %}{{ appeal|time_left }}").render(Context({"appeal": appeal}))
    assert rendered == "просрочено 5 ч"
