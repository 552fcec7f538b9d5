"""The access log: who opened which citizen's appeal, in the admin and through the API."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.log import MAX_IDS, record_access
from audit.models import AccessLog

from ..api import api_client
from ..factories import AppealFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.django_db
class TestRecorded:
    def test_opening_an_appeal_in_the_admin_is_logged_with_the_address(self, operator_client, operator):
        appeal = AppealFactory()
        url = reverse("admin:appeals_appeal_change", args=[appeal.pk])
        assert operator_client.get(url, REMOTE_ADDR="10.1.2.3").status_code == 200
        entry = AccessLog.objects.get()
        assert (entry.user, entry.username, entry.action, entry.appeal_ids, entry.count, entry.ip) == (
            operator,
            "operator",
            "view",
            [appeal.pk],
            1,
            "10.1.2.3",
        )
        assert entry.detail == url
        history = reverse("admin:appeals_appeal_history", args=[appeal.pk])
        assert operator_client.get(history).status_code == 200
        assert AccessLog.objects.latest("id").appeal_ids == [appeal.pk] and AccessLog.objects.count() == 2

    def test_the_api_logs_the_appeal_its_history_and_its_conversation(self, operator):
        appeal = AppealFactory()
        api = api_client(operator)
        for suffix in ["", "history/", "messages/"]:
            assert api.get(f"/api/v1/appeals/{appeal.pk}/{suffix}").status_code == 200
        assert (
            list(AccessLog.objects.order_by("id").values_list("username", "appeal_ids"))
            == [("operator", [appeal.pk])] * 3
        )

    def test_an_appeal_outside_the_scope_is_not_shown_and_not_logged(self, head_b):
        appeal = AppealFactory()
        assert api_client(head_b.user).get(f"/api/v1/appeals/{appeal.pk}/").status_code == 404
        client = Client()
        client.force_login(head_b.user)
        assert client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).status_code == 404
        assert not AccessLog.objects.exists()

    def test_a_list_is_logged_with_the_appeals_it_showed_and_the_search(self, operator_client, operator):
        shown = AppealFactory(text="Протекает крыша", author_name="Олег Боргояков")
        AppealFactory(text="Яма на дороге")
        url = reverse("admin:appeals_appeal_changelist") + "?q=Боргояков"
        assert operator_client.get(url).status_code == 200
        entry = AccessLog.objects.get()
        assert (entry.action, entry.appeal_ids, entry.count) == ("list", [shown.pk], 1)
        assert "q=" in entry.detail

    def test_an_api_page_is_logged_with_every_appeal_on_it(self, operator):
        appeals = AppealFactory.create_batch(3)
        assert api_client(operator).get("/api/v1/appeals/?page_size=200").status_code == 200
        entry = AccessLog.objects.get()
        assert entry.action == "list" and sorted(entry.appeal_ids) == sorted(a.pk for a in appeals)

    def test_a_step_page_and_the_duplicates_page_are_logged(self, operator_client):
        first = AppealFactory(text="Нет воды в доме 5 по улице Ленина третий день подряд")
        second = AppealFactory(text="Нет воды в доме 5 по улице Ленина третий день подряд!", account=first.account)
        assert operator_client.get(reverse("admin:appeals_appeal_step", args=[first.pk, "comment"])).status_code == 200
        assert operator_client.get(reverse("admin:appeals_appeal_duplicates")).status_code == 200
        entries = list(AccessLog.objects.order_by("id").values_list("action", "appeal_ids"))
        assert entries[0] == ("view", [first.pk])
        assert entries[1][0] == "list" and set(entries[1][1]) == {first.pk, second.pk}

    def test_an_empty_list_and_other_pages_are_not_logged(self, operator_client):
        operator_client.get(reverse("admin:appeals_appeal_changelist") + "?q=никого")
        operator_client.get(reverse("admin:index"))
        assert not AccessLog.objects.exists()

    def test_an_export_of_many_keeps_the_count_and_the_first_numbers(self, operator):
        from appeals.models import Appeal

        AppealFactory.create_batch(3)
        entry = record_access(operator, "export", Appeal.objects.all(), detail="status=new")
        assert entry.count == 3 and sorted(entry.appeal_ids) == sorted(Appeal.objects.values_list("pk", flat=True))
        many = record_access(operator, "export", range(1, MAX_IDS + 51), detail="all")
        assert (many.count, len(many.appeal_ids)) == (MAX_IDS + 50, MAX_IDS)

    def test_an_unknown_action_is_a_programming_error(self, operator):
        with pytest.raises(ValueError, match="Unknown access log action"):
            record_access(operator, "peek", [1])

    def test_entries_are_append_only(self, operator):
        entry = record_access(operator, "view", [1])
        entry.detail = "changed"
        with pytest.raises(ValueError, match="append-only"):
            entry.save()


@pytest.mark.django_db
class TestVisibleToSuperusersOnly:
    def test_a_superuser_reads_the_log(self, superuser, operator):
        record_access(operator, "export", [7, 8], detail="overdue")
        client = Client()
        client.force_login(superuser)
        response = client.get(reverse("admin:audit_accesslog_changelist"))
        assert response.status_code == 200
        assert [entry.username for entry in response.context["cl"].result_list] == ["operator"]

    def test_nobody_changes_or_deletes_it(self, superuser, operator):
        entry = record_access(operator, "export", [7], detail="overdue")
        client = Client()
        client.force_login(superuser)
        assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
        assert client.post(reverse("admin:audit_accesslog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
        client.post(reverse("admin:audit_accesslog_change", args=[entry.pk]), {"detail": "forged"})
        entry.refresh_from_db()
        assert entry.detail == "overdue"

    def test_operators_and_heads_do_not_see_it(self, operator, head_a):
        record_access(operator, "view", [1])
        for user in (operator, head_a.user):
            client = Client()
            client.force_login(user)
            assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == 403
            assert "accesslog" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy, expected", [(False, "10.0.0.2"), (True, "203.0.113.7")])
def test_the_address_is_the_proxys_last_forwarded_one_only_behind_the_proxy(operator, settings, behind_proxy, expected):
    settings.GOVFEEDBACK_BEHIND_PROXY = behind_proxy
    appeal = AppealFactory()
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    client.force_login(operator)
    client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    assert AccessLog.objects.get().ip == expected


@pytest.mark.django_db
def test_a_list_with_a_filter_it_cannot_read_shows_djangos_message_and_logs_nothing(operator_client):
    AppealFactory()
    response = operator_client.get(reverse("admin:appeals_appeal_changelist") + "?e=1&received_at__gte=notadate")
    assert response.status_code == 200
    assert not AccessLog.objects.exists()
