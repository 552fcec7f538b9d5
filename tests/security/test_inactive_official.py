"""A login whose official was deactivated (left the ministry) sees nothing, and no page fails."""

import pytest
from django.test import Client
from django.urls import reverse

from appeals import services

from ..factories import AppealFactory

PAGES = [
    "admin:index",
    "admin:appeals_appeal_changelist",
    "admin:appeals_appealevent_changelist",
    "admin:notifications_notification_changelist",
    "admin:appeals_appeal_duplicates",
    "admin:analytics_dashboard",
    "admin:analytics_spikealert_changelist",
    "admin:ministries_official_changelist",
]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["head_a", "specialist_a"])
def test_it_shows_a_deactivated_official_nothing_and_never_fails(who, request):
    official = request.getfixturevalue(who)
    appeal = services.assign(AppealFactory(text="Протекает крыша"), official=official)
    official.user.is_staff = True
    official.user.save()
    official.is_active = False
    official.save()
    client = Client()
    client.force_login(official.user)
    for name in PAGES:
        for query in ("", "?q=1", "?queue=mine", "?queue=open&deadline=overdue"):
            response = client.get(reverse(name) + query)
            assert response.status_code in (200, 302, 400, 403), (name, query, response.status_code)
            assert "Протекает крыша" not in response.content.decode(), (name, query)
    assert client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).status_code in (403, 404)
    assert client.get(f"/api/v1/appeals/{appeal.pk}/").status_code in (403, 404)
    assert client.get("/api/v1/appeals/").status_code == 403
