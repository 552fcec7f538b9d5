"""Who may approve an answer is one rule with two forms: the check the services make for one appeal
(``access.refusal`` of the step, then ``access.approval_refusal`` of ``answers.approval_for``) and the
filter of rows (``access.approvable`` over ``answers.approval_expression``) that the approvers' queue,
the list's filter and any counter read. Both run on every combination of the settings (the
account's own, its kind, the ministry's, no ministry) and of the people (the press service, a head,
a deputy, a specialist, another ministry's head, a login without an official)."""

import itertools

import pytest
from django.test import Client
from django.urls import reverse

from appeals import access, answers
from appeals.models import Appeal, Publication
from ministries import roles
from ministries.models import Approval, Official, SocialAccount

from ..factories import AccountFactory, AppealFactory, OfficialFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_SETTINGS = ["", Approval.NONE, Approval.PRESS_SERVICE, Approval.HEAD]
KINDS = [SocialAccount.Kind.HEAD, SocialAccount.Kind.MINISTRY_GROUP]


@pytest.fixture
def cases(ministry_a, ministry_b, specialist_a):
    """An answer awaiting approval for each combination of the settings; and appeals without an
    account (entered by hand) for the expression alone."""
    ministry_a.answer_approval = Approval.HEAD
    ministry_a.save()
    ministry_b.answer_approval = Approval.PRESS_SERVICE
    ministry_b.save()
    waiting = []
    for setting, kind, ministry in itertools.product(ACCOUNT_SETTINGS, KINDS, [ministry_a, ministry_b, None]):
        account = AccountFactory(kind=kind, answer_approval=setting, ministry=ministry)
        appeal = AppealFactory(
            account=account,
            ministry=ministry,
            assignee=specialist_a if ministry == ministry_a else None,
            status=Appeal.Status.IN_PROGRESS,
        )
        waiting.append(
            Publication.objects.create(
                appeal=appeal, account=account, text="Ответ", status=Publication.Status.AWAITING_APPROVAL
            )
        )
    # A ministry that needs no approval: an answer waits only if the setting changed after it was sent.
    ministry_c = ministry_b.__class__.objects.create(name="Минтруд", slug="mintrud")
    account = AccountFactory(kind=SocialAccount.Kind.MINISTRY_GROUP, ministry=ministry_c)
    appeal = AppealFactory(account=account, ministry=ministry_c, status=Appeal.Status.IN_PROGRESS)
    waiting.append(
        Publication.objects.create(
            appeal=appeal, account=account, text="Ответ", status=Publication.Status.AWAITING_APPROVAL
        )
    )
    for ministry in (ministry_a, ministry_b, None):
        AppealFactory(account=None, ministry=ministry)
    return waiting


@pytest.fixture
def people(operator, head_a, specialist_a, head_b, ministry_a):
    deputy = OfficialFactory(ministry=ministry_a, user=UserFactory(username="deputy_a"), role=Official.Role.DEPUTY)
    roles.give_access(deputy)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    nobody = UserFactory(username="nobody", is_staff=True)
    return {
        "operator": operator,
        "superuser": superuser,
        "head_a": head_a.user,
        "deputy_a": deputy.user,
        "specialist_a": specialist_a.user,
        "head_b": head_b.user,
        "nobody": nobody,
    }


def fresh(user):
    """The login as a new request sees it (the scope is cached on the user object)."""
    return type(user).objects.get(pk=user.pk)


def test_it_computes_what_an_answer_needs_in_sql_as_in_python(cases):
    appeals = Appeal.objects.select_related("account", "ministry")
    in_sql = dict(appeals.annotate(needs=answers.approval_expression()).values_list("pk", "needs"))
    assert in_sql == {appeal.pk: answers.approval_for(appeal) for appeal in appeals}
    assert set(in_sql.values()) == set(Approval.values)  # every value is among the cases
    by_publication = dict(
        Publication.objects.annotate(needs=answers.approval_expression("appeal")).values_list("appeal_id", "needs")
    )
    assert by_publication == {pk: in_sql[pk] for pk in by_publication}


def test_the_services_check_and_the_queue_agree_for_every_person_and_setting(cases, people):
    agreed = {}
    for name, user in people.items():
        rows = access.approvable(fresh(user), Publication.objects.filter(status=Publication.Status.AWAITING_APPROVAL))
        in_queue = set(rows.values_list("pk", flat=True))
        appeals = access.approvable(fresh(user), Appeal.objects.answer_awaiting_approval(), appeal_path="")
        appeals_in_filter = set(appeals.values_list("pk", flat=True))
        user = fresh(user)
        for publication in cases:
            appeal = Appeal.objects.select_related("account", "ministry").get(pk=publication.appeal_id)
            may = (
                access.refusal(user, appeal, "approve_answer") is None
                and access.approval_refusal(user, appeal, answers.approval_for(appeal)) is None
            )
            assert (publication.pk in in_queue) == may, (name, appeal.account.answer_approval, appeal.ministry)
            assert (appeal.pk in appeals_in_filter) == may, (name, appeal.account.answer_approval, appeal.ministry)
        agreed[name] = len(in_queue)
    total = len(cases)
    # What each person approves: all (the press service); a head's and deputy's own ministry's
    # answers that name the head (or need no approval); nothing for the others.
    assert agreed["operator"] == agreed["superuser"] == total
    assert agreed["head_a"] == agreed["deputy_a"] > 0 and agreed["head_b"] > 0
    assert agreed["specialist_a"] == agreed["nobody"] == 0


def test_the_page_and_the_list_filter_show_what_the_person_approves(cases, people):
    head = Client()
    head.force_login(people["head_a"])
    page = head.get(reverse("admin:appeals_appeal_approvals"))
    expected = access.approvable(
        fresh(people["head_a"]), Publication.objects.filter(status=Publication.Status.AWAITING_APPROVAL)
    )
    assert [row.pk for row in page.context["rows"]] == list(
        expected.order_by("created_at", "id").values_list("pk", flat=True)
    )
    listed = head.get(reverse("admin:appeals_appeal_changelist") + "?queue=approval")
    assert {appeal.pk for appeal in listed.context["cl"].result_list} == set(
        expected.values_list("appeal_id", flat=True)
    )
