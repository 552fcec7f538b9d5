"""Every state change goes through appeals.services: one event per change, clear refusals."""

from datetime import timedelta

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory

Status = Appeal.Status
Kind = AppealEvent.Kind


def snapshot(appeal: Appeal) -> dict:
    appeal.refresh_from_db()
    return {f.attname: getattr(appeal, f.attname) for f in Appeal._meta.concrete_fields}


def assert_refused_and_unchanged(appeal, call, message_part):
    before, events = snapshot(appeal), appeal.events.count()
    with pytest.raises(services.Refused) as refused:
        call()
    assert message_part in refused.value.message
    assert snapshot(appeal) == before
    assert appeal.events.count() == events


@pytest.mark.django_db
class TestCreate:
    def test_it_sets_the_deadline_from_the_topic(self, topics):
        topics["roads_transport"].sla_hours = 48
        topics["roads_transport"].save()
        received = timezone.now() - timedelta(hours=1)
        appeal, created = services.create_appeal(
            text="Яма на дороге",
            account=AccountFactory(),
            external_id="1",
            received_at=received,
            topic=topics["roads_transport"],
        )
        assert created
        assert appeal.due_at == received + timedelta(hours=48)
        assert appeal.status == Status.NEW
        assert list(appeal.events.values_list("kind", flat=True)) == [Kind.CREATED]

    def test_it_defaults_to_24_hours_without_a_topic(self):
        appeal, _ = services.create_appeal(text="Помогите", account=AccountFactory(), external_id="2")
        assert appeal.due_at - appeal.received_at == timedelta(hours=24)

    def test_it_puts_a_ministry_group_appeal_in_that_ministrys_queue(self, ministry_a):
        group = AccountFactory(kind=SocialAccount.Kind.MINISTRY_GROUP, ministry=ministry_a)
        appeal, _ = services.create_appeal(text="Нет воды", account=group, external_id="3")
        assert (appeal.ministry, appeal.status) == (ministry_a, Status.ASSIGNED)

    def test_it_does_not_store_a_redelivered_message_twice(self):
        account = AccountFactory()
        first, created = services.create_appeal(text="Нет света", account=account, external_id="42")
        again, created_again = services.create_appeal(text="Нет света", account=account, external_id="42")
        assert (created, created_again) == (True, False)
        assert again.pk == first.pk
        assert Appeal.objects.count() == 1
        assert AppealEvent.objects.count() == 1

    def test_it_stores_appeals_entered_by_hand_without_a_platform_id(self):
        services.create_appeal(text="Звонок на горячую линию: нет отопления")
        services.create_appeal(text="Звонок на горячую линию: нет отопления")
        assert Appeal.objects.filter(account=None, external_id="").count() == 2

    def test_it_refuses_an_empty_text(self):
        with pytest.raises(services.Refused, match="текст"):
            services.create_appeal(text="   ", account=AccountFactory(), external_id="5")
        assert not Appeal.objects.exists()


@pytest.mark.django_db
class TestAssign:
    def test_it_assigns_to_a_ministry_and_records_who_and_what(self, operator, ministry_a):
        appeal = AppealFactory()
        services.assign(appeal, ministry=ministry_a, actor=operator)
        appeal.refresh_from_db()
        assert (appeal.ministry, appeal.assignee, appeal.status) == (ministry_a, None, Status.ASSIGNED)
        event = appeal.events.get()
        assert (event.kind, event.actor, event.actor_name) == (Kind.ASSIGNED, operator, "Дарья Тюмерекова")
        assert event.data["ministry"] == ["", "Минстрой"]

    def test_it_takes_the_ministry_from_the_official(self, specialist_a):
        appeal = services.assign(AppealFactory(), official=specialist_a)
        assert (appeal.ministry, appeal.assignee) == (specialist_a.ministry, specialist_a)

    def test_it_refuses_an_official_of_another_ministry(self, ministry_a, specialist_b):
        appeal = AppealFactory()
        assert_refused_and_unchanged(
            appeal, lambda: services.assign(appeal, ministry=ministry_a, official=specialist_b), "Сагалаков"
        )

    def test_it_refuses_an_inactive_official(self, specialist_a):
        specialist_a.is_active = False
        specialist_a.save()
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.assign(appeal, official=specialist_a), "Иванова")

    def test_it_refuses_to_reassign_a_closed_appeal(self, ministry_a):
        appeal = AppealFactory(status=Status.RESOLVED, resolved_at=timezone.now(), answer="Сделано")
        assert_refused_and_unchanged(appeal, lambda: services.assign(appeal, ministry=ministry_a), "решено")

    def test_it_clears_the_assignee_when_the_ministry_changes(self, specialist_a, ministry_b):
        appeal = services.assign(AppealFactory(), official=specialist_a)
        appeal = services.assign(appeal, ministry=ministry_b)
        assert (appeal.ministry, appeal.assignee) == (ministry_b, None)

    def test_it_writes_nothing_when_nothing_changes(self, ministry_a):
        appeal = services.assign(AppealFactory(), ministry=ministry_a)
        services.assign(appeal, ministry=ministry_a)
        assert appeal.events.count() == 1


@pytest.mark.django_db
class TestLifecycle:
    def test_it_goes_from_new_to_resolved_with_one_event_per_step(self, specialist_a):
        appeal = AppealFactory()
        services.assign(appeal, official=specialist_a)
        services.start_work(appeal)
        services.ask_citizen(appeal, question="Уточните номер дома")
        services.start_work(appeal)
        appeal = services.resolve(appeal, answer="Подача воды восстановлена", answer_url="https://vk.com/wall-1_2")
        assert appeal.status == Status.RESOLVED
        assert appeal.resolved_at is not None
        assert list(appeal.events.values_list("kind", flat=True)) == [
            Kind.ASSIGNED,
            Kind.STARTED,
            Kind.AWAITING_CITIZEN,
            Kind.STARTED,
            Kind.RESOLVED,
        ]
        assert appeal.events.last().data["on_time"] is True
        # The question and the answer are the government's side of the conversation.
        assert list(appeal.messages.values_list("direction", "text")) == [
            ("official", "Уточните номер дома"),
            ("official", "Подача воды восстановлена"),
        ]

    def test_it_refuses_to_start_an_appeal_without_a_ministry(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.start_work(appeal), "министерств")

    def test_it_refuses_to_resolve_without_an_answer(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.resolve(appeal, answer=" "), "ответ")

    def test_it_refuses_to_resolve_a_rejected_appeal(self):
        appeal = services.reject(AppealFactory(), reason="spam")
        assert_refused_and_unchanged(appeal, lambda: services.resolve(appeal, answer="Ответ"), "отклонено")

    def test_it_refuses_to_ask_the_citizen_without_a_question(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.ask_citizen(appeal, question=""), "вопрос")


@pytest.mark.django_db
class TestExtend:
    def test_it_moves_the_deadline_and_clears_the_overdue_flag(self, operator):
        now = timezone.now()
        appeal = AppealFactory(
            received_at=now - timedelta(hours=30),
            due_at=now - timedelta(hours=6),
            overdue_since=now - timedelta(hours=6),
        )
        new_due = now + timedelta(days=3)
        appeal = services.extend(appeal, due_at=new_due, reason="Нужен выезд комиссии", actor=operator, now=now)
        assert (appeal.due_at, appeal.overdue_since) == (new_due, None)
        assert appeal.extension_reason == "Нужен выезд комиссии"
        event = appeal.events.get()
        assert (event.kind, event.note) == (Kind.EXTENDED, "Нужен выезд комиссии")

    def test_it_refuses_an_extension_into_the_past(self):
        appeal = AppealFactory()
        past = timezone.now() - timedelta(hours=1)
        assert_refused_and_unchanged(appeal, lambda: services.extend(appeal, due_at=past, reason="Причина"), "будущем")

    def test_it_refuses_an_extension_without_a_reason(self):
        appeal = AppealFactory()
        later = timezone.now() + timedelta(days=2)
        assert_refused_and_unchanged(appeal, lambda: services.extend(appeal, due_at=later, reason=""), "причину")

    def test_it_refuses_a_deadline_earlier_than_the_current_one(self):
        appeal = AppealFactory(due_at=timezone.now() + timedelta(days=5))
        sooner = timezone.now() + timedelta(days=1)
        assert_refused_and_unchanged(appeal, lambda: services.extend(appeal, due_at=sooner, reason="Причина"), "позже")


@pytest.mark.django_db
class TestRejectAndReopen:
    def test_it_rejects_a_duplicate_with_a_link_to_the_original(self):
        original, duplicate = AppealFactory(), AppealFactory()
        duplicate = services.reject(duplicate, reason="duplicate", duplicate_of=original.pk)
        assert (duplicate.status, duplicate.rejection_reason, duplicate.duplicate_of) == (
            Status.REJECTED,
            "duplicate",
            original,
        )

    def test_it_refuses_a_duplicate_without_the_original(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.reject(appeal, reason="duplicate"), "номер")

    def test_it_refuses_a_duplicate_of_itself(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(
            appeal, lambda: services.reject(appeal, reason="duplicate", duplicate_of=appeal.pk), "самого себя"
        )

    def test_it_refuses_an_unknown_reason(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.reject(appeal, reason="boring"), "спам")

    def test_it_reopens_with_a_fresh_deadline(self, topics, ministry_a):
        now = timezone.now()
        appeal = AppealFactory(
            topic=topics["ecology"],
            ministry=ministry_a,
            status=Status.RESOLVED,
            resolved_at=now - timedelta(days=1),
            answer="Ответ",
            received_at=now - timedelta(days=5),
            due_at=now - timedelta(days=4),
        )
        appeal = services.reopen(appeal, reason="Заявитель пишет, что проблема вернулась", now=now)
        assert (appeal.status, appeal.resolved_at, appeal.answer) == (Status.ASSIGNED, None, "")
        assert appeal.due_at == now + timedelta(hours=24)
        assert appeal.events.get().kind == Kind.REOPENED

    def test_it_refuses_to_reopen_an_open_appeal(self):
        appeal = AppealFactory()
        assert_refused_and_unchanged(appeal, lambda: services.reopen(appeal, reason="Почему бы и нет"), "№")


@pytest.mark.django_db
class TestTopic:
    def test_it_recomputes_the_deadline_of_an_open_appeal(self, topics):
        topics["ecology"].sla_hours = 72
        topics["ecology"].save()
        appeal = AppealFactory()
        appeal = services.set_topic(appeal, topic=topics["ecology"])
        assert appeal.due_at == appeal.received_at + timedelta(hours=72)
        assert appeal.events.get().data["topic"] == ["", "Экология"]

    def test_it_keeps_an_extended_deadline(self, topics):
        due = timezone.now() + timedelta(days=9)
        appeal = AppealFactory(due_at=due, extension_reason="Комиссия")
        assert services.set_topic(appeal, topic=topics["ecology"]).due_at == due


@pytest.mark.django_db
def test_it_never_deletes_history_with_an_official(specialist_a):
    appeal = services.assign(AppealFactory(), official=specialist_a)
    user = specialist_a.user
    user.delete()
    appeal.refresh_from_db()
    assert appeal.assignee == specialist_a
    assert appeal.events.count() == 1
    with pytest.raises(Exception, match="protected"):
        specialist_a.delete()


@pytest.mark.django_db
def test_it_keeps_the_history_append_only():
    event = services.comment(AppealFactory(), note="Созвонились с заявителем")
    event.note = "Переписано задним числом"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


@pytest.mark.django_db
def test_it_refuses_a_missing_appeal():
    with pytest.raises(services.Refused, match="999999"):
        services.start_work(999999)


@pytest.mark.django_db
class TestHistoryReferences:
    """The history's references: an appeal with a history stays; a deleted login leaves its name."""

    def test_an_appeal_with_a_history_cannot_be_deleted(self):
        appeal, _created = services.create_appeal(text="Нет воды в доме по ул. Щетинкина, 12")
        with pytest.raises(ProtectedError):
            appeal.delete()
        assert list(AppealEvent.objects.filter(appeal=appeal).values_list("kind", flat=True)) == [Kind.CREATED]

    def test_a_deleted_login_leaves_its_events_with_the_name(self, operator):
        appeal, _created = services.create_appeal(text="Нет воды в доме по ул. Щетинкина, 12")
        event = services.comment(appeal, note="Уточнили адрес", actor=operator)
        operator.delete()
        event.refresh_from_db()
        assert (event.actor, event.actor_name, event.note) == (None, "Дарья Тюмерекова", "Уточнили адрес")
