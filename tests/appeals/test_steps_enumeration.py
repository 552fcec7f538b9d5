"""Every step is named once (appeals/steps.py): the admin's step pages and the API's actions are
taken from that enumeration, never from a list of their own."""

from appeals.api.views import AppealViewSet
from appeals.forms import STEP_FORMS
from appeals.models import Appeal
from appeals.steps import ALL_STATUSES, STEPS


def test_it_offers_in_the_admin_only_steps_of_the_enumeration():
    assert set(STEP_FORMS) <= set(STEPS)


def test_it_serves_each_step_in_the_api_under_its_name_and_path():
    actions = {action.__name__: action for action in AppealViewSet.get_extra_actions() if "post" in action.mapping}
    assert set(actions) == set(STEPS)
    for name, action in actions.items():
        assert action.url_path == STEPS[name].path


def test_it_names_only_real_statuses():
    assert set(ALL_STATUSES) == set(Appeal.Status.values)
    assert all(set(step.statuses) <= set(ALL_STATUSES) for step in STEPS.values())
