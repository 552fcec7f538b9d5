"""The dashboard and the export apply the appeals list's own filters through the list's own
ChangeList, without its page (``analytics.views.filtered_appeals``): the selection is the list's,
ordering included, for every kind of filter."""

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory

from analytics.views import filtered_appeals
from appeals.models import Appeal

from ..factories import AppealFactory

QUERIES = ["", "q=крыша", "status__exact=assigned", "deadline=overdue&o=-1", "queue=open&topic__id__exact=1"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES)
def test_it_filters_as_the_list_itself_does(operator, query):
    AppealFactory(text="Протекает крыша")
    request = RequestFactory().get(f"/admin/appeals/appeal/?{query}")
    request.user = operator
    with time_machine.travel("2026-11-24 12:00 +07:00", tick=False):
        ours, error = filtered_appeals(request)
        django = admin.site.get_model_admin(Appeal).get_changelist_instance(request).queryset
    assert error is None
    assert str(ours.query) == str(django.query)
