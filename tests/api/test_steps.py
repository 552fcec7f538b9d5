"""Each step through the API changes the appeal exactly as the service does, writes one history
event, and returns the fresh appeal; a refused or malformed step changes nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.forms.models import model_to_dict

from appeals import services
from appeals.models import Appeal, AppealEvent, Topic

from ..factories import AccountFactory, AppealFactory
from . import api_client

KRS = ZoneInfo("Asia/Krasnoyarsk")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=KRS)
Status = Appeal.Status


def state(appeal: Appeal) -> dict:
    """Everything about an appeal but its identity."""
    appeal.refresh_from_db()
    return model_to_dict(appeal, exclude=["id", "external_id"])


def history(appeal: Appeal) -> list[tuple]:
    return list(appeal.events.values_list("kind", "at", "actor", "actor_name", "data", "note"))


# step → (the status the appeal starts in, the request body, the same step through the service).
CASES = {
    "assign": (
        Status.NEW,
        lambda ctx: {"official": ctx["specialist"].pk, "note": "По адресу"},
        lambda appeal, ctx: services.assign(appeal, official=ctx["specialist"], note="По адресу", actor=ctx["user"]),
    ),
    "start": (
        Status.ASSIGNED,
        lambda ctx: {},
        lambda appeal, ctx: services.start_work(appeal, actor=ctx["user"]),
    ),
    "ask": (
        Status.IN_PROGRESS,
        lambda ctx: {"question": "Уточните номер дома"},
        lambda appeal, ctx: services.ask_citizen(appeal, question="Уточните номер дома", actor=ctx["user"]),
    ),
    "reply": (
        Status.ASSIGNED,
        lambda ctx: {"text": "Передано в Минстрой", "answer_url": "https://vk.com/wall-1_2"},
        lambda appeal, ctx: services.reply(
            appeal, text="Передано в Минстрой", answer_url="https://vk.com/wall-1_2", actor=ctx["user"]
        ),
    ),
    "extend": (
        Status.IN_PROGRESS,
        lambda ctx: {"due_at": "2026-12-01T18:00:00+07:00", "reason": "Нужна комиссия"},
        lambda appeal, ctx: services.extend(
            appeal, due_at=datetime(2026, 12, 1, 18, 0, tzinfo=KRS), reason="Нужна комиссия", actor=ctx["user"]
        ),
    ),
    "resolve": (
        Status.IN_PROGRESS,
        lambda ctx: {"answer": "Воду дали"},
        lambda appeal, ctx: services.resolve(appeal, answer="Воду дали", actor=ctx["user"]),
    ),
    "reject": (
        Status.ASSIGNED,
        lambda ctx: {"reason": "duplicate", "duplicate_of": ctx["original"].pk, "note": "Уже есть"},
        lambda appeal, ctx: services.reject(
            appeal, reason="duplicate", duplicate_of=ctx["original"].pk, note="Уже есть", actor=ctx["user"]
        ),
    ),
    "reopen": (
        Status.RESOLVED,
        lambda ctx: {"reason": "Воды снова нет"},
        lambda appeal, ctx: services.reopen(appeal, reason="Воды снова нет", actor=ctx["user"]),
    ),
    "set-topic": (
        Status.ASSIGNED,
        lambda ctx: {"topic": "roads_transport"},
        lambda appeal, ctx: services.set_topic(
            appeal, topic=Topic.objects.get(code="roads_transport"), actor=ctx["user"]
        ),
    ),
    "comment": (
        Status.IN_PROGRESS,
        lambda ctx: {"note": "Позвонили в управляющую компанию"},
        lambda appeal, ctx: services.comment(appeal, note="Позвонили в управляющую компанию", actor=ctx["user"]),
    ),
}


def twin(status, ministry, received_at, account) -> Appeal:
    extra = {"resolved_at": received_at, "answer": "Ответ"} if status == Status.RESOLVED else {}
    return AppealFactory(
        status=status,
        account=account,
        ministry=ministry,
        received_at=received_at,
        due_at=received_at + timedelta(hours=24),
        **extra,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("step", list(CASES))
def test_the_api_step_does_exactly_what_the_service_does(step, head_a, specialist_a):
    status, body, through_service = CASES[step]
    received = NOW - timedelta(hours=2)
    account = AccountFactory()
    by_api, by_service = (twin(status, head_a.ministry, received, account) for _ in range(2))
    ctx = {"user": head_a.user, "specialist": specialist_a, "original": AppealFactory(ministry=head_a.ministry)}
    with time_machine.travel(NOW, tick=False):
        response = api_client(head_a.user).post(f"/api/v1/appeals/{by_api.pk}/{step}/", body(ctx), format="json")
        through_service(by_service, ctx)
    assert response.status_code == 200, response.content
    assert state(by_api) == state(by_service)
    assert history(by_api) == history(by_service) and len(history(by_api)) == 1
    assert history(by_api)[0][2] == head_a.user.pk  # the actor is the requesting person
    shown = response.json()
    assert shown["id"] == by_api.pk and shown["status"] == by_api.status
    assert shown["due_at"] == by_api.due_at.astimezone(KRS).isoformat()


@pytest.mark.django_db
class TestRefusals:
    @pytest.fixture
    def appeal(self, head_a):
        return AppealFactory(status=Status.ASSIGNED, ministry=head_a.ministry)

    @pytest.fixture
    def api(self, head_a):
        return api_client(head_a.user)

    @pytest.mark.parametrize(
        "step, body, field",
        [
            ("extend", {"reason": "Комиссия"}, "due_at"),
            ("extend", {"due_at": "завтра", "reason": "Комиссия"}, "due_at"),
            ("resolve", {"answer_url": "https://vk.com"}, "answer"),
            ("resolve", {"answer": "Готово", "answer_url": "не ссылка"}, "answer_url"),
            ("reject", {"reason": "boring"}, "reason"),
            ("reject", {"reason": "duplicate", "duplicate_of": "первое"}, "duplicate_of"),
            ("assign", {"official": 10**6}, "official"),
            ("ask", {}, "question"),
            ("set-topic", {"topic": "weather"}, "topic"),
            ("reply", {}, "text"),
            ("reopen", {}, "reason"),
            ("comment", {"note": "\x00"}, "note"),
        ],
    )
    def test_bad_input_is_a_field_error_and_changes_nothing(self, api, appeal, step, body, field):
        before, events = state(appeal), history(appeal)
        response = api.post(f"/api/v1/appeals/{appeal.pk}/{step}/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.content
        assert state(appeal) == before and history(appeal) == events

    @pytest.mark.parametrize(
        "step, body, message",
        [
            ("reopen", {"reason": "Ещё раз"}, "недоступно"),  # an open appeal cannot be reopened
            ("extend", {"due_at": "2020-01-01T12:00:00+07:00", "reason": "Поздно"}, "в будущем"),
            ("resolve", {"answer": "   "}, "ответ"),
            ("reject", {"reason": "duplicate"}, "номер"),
            ("assign", {}, "ведомство"),
        ],
    )
    def test_a_refused_step_is_400_with_the_reason_and_changes_nothing(self, api, appeal, step, body, message):
        before, events = state(appeal), history(appeal)
        response = api.post(f"/api/v1/appeals/{appeal.pk}/{step}/", body, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["detail"] and message in response.json()["detail"].lower()
        assert state(appeal) == before and history(appeal) == events

    def test_a_head_cannot_send_an_appeal_to_another_ministry(self, api, appeal, head_a, specialist_b, ministry_b):
        # Officials and ministries outside one's scope do not exist for the head.
        for body in ({"official": specialist_b.pk}, {"ministry": ministry_b.pk}):
            response = api.post(f"/api/v1/appeals/{appeal.pk}/assign/", body, format="json")
            assert response.status_code == 400 and set(response.json()) == set(body)
        appeal.refresh_from_db()
        assert appeal.ministry_id == head_a.ministry_id and appeal.assignee_id is None
        assert not AppealEvent.objects.filter(appeal=appeal).exists()

    def test_an_unknown_appeal_is_404(self, api):
        assert api.post("/api/v1/appeals/999999/comment/", {"note": "x"}).status_code == 404
