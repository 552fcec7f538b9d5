"""A filtered dashboard is the person's own: «assigned to me» is not shared between specialists."""

import pytest
from django.test import Client
from django.urls import reverse

from appeals import services

from ..factories import AppealFactory, OfficialFactory, UserFactory


@pytest.mark.django_db
def test_it_keeps_each_specialists_assigned_to_me_figures_apart(specialist_a, ministry_a):
    from ministries import roles

    colleague = OfficialFactory(ministry=ministry_a, user=UserFactory(username="spec_a2"), full_name="Топоев Илья")
    roles.give_access(colleague)
    services.assign(AppealFactory(text="Первое"), official=specialist_a)
    for text in ("Второе", "Третье", "Четвёртое"):
        services.assign(AppealFactory(text=text), official=colleague)
    received = {}
    for official in (specialist_a, colleague):
        client = Client()
        client.force_login(official.user)
        response = client.get(reverse("admin:analytics_dashboard") + "?period=week&queue=mine")
        received[official.full_name] = response.context["figures"].received
    assert received == {specialist_a.full_name: 1, colleague.full_name: 3}
