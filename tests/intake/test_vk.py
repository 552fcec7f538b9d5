"""VK Callback API, payloads in the documented shapes (API 5.199)."""

import pytest

from appeals.models import Appeal, AppealEvent, AppealMessage, InboundEvent

from .conftest import post_json

URL = "/intake/vk/170000001/"


def event(kind, obj, *, event_id="e1", secret="vk-secret-1", group_id=170000001):
    return {"type": kind, "event_id": event_id, "v": "5.199", "object": obj, "group_id": group_id, "secret": secret}


def wall_reply(
    comment_id=501, text="Когда отремонтируют крышу на ул. Ленина, 45? Течёт третий месяц", from_id=777, post_id=42
):
    return {
        "id": comment_id,
        "from_id": from_id,
        "date": 1764300000,
        "text": text,
        "post_id": post_id,
        "owner_id": -170000001,
        "parents_stack": [],
        "thread": {"count": 0},
    }


@pytest.mark.django_db
class TestVK:
    def test_the_confirmation_request_gets_the_code(self, client, vk_group):
        response = post_json(client, URL, {"type": "confirmation", "group_id": 170000001})
        assert response.content == b"a1b2c3d4"
        assert InboundEvent.objects.get().outcome == "ignored"

    def test_a_wall_reply_becomes_an_appeal_of_the_groups_ministry(self, client, vk_group, ministry_a):
        response = post_json(client, URL, event("wall_reply_new", wall_reply()))
        assert (response.status_code, response.content) == (200, b"ok")
        appeal = Appeal.objects.get()
        assert appeal.text.startswith("Когда отремонтируют крышу")
        assert (appeal.ministry, appeal.account, appeal.author_external_id) == (ministry_a, vk_group, "777")
        assert appeal.permalink == "https://vk.com/wall-170000001_42?reply=501"
        assert appeal.thread_id == "wall-170000001_42"
        stored = InboundEvent.objects.get()
        assert (stored.outcome, stored.appeal, stored.dedup_key, stored.authenticated) == (
            "created",
            appeal,
            "e1",
            True,
        )
        assert appeal.events.get().kind == AppealEvent.Kind.CREATED

    def test_a_redelivery_makes_no_second_appeal(self, client, vk_group):
        for _ in range(3):
            assert post_json(client, URL, event("wall_reply_new", wall_reply())).content == b"ok"
        assert Appeal.objects.count() == 1
        assert list(InboundEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
            "created",
            "duplicate",
            "duplicate",
        ]

    def test_the_same_comment_under_another_event_id_is_still_one_appeal(self, client, vk_group):
        post_json(client, URL, event("wall_reply_new", wall_reply(), event_id="e1"))
        post_json(client, URL, event("wall_reply_new", wall_reply(), event_id="e2"))
        assert Appeal.objects.count() == 1

    def test_an_edit_updates_the_text_and_keeps_the_old_one_in_the_history(self, client, vk_group):
        post_json(client, URL, event("wall_reply_new", wall_reply(text="Течёт крыша")))
        post_json(client, URL, event("wall_reply_edit", wall_reply(text="Течёт крыша, кв. 12"), event_id="e2"))
        appeal = Appeal.objects.get()
        assert appeal.text == "Течёт крыша, кв. 12"
        edited = appeal.events.get(kind=AppealEvent.Kind.EDITED)
        assert edited.data["text"] == ["Течёт крыша", "Течёт крыша, кв. 12"]

    def test_the_communitys_own_reply_is_not_an_appeal(self, client, vk_group):
        response = post_json(client, URL, event("wall_reply_new", wall_reply(from_id=-170000001)))
        assert response.content == b"ok"
        assert not Appeal.objects.exists()
        assert InboundEvent.objects.get().outcome == "ignored"

    def test_a_follow_up_in_the_same_thread_joins_the_open_appeal(self, client, vk_group):
        post_json(client, URL, event("wall_reply_new", wall_reply(comment_id=501)))
        post_json(
            client, URL, event("wall_reply_new", wall_reply(comment_id=502, text="Фото прикладываю"), event_id="e2")
        )
        appeal = Appeal.objects.get()
        assert AppealMessage.objects.get().text == "Фото прикладываю"
        assert appeal.events.filter(kind=AppealEvent.Kind.MESSAGE).count() == 1
        assert InboundEvent.objects.order_by("-id").first().outcome == "message"

    def test_another_author_in_the_thread_opens_a_new_appeal(self, client, vk_group):
        post_json(client, URL, event("wall_reply_new", wall_reply(comment_id=501, from_id=777)))
        post_json(client, URL, event("wall_reply_new", wall_reply(comment_id=502, from_id=888), event_id="e2"))
        assert Appeal.objects.count() == 2

    def test_a_new_private_message(self, client, vk_group):
        payload = event(
            "message_new",
            {
                "message": {
                    "id": 9001,
                    "date": 1764300000,
                    "peer_id": 555,
                    "from_id": 555,
                    "text": "Здравствуйте, у нас нет отопления",
                    "conversation_message_id": 12,
                },
                "client_info": {"keyboard": True},
            },
        )
        post_json(client, URL, payload)
        appeal = Appeal.objects.get()
        assert (appeal.author_external_id, appeal.thread_id) == ("555", "dialog555")

    @pytest.mark.parametrize(
        "kind, obj",
        [
            (
                "photo_comment_new",
                {"id": 7, "from_id": 3, "date": 1, "text": "Где ремонт?", "photo_owner_id": -170000001, "photo_id": 11},
            ),
            (
                "video_comment_new",
                {"id": 8, "from_id": 3, "date": 1, "text": "Где ремонт?", "video_owner_id": -170000001, "video_id": 12},
            ),
            (
                "board_post_new",
                {"id": 9, "from_id": 3, "date": 1, "text": "Где ремонт?", "topic_owner_id": -170000001, "topic_id": 13},
            ),
            (
                "market_comment_new",
                {
                    "id": 10,
                    "from_id": 3,
                    "date": 1,
                    "text": "Где ремонт?",
                    "market_owner_id": -170000001,
                    "item_id": 14,
                },
            ),
            (
                "wall_post_new",
                {
                    "id": 15,
                    "owner_id": -170000001,
                    "from_id": 3,
                    "date": 1,
                    "text": "Где ремонт?",
                    "post_type": "suggest",
                },
            ),
        ],
    )
    def test_other_comment_kinds(self, client, vk_group, kind, obj):
        post_json(client, URL, event(kind, obj))
        assert Appeal.objects.get().text == "Где ремонт?"

    def test_a_wrong_secret_is_refused_and_stored(self, client, vk_group):
        response = post_json(client, URL, event("wall_reply_new", wall_reply(), secret="guess"))
        assert response.status_code == 403
        stored = InboundEvent.objects.get()
        assert (stored.outcome, stored.authenticated) == ("rejected", False)
        assert "секрет" in stored.reason
        assert not Appeal.objects.exists()

    def test_an_unknown_event_type_is_answered_ok_and_stored_as_ignored(self, client, vk_group):
        response = post_json(client, URL, event("group_join", {"user_id": 1, "join_type": "join"}))
        assert response.content == b"ok"
        assert InboundEvent.objects.get().outcome == "ignored"

    @pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
    def test_malformed_bodies_get_a_clear_400(self, client, vk_group, body):
        response = post_json(client, URL, body)
        assert response.status_code == 400
        assert "JSON" in response.json()["detail"]
        assert InboundEvent.objects.get().outcome == "rejected"

    def test_wrong_field_types_get_a_clear_400(self, client, vk_group):
        response = post_json(client, URL, event("wall_reply_new", "not an object"))
        assert response.status_code == 400
        assert not Appeal.objects.exists()

    def test_an_unknown_account_is_404_and_stored(self, client, db):
        response = post_json(client, "/intake/vk/999/", event("wall_reply_new", wall_reply()))
        assert response.status_code == 404
        assert InboundEvent.objects.get().account_key == "999"

    def test_a_deactivated_account_or_a_new_secret_counts_at_once(self, client, vk_group):
        def post(n: int, secret: str):
            comment = wall_reply(comment_id=500 + n, from_id=700 + n)
            return post_json(client, URL, event("wall_reply_new", comment, event_id=f"e{n}", secret=secret))

        assert post(1, "vk-secret-1").content == b"ok"
        vk_group.webhook_secret = "rotated"
        vk_group.save()
        assert post(2, "vk-secret-1").status_code == 403
        assert post(3, "rotated").content == b"ok"
        vk_group.is_active = False
        vk_group.save()
        assert post(4, "rotated").status_code == 404
        assert Appeal.objects.count() == 2

    def test_a_body_over_the_limit_is_413(self, client, vk_group, settings):
        settings.GOVFEEDBACK_INTAKE_MAX_BODY = 100
        response = post_json(client, URL, event("wall_reply_new", wall_reply(text="x" * 500)))
        assert response.status_code == 413
        assert "GOVFEEDBACK_INTAKE_MAX_BODY" in InboundEvent.objects.get().reason


@pytest.mark.django_db
def test_an_id_longer_than_its_column_is_a_clear_400(client, vk_group):
    response = post_json(client, URL, event("wall_reply_new", wall_reply(comment_id=int("9" * 200))))
    assert response.status_code == 400
    assert "external_id" in response.json()["detail"]
    assert not Appeal.objects.exists()
