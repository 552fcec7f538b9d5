"""What a person or a platform gets when something fails: a clear answer, nothing lost."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from appeals import forms, services
from appeals.api.authentication import TokenRateThrottle
from appeals.models import Appeal, AppealEvent, InboundEvent

from ..api import api_client
from ..factories import AccountFactory, AppealFactory


@pytest.mark.django_db
class TestRefusedSteps:
    def test_a_step_overtaken_by_another_persons_change_stays_in_the_history(self, operator, ministry_a):
        appeal = AppealFactory()
        seen = Appeal.objects.get(pk=appeal.pk)  # the first operator's page, still "new"
        services.resolve(appeal, answer="Решено", actor=operator)  # the second operator was faster
        with pytest.raises(services.Refused) as refused:
            services.assign(seen, ministry=ministry_a, actor=operator)
        event = services.record_refusal(seen, step="assign", message=refused.value.message, actor=operator)
        assert (event.kind, event.actor, event.data["step"], event.data["status"]) == (
            AppealEvent.Kind.REFUSED,
            operator,
            "assign",
            "resolved",
        )
        assert event.note == refused.value.message
        assert list(appeal.events.values_list("kind", flat=True)) == ["resolved", "refused"]

    def test_a_plain_mistake_is_not_recorded(self, operator):
        appeal = AppealFactory()
        response = api_client(operator).post(f"/api/v1/appeals/{appeal.pk}/reopen/", {"reason": "Ещё"}, format="json")
        assert response.status_code == 400
        assert not appeal.events.exists()


@pytest.mark.django_db
class TestDatabaseOutOfReach:
    @pytest.fixture
    def broken_database(self, monkeypatch, settings):
        settings.DEBUG = False

        def lost(*args, **kwargs):
            raise OperationalError("terminating connection due to administrator command")

        monkeypatch.setattr(InboundEvent, "save", lost)

    def test_intake_answers_503_with_retry_after_and_no_traceback(self, broken_database):
        AccountFactory(platform="vk", external_id="170000001", webhook_secret="s")
        response = Client(raise_request_exception=False).post(
            "/intake/vk/170000001/", b"{}", content_type="application/json"
        )
        assert (response.status_code, response["Retry-After"]) == (503, "5")
        assert set(response.json()) == {"detail"} and "Traceback" not in response.content.decode()

    def test_other_errors_stay_a_plain_500(self, monkeypatch, settings):
        settings.DEBUG = False
        AccountFactory(platform="vk", external_id="170000001", webhook_secret="s")
        monkeypatch.setattr(InboundEvent, "save", lambda *a, **k: 1 / 0)
        response = Client(raise_request_exception=False).post(
            "/intake/vk/170000001/", b"{}", content_type="application/json"
        )
        assert response.status_code == 500 and "ZeroDivisionError" not in response.content.decode()


@pytest.mark.django_db
def test_the_api_answers_when_the_rate_limit_cache_is_down(operator, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(TokenRateThrottle.cache, "get", down)
    assert api_client(operator).get("/api/v1/topics/").status_code == 200


@pytest.mark.django_db
def test_the_admin_step_page_keeps_a_step_overtaken_by_another_operator(operator, monkeypatch):
    appeal = AppealFactory()
    original = forms.ResolveForm.apply

    def overtaken(form, pk, actor):
        services.reject(pk, reason="spam", actor=operator)  # the colleague was faster
        return original(form, pk, actor)

    monkeypatch.setattr(forms.ResolveForm, "apply", overtaken)
    client = Client()
    client.force_login(operator)
    response = client.post(reverse("admin:appeals_appeal_step", args=[appeal.pk, "resolve"]), {"answer": "Готово"})
    assert response.status_code == 200  # the form again, with the reason
    assert list(appeal.events.values_list("kind", "data__step")) == [("rejected", None), ("refused", "resolve")]
