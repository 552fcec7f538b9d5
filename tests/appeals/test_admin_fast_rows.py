"""The appeals list's two speed overrides write exactly what Django's own code writes (a Django
upgrade that changes its output fails here)."""

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse

from appeals.admin.fast_rows import FastRowsAdmin
from appeals.models import Appeal

from ..factories import AppealFactory


@pytest.mark.django_db
def test_it_links_each_row_as_django_does(operator_client):
    appeals = AppealFactory.create_batch(3)
    changelist = operator_client.get(reverse("admin:appeals_appeal_changelist")).context["cl"]
    for appeal in appeals:
        assert changelist.url_for_result(appeal) == ChangeList.url_for_result(changelist, appeal)


@pytest.mark.django_db
def test_it_writes_each_rows_checkbox_as_django_does():
    appeal = AppealFactory()
    model_admin = admin.site.get_model_admin(Appeal)
    assert isinstance(model_admin, FastRowsAdmin)
    assert str(model_admin.action_checkbox(appeal)) == str(admin.ModelAdmin.action_checkbox(model_admin, appeal))
