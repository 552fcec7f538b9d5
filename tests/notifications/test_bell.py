"""The bell in the admin's header: a person's own unread notices, read by opening them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from notifications.models import Notification

from ..factories import AppealFactory

INBOX = "/admin/notifications/inbox/"


def bell_count(html: str) -> int:
    """The number on the bell, as a person sees it (none: 0)."""
    found = re.search(r'<span class="gf-bell-count"[^>]*>(\d+)</span>', html)
    return int(found.group(1)) if found else 0


@pytest.fixture
def assigned(ministry_a, head_a, specialist_a):
    """Three appeals the head gave the specialist."""
    return [
        services.assign(
            AppealFactory(ministry=ministry_a, text=f"Нет света в подъезде, дом {n}"),
            official=specialist_a,
            actor=head_a.user,
        )
        for n in range(3)
    ]


@pytest.mark.django_db
class TestBell:
    def test_it_counts_the_persons_own_unread_notices_and_lists_them(self, client, specialist_a, assigned):
        client.force_login(specialist_a.user)
        html = client.get("/admin/").content.decode()
        assert bell_count(html) == 3
        assert "3 непрочитанных уведомления" in html
        for appeal in assigned:
            assert f"Обращение №{appeal.pk} передано вам" in html
        assert "Нет света в подъезде, дом 2" in html

    def test_another_persons_notices_are_not_counted_nor_openable(self, client, head_a, specialist_a, assigned):
        client.force_login(head_a.user)  # the head gave them: he is told nothing
        assert bell_count(client.get("/admin/").content.decode()) == 0
        notice = Notification.objects.filter(channel="admin").first()
        assert client.get(reverse("admin:notifications_open", args=[notice.pk])).status_code == 404
        notice.refresh_from_db()
        assert notice.read_at is None

    def test_opening_a_notice_marks_it_read_and_opens_its_appeal(self, client, specialist_a, assigned):
        client.force_login(specialist_a.user)
        notice = Notification.objects.get(channel="admin", appeal=assigned[0])
        response = client.get(reverse("admin:notifications_open", args=[notice.pk]))
        assert response.status_code == 302
        assert response.url == reverse("admin:appeals_appeal_change", args=[assigned[0].pk])
        notice.refresh_from_db()
        assert notice.read_at is not None
        html = client.get("/admin/").content.decode()
        assert bell_count(html) == 2
        assert "2 непрочитанных уведомления" in html

    def test_mark_all_as_read_empties_the_bell(self, client, specialist_a, assigned):
        client.force_login(specialist_a.user)
        assert client.get(reverse("admin:notifications_read_all")).status_code == 405  # a change needs a POST
        response = client.post(reverse("admin:notifications_read_all"), follow=True)
        html = response.content.decode()
        assert "3 уведомления отмечены как прочитанные" in html
        assert bell_count(html) == 0
        assert "Непрочитанных уведомлений нет" in html
        # The page of notices keeps them, read; the bell lists only the unread.
        assert html.count('class="gf-notice"') == 3 and "gf-notice-unread" not in html

    def test_a_notice_of_an_appeal_moved_to_another_ministry_leaves_the_bell(
        self, client, specialist_a, assigned, operator, ministry_b
    ):
        services.assign(assigned[0], ministry=ministry_b, actor=operator)
        client.force_login(specialist_a.user)
        html = client.get("/admin/").content.decode()
        assert bell_count(html) == 2
        assert f"№{assigned[0].pk} " not in html

    def test_a_person_without_notices_sees_an_empty_bell(self, operator_client):
        html = operator_client.get("/admin/").content.decode()
        assert 'id="gf-bell"' in html and bell_count(html) == 0
        assert "здесь появляется уведомление" in html

    def test_the_bell_costs_one_query_whatever_the_number_of_notices(
        self, client, specialist_a, ministry_a, django_assert_num_queries
    ):
        client.force_login(specialist_a.user)
        now = timezone.now()

        def queue(count: int) -> None:
            appeal = AppealFactory(ministry=ministry_a)
            Notification.objects.bulk_create(
                Notification(
                    appeal=appeal,
                    kind="assigned",
                    channel="admin",
                    recipient_official=specialist_a,
                    recipient_user=specialist_a.user,
                    created_at=now - timedelta(minutes=n),
                    sent_at=now,
                )
                for n in range(count)
            )

        queue(1)
        # 1 session, 2 user, 3 the user's role (the notices of appeals the person may see), 4 the
        # notices' count of the inbox page, 5-6 the login's permissions (the admin's menu), 7 has the
        # login an official (the settings link), 8 the page of notices with their appeals, 9 the bell
        # (its latest notices, each with the count of the unread ones).
        with django_assert_num_queries(9):
            html = client.get(INBOX).content.decode()
        assert bell_count(html) == 1
        queue(40)
        with django_assert_num_queries(9):
            html = client.get(INBOX).content.decode()
        assert bell_count(html) == 41
        assert html.count('class="gf-notice gf-notice-unread"') == 41 + 8  # the page's 41, the bell's latest 8
