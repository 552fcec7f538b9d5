"""The appeals list: each filter, cursor pagination both ways, the fixed orderings, and a fixed
number of queries whatever the page holds."""

import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appeals.models import Appeal, AppealEvent, AppealMessage
from ministries.models import SocialAccount

from ..factories import AccountFactory, AppealFactory, MinistryFactory, OfficialFactory
from . import api_client

URL = "/api/v1/appeals/"
KRS = ZoneInfo("Asia/Krasnoyarsk")
Status = Appeal.Status


def local(*args) -> datetime:
    return datetime(*args, tzinfo=KRS)


@pytest.fixture
def api(operator):
    return api_client(operator)


def listed(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def found(api, query: str) -> set[int]:
    return set(listed(api.get(URL + query)))


@pytest.mark.django_db
class TestFilters:
    def test_it_filters_by_one_or_several_statuses(self, api):
        new, assigned = AppealFactory(status=Status.NEW), AppealFactory(status=Status.ASSIGNED)
        resolved = AppealFactory(status=Status.RESOLVED, resolved_at=timezone.now(), answer="Готово")
        assert found(api, "?status=new") == {new.pk}
        assert found(api, "?status=new&status=resolved") == {new.pk, resolved.pk}
        assert found(api, "") == {new.pk, assigned.pk, resolved.pk}

    def test_it_refuses_an_unknown_status(self, api):
        response = api.get(URL + "?status=lost")
        assert response.status_code == 400 and "status" in response.json()

    def test_it_filters_by_topic_code(self, api, topics):
        roads = AppealFactory(topic=topics["roads_transport"])
        AppealFactory(topic=topics["ecology"])
        AppealFactory(topic=None)
        assert found(api, "?topic=roads_transport") == {roads.pk}
        assert found(api, "?topic=nothing") == set()

    def test_it_filters_by_ministry_and_assignee(self, api, ministry_a, ministry_b, specialist_a):
        mine = AppealFactory(ministry=ministry_a, assignee=specialist_a, status=Status.ASSIGNED)
        a_queue = AppealFactory(ministry=ministry_a, status=Status.ASSIGNED)
        AppealFactory(ministry=ministry_b, status=Status.ASSIGNED)
        AppealFactory()
        assert found(api, f"?ministry={ministry_a.pk}") == {mine.pk, a_queue.pk}
        assert found(api, f"?assignee={specialist_a.pk}") == {mine.pk}
        assert found(api, f"?ministry={ministry_a.pk}&assignee={specialist_a.pk}") == {mine.pk}

    def test_it_refuses_an_id_that_is_not_a_number(self, api):
        for query in ["?ministry=minstroy", "?assignee=1.5", "?account=-1"]:
            assert api.get(URL + query).status_code == 400, query

    def test_it_filters_by_platform_and_account(self, api):
        telegram = AccountFactory(platform=SocialAccount.Platform.TELEGRAM)
        from_telegram = AppealFactory(account=telegram)
        from_vk = AppealFactory()
        by_hand = AppealFactory(account=None, external_id="")
        assert found(api, "?platform=telegram") == {from_telegram.pk}
        assert found(api, "?platform=vk") == {from_vk.pk}
        assert found(api, f"?account={telegram.pk}") == {from_telegram.pk}
        assert by_hand.pk in found(api, "")
        assert api.get(URL + "?platform=myspace").status_code == 400

    def test_overdue_means_open_running_and_past_the_deadline(self, api):
        now = timezone.now()
        overdue = AppealFactory(status=Status.IN_PROGRESS, due_at=now - timedelta(hours=1))
        on_time = AppealFactory(status=Status.IN_PROGRESS, due_at=now + timedelta(hours=1))
        paused = AppealFactory(status=Status.AWAITING_CITIZEN, due_at=now - timedelta(hours=1), paused_at=now)
        closed = AppealFactory(
            status=Status.RESOLVED, due_at=now - timedelta(hours=1), resolved_at=now, answer="Готово"
        )
        assert found(api, "?overdue=true") == {overdue.pk} == set(Appeal.objects.overdue().values_list("pk", flat=True))
        assert found(api, "?overdue=false") == {on_time.pk, paused.pk, closed.pk}
        rows = {row["id"]: row["overdue"] for row in api.get(URL).json()["results"]}
        assert rows == {overdue.pk: True, on_time.pk: False, paused.pk: False, closed.pk: False}

    def test_it_filters_by_deadline_and_arrival_times(self, api):
        early = AppealFactory(received_at=local(2026, 3, 1, 9, 0), due_at=local(2026, 3, 2, 9, 0))
        late = AppealFactory(received_at=local(2026, 3, 5, 9, 0), due_at=local(2026, 3, 6, 9, 0))
        assert found(api, "?received_after=2026-03-03T00:00:00%2B07:00") == {late.pk}
        assert found(api, "?received_before=2026-03-03T00:00:00%2B07:00") == {early.pk}
        # A time without an offset is local time (Krasnoyarsk): 09:00 local is 02:00 UTC.
        assert found(api, "?received_after=2026-03-05T09:00:00") == {late.pk}
        assert found(api, "?received_after=2026-03-05T02:00:01Z") == set()
        # Any offset (PostgreSQL itself accepts at most ±15:59): 23:21 at +21:21 is 02:00 UTC.
        assert found(api, "?received_after=2026-03-05T23:21:00%2B21:21") == {late.pk}
        assert found(api, "?due_before=2026-03-06T09:00:00") == {early.pk}
        assert found(api, "?due_after=2026-03-06T09:00:00") == {late.pk}
        assert found(api, "?due_after=2026-03-01T00:00:00&due_before=2026-03-03T00:00:00") == {early.pk}

    def test_it_refuses_a_bad_time_or_one_that_does_not_exist_in_utc(self, api):
        for query in [
            "?due_before=tomorrow",
            "?received_after=0001-01-01T00:00:00%2B23:00",
            "?received_after=0001-01-01T00:00:00",  # local midnight of the year 1 is still the year 0 in UTC
            "?due_after=9999-12-31T23:00:00-05:00",
        ]:
            response = api.get(URL + query)
            assert response.status_code == 400 and list(response.json()) == [query[1:].split("=")[0]], query
        assert api.get(URL + "?due_after=0001-01-01T00:00:00Z&due_before=9999-12-31T00:00:00").status_code == 200

    def test_it_searches_the_text_the_author_and_the_number(self, api):
        water = AppealFactory(text="Нет горячей воды на Ленина, 45", author_name="Анна Кызласова")
        road = AppealFactory(text="Яма на дороге", author_name="Олег Тодышев")
        assert found(api, "?q=горячей") == {water.pk}
        assert found(api, "?q=Тодышев") == {road.pk}
        assert found(api, f"?q={road.pk}") == {road.pk}
        assert found(api, f"?q=%E2%84%96{road.pk}") == {road.pk}  # "№12"
        assert found(api, "?q=%C2%B2") == set()  # "²" is a digit to Python, not a number
        assert found(api, "?q=+") == {water.pk, road.pk}


@pytest.mark.django_db
class TestCursorPagination:
    @pytest.fixture
    def seven(self):
        """Seven appeals received an hour apart, deadlines in the opposite order."""
        start = local(2026, 3, 1, 9, 0)
        return [
            AppealFactory(received_at=start + timedelta(hours=n), due_at=start + timedelta(days=10, hours=-n))
            for n in range(7)
        ]

    def test_it_pages_forward_and_back(self, api, seven):
        newest_first = [a.pk for a in reversed(seven)]
        first = api.get(URL + "?page_size=3").json()
        assert [r["id"] for r in first["results"]] == newest_first[:3] and first["previous"] is None
        second = api.get(first["next"]).json()
        assert [r["id"] for r in second["results"]] == newest_first[3:6]
        third = api.get(second["next"]).json()
        assert [r["id"] for r in third["results"]] == newest_first[6:] and third["next"] is None
        back = api.get(third["previous"]).json()
        assert [r["id"] for r in back["results"]] == newest_first[3:6]
        assert [r["id"] for r in api.get(back["previous"]).json()["results"]] == newest_first[:3]

    def test_it_keeps_the_filters_across_pages(self, api, seven):
        for appeal in seven[:4]:
            Appeal.objects.filter(pk=appeal.pk).update(status=Status.IN_PROGRESS)
        first = api.get(URL + "?status=in_progress&page_size=3").json()
        second = api.get(first["next"]).json()
        assert [r["id"] for r in first["results"] + second["results"]] == [a.pk for a in reversed(seven[:4])]

    @pytest.mark.parametrize(
        "ordering, key",
        [
            ("received_at", lambda a: (a.received_at, a.pk)),
            ("-received_at", lambda a: (-a.received_at.timestamp(), -a.pk)),
            ("due_at", lambda a: (a.due_at, a.pk)),
            ("-due_at", lambda a: (-a.due_at.timestamp(), -a.pk)),
            ("id", lambda a: a.pk),
            ("-id", lambda a: -a.pk),
        ],
    )
    def test_it_orders_by_each_fixed_field_on_every_page(self, api, seven, ordering, key):
        first = api.get(URL + f"?ordering={ordering}&page_size=4").json()
        rest = api.get(first["next"]).json()
        assert [r["id"] for r in first["results"] + rest["results"]] == [a.pk for a in sorted(seven, key=key)]

    def test_it_refuses_another_ordering(self, api, seven):
        response = api.get(URL + "?ordering=author_name")
        assert response.status_code == 400 and "ordering" in response.json()

    def test_a_forged_cursor_is_not_found(self, api, seven):
        # base64 of "p=yesterday": a position that is not a time.
        assert api.get(URL + "?cursor=cD15ZXN0ZXJkYXk%3D").status_code == 404
        assert api.get(URL + "?ordering=id&cursor=cD1hYmM%3D").status_code == 404  # "p=abc" for an id
        assert api.get(URL + "?cursor=bz1hYmM%3D").status_code == 404  # "o=abc": not an offset

    def test_a_cursor_at_any_offset_works(self, api, seven):
        # "p=2026-03-02 11:21:00+21:21": 14:00 UTC of 1 March, i.e. 21:00 local, after the newest.
        cursor = base64.b64encode(b"p=2026-03-02 11:21:00%2B21:21").decode()
        page = api.get(URL + "?page_size=2&cursor=" + cursor)
        assert listed(page) == [seven[6].pk, seven[5].pk]

    def test_the_page_size_is_50_by_default(self, api):
        AppealFactory.create_batch(51)
        page = api.get(URL).json()
        assert len(page["results"]) == 50 and page["next"]


@pytest.mark.django_db
class TestQueries:
    @pytest.mark.parametrize("rows", [1, 35])
    def test_the_list_runs_a_fixed_number_of_queries(self, operator, topics, django_assert_num_queries, rows):
        api = api_client(operator)
        ministry, topics = MinistryFactory(), list(topics.values())
        for n in range(rows):
            official = OfficialFactory(ministry=ministry)
            AppealFactory(ministry=ministry, assignee=official, status=Status.ASSIGNED, topic=topics[n % len(topics)])
        # 1 the token with its user, 2 the user's role, 3 the page of appeals with account, topic,
        # ministry and assignee joined (LIMIT page size + 1; nothing counts the table), 4 the access
        # log entry (who saw which appeals: audit.AccessLog).
        with django_assert_num_queries(4):
            response = api.get(URL + "?status=assigned&overdue=false&q=воды")
        assert len(response.json()["results"]) == rows

    def test_the_detail_runs_three_queries(self, operator, django_assert_num_queries):
        appeal = AppealFactory()
        api = api_client(operator)
        # 1 the token with its user, 2 the user's role, 3 the appeal with its relations,
        # 4 the access log entry (audit.AccessLog: who opened it).
        with django_assert_num_queries(4):
            response = api.get(f"{URL}{appeal.pk}/")
        assert response.json()["id"] == appeal.pk

    @pytest.mark.parametrize("rows", [1, 35])
    def test_the_history_and_the_conversation_run_a_fixed_number_of_queries(
        self, operator, django_assert_num_queries, rows
    ):
        appeal = AppealFactory()
        for n in range(rows):
            AppealEvent.objects.create(appeal=appeal, kind=AppealEvent.Kind.COMMENTED, actor=operator, note=f"{n}")
            AppealMessage.objects.create(appeal=appeal, text=f"Дополнение {n}")
        api = api_client(operator)
        for suffix in ["history", "messages"]:
            # 1 the token with its user, 2 the user's role, 3 the appeal (in the user's scope),
            # 4 its events or messages (the actor's name is stored on the event: no join),
            # 5 the access log entry.
            with django_assert_num_queries(5):
                response = api.get(f"{URL}{appeal.pk}/{suffix}/")
            assert len(response.json()) == rows
