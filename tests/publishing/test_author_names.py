"""VK authors appear with their names, looked up by a job with the account's token."""

import pytest

from appeals.models import AppealMessage
from appeals.publishing.authors import fill_author_names

from ..factories import AppealFactory
from .conftest import account

pytestmark = pytest.mark.django_db


def test_vk_authors_get_their_names_and_an_unknown_one_keeps_the_id(platforms):
    platforms.state.users[612345678] = ("Анна", "Кызласова")
    vk = account("vk")
    named = AppealFactory(account=vk, author_external_id="612345678", author_name="id612345678")
    AppealMessage.objects.create(appeal=named, author_name="id612345678", text="И ещё: подъезд 2.")
    unknown = AppealFactory(account=vk, author_external_id="700", author_name="id700")

    assert fill_author_names() == 1

    named.refresh_from_db()
    unknown.refresh_from_db()
    assert named.author_name == "Анна Кызласова"
    assert named.messages.get().author_name == "Анна Кызласова"
    assert unknown.author_name == "id700"
    calls = len(platforms.requests("vk"))

    assert fill_author_names() == 0  # the unknown one is asked again, the known name comes from the cache
    AppealFactory(account=vk, author_external_id="612345678", author_name="id612345678")
    assert fill_author_names() == 1
    assert len(platforms.requests("vk")) == calls + 2
