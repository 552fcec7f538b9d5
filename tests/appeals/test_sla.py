"""Deadline arithmetic: calendar and working hours, Russian holidays, moved working days, pauses."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from appeals import services, sla
from appeals.models import Appeal, Topic
from notifications import jobs

from ..factories import AppealFactory

KRS = ZoneInfo("Asia/Krasnoyarsk")
WORKING, CALENDAR = Topic.SlaMode.WORKING, Topic.SlaMode.CALENDAR


def local(*args) -> datetime:
    return datetime(*args, tzinfo=KRS)


class TestWorkingHours:
    def test_it_counts_within_one_working_day(self):
        assert sla.add_hours(local(2026, 11, 24, 10, 0), 4, WORKING) == local(2026, 11, 24, 14, 0)

    def test_it_continues_the_next_morning(self):
        # Tuesday 16:00 + 4 working hours = 2 h on Tuesday + 2 h on Wednesday from 09:00.
        assert sla.add_hours(local(2026, 11, 24, 16, 0), 4, WORKING) == local(2026, 11, 25, 11, 0)

    def test_it_skips_the_weekend(self):
        # Friday 17:00 + 2 working hours = Monday 10:00.
        assert sla.add_hours(local(2026, 11, 27, 17, 0), 2, WORKING) == local(2026, 11, 30, 10, 0)

    def test_a_night_arrival_starts_counting_at_nine(self):
        assert sla.add_hours(local(2026, 11, 24, 2, 30), 1, WORKING) == local(2026, 11, 24, 10, 0)

    def test_it_skips_the_january_holidays_and_the_moved_day_off(self):
        # 31 Dec 2025 was made a day off (moved from Sunday 5 January); 1-11 January 2026 are
        # holidays (9 January moved from Saturday 3 January). Tuesday 30 December: 1 h, then 12 January.
        assert not sla.is_working_day(local(2025, 12, 31, 12, 0).date())
        assert sla.add_hours(local(2025, 12, 30, 17, 0), 3, WORKING) == local(2026, 1, 12, 11, 0)

    def test_it_skips_a_public_holiday_in_the_middle_of_the_week(self):
        # 4 November 2026 (Wednesday) is National Unity Day.
        assert sla.add_hours(local(2026, 11, 3, 17, 0), 2, WORKING) == local(2026, 11, 5, 10, 0)

    def test_a_moved_working_saturday_counts(self):
        # Saturday 1 November 2025 was a working day (moved from 3 November).
        assert sla.add_hours(local(2025, 10, 31, 17, 0), 2, WORKING) == local(2025, 11, 1, 10, 0)

    def test_a_24_hour_policy_is_almost_three_working_days(self):
        assert sla.add_hours(local(2026, 11, 23, 9, 0), 24, WORKING) == local(2026, 11, 25, 15, 0)

    def test_it_measures_working_hours_between_two_moments(self):
        assert sla.hours_between(local(2026, 11, 27, 17, 0), local(2026, 11, 30, 10, 0), WORKING) == 2
        assert sla.hours_between(local(2026, 11, 27, 17, 0), local(2026, 11, 30, 10, 0), CALENDAR) == 65


@pytest.mark.django_db
class TestPolicies:
    def test_a_working_hours_topic_gives_a_working_hours_deadline(self, topics):
        roads = topics["roads_transport"]
        roads.sla_mode, roads.sla_hours = WORKING, 16
        roads.save()
        appeal, _ = services.create_appeal(text="Яма", received_at=local(2026, 11, 27, 17, 0), topic=roads)
        # Friday 17:00: 1 h on Friday, 9 on Monday, 6 on Tuesday.
        assert appeal.due_at == local(2026, 12, 1, 15, 0)
        # The first answer, 24 working hours: 1 + 9 + 9, then 5 on Wednesday.
        assert appeal.first_answer_due_at == local(2026, 12, 2, 14, 0)

    def test_waiting_for_the_citizen_stops_the_clock(self, topics, specialist_a):
        start = local(2026, 11, 24, 10, 0)
        appeal, _ = services.create_appeal(text="Нет воды", received_at=start, topic=topics["other"], now=start)
        services.assign(appeal, official=specialist_a, now=start)
        services.ask_citizen(appeal, question="Какой дом?", now=start + timedelta(hours=2))
        appeal = services.start_work(appeal, now=start + timedelta(hours=12))
        assert appeal.due_at == start + timedelta(hours=24 + 10)
        assert appeal.first_answered_at == start + timedelta(hours=2)
        started = appeal.events.get(kind="started")
        assert started.data["waited_hours"] == 10

    def test_waiting_in_working_hours_moves_the_deadline_by_the_working_time_waited(self, topics, specialist_a):
        policy = topics["ecology"]
        policy.sla_mode = WORKING
        policy.save()
        start = local(2026, 11, 27, 9, 0)  # Friday
        appeal, _ = services.create_appeal(text="Дым", received_at=start, topic=policy, now=start)
        due = appeal.due_at
        services.assign(appeal, official=specialist_a, now=start)
        services.ask_citizen(appeal, question="Где именно?", now=local(2026, 11, 27, 16, 0))
        appeal = services.start_work(appeal, now=local(2026, 11, 30, 11, 0))  # Monday: 2 + 2 working hours
        assert appeal.due_at == sla.add_hours(due, 4, WORKING)

    def test_a_topic_may_keep_the_clock_running(self, topics, specialist_a):
        policy = topics["waste_reform"]
        policy.pause_when_awaiting = False
        policy.save()
        start = local(2026, 11, 24, 10, 0)
        appeal, _ = services.create_appeal(text="Мусор", received_at=start, topic=policy, now=start)
        services.assign(appeal, official=specialist_a, now=start)
        services.ask_citizen(appeal, question="Адрес?", now=start)
        appeal = services.start_work(appeal, now=start + timedelta(hours=5))
        assert appeal.due_at == start + timedelta(hours=24)

    def test_a_paused_appeal_is_not_flagged(self, topics, specialist_a):
        start = local(2026, 11, 24, 10, 0)
        appeal, _ = services.create_appeal(text="Нет воды", received_at=start, topic=topics["other"], now=start)
        services.assign(appeal, official=specialist_a, now=start)
        services.ask_citizen(appeal, question="Какой дом?", now=start + timedelta(hours=1))
        assert jobs.flag_overdue(now=start + timedelta(days=3)) == 0
        assert Appeal.objects.get().overdue_since is None

    def test_an_interim_answer_stops_only_the_first_answer_clock(self):
        appeal = AppealFactory()
        appeal = services.reply(appeal, text="Передано в Минстрой, ответим до завтра")
        assert appeal.first_answered_at is not None
        assert appeal.status == Appeal.Status.NEW
        assert appeal.events.get().kind == "replied"

    @time_machine.travel(local(2026, 11, 29, 12, 0), tick=False)
    def test_the_first_answer_overdue_filter(self, operator_client):
        late = AppealFactory(first_answer_due_at=local(2026, 11, 29, 11, 0))
        AppealFactory(first_answer_due_at=local(2026, 11, 29, 11, 0), first_answered_at=local(2026, 11, 29, 10, 0))
        AppealFactory(first_answer_due_at=local(2026, 11, 29, 13, 0))
        response = operator_client.get(reverse("admin:appeals_appeal_changelist"), {"deadline": "first_answer_overdue"})
        assert [a.pk for a in response.context["cl"].result_list] == [late.pk]


@pytest.mark.django_db
class TestBadPolicy:
    def test_a_policy_of_zero_hours_is_refused_with_a_message(self, operator_client, topics):
        ecology = topics["ecology"]
        url = reverse("admin:appeals_topic_change", args=[ecology.pk])
        response = operator_client.post(
            url,
            {
                "code": "ecology",
                "name": "Экология",
                "sla_hours": "0",
                "sla_mode": "calendar",
                "position": "4",
                "is_active": "on",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["sla_hours"]
        ecology.refresh_from_db()
        assert ecology.sla_hours == 24

    def test_a_negative_policy_is_refused(self, operator_client, topics):
        url = reverse("admin:appeals_topic_change", args=[topics["ecology"].pk])
        response = operator_client.post(
            url, {"code": "ecology", "name": "Экология", "sla_hours": "-5", "sla_mode": "calendar", "position": "4"}
        )
        assert response.context["adminform"].form.errors["sla_hours"]


@pytest.mark.django_db
def test_a_paused_appeal_is_neither_overdue_nor_red(operator_client, specialist_a):
    start = local(2026, 11, 20, 10, 0)
    appeal, _ = services.create_appeal(text="Нет воды", received_at=start, now=start)
    services.assign(appeal, official=specialist_a, now=start)
    appeal = services.ask_citizen(appeal, question="Какой дом?", now=start + timedelta(hours=1))
    assert appeal.deadline_state() == "paused"
    response = operator_client.get(reverse("admin:appeals_appeal_changelist"), {"deadline": "overdue"})
    assert list(response.context["cl"].result_list) == []
    html = operator_client.get(reverse("admin:appeals_appeal_changelist")).content.decode()
    assert "gf-deadline-paused" in html and "gf-deadline-overdue" not in html
