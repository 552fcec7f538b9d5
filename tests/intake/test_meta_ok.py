"""Meta (Facebook Page feed, Instagram comments and messages) and Odnoklassniki."""

import json

import pytest

from appeals.models import Appeal, InboundEvent

from .conftest import meta_signature, post_json

FB_URL, IG_URL, OK_URL = "/intake/meta/555000111/", "/intake/meta/178414000/", "/intake/ok/200000001/"


def fb_comment(comment_id="111_222", verb="add", message="Почему в Черногорске опять дым?", sender="9911"):
    return {
        "object": "page",
        "entry": [
            {
                "id": "555000111",
                "time": 1764300000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": verb,
                            "comment_id": comment_id,
                            "post_id": "555000111_1",
                            "parent_id": "555000111_1",
                            "message": message,
                            "from": {"id": sender, "name": "Олег Боргояков"},
                            "created_time": 1764300000,
                        },
                    }
                ],
            }
        ],
    }


def signed(client, url, payload, secret="meta-app-secret"):
    body = json.dumps(payload, ensure_ascii=False).encode()
    return post_json(client, url, body, **{"X-Hub-Signature-256": meta_signature(body, secret)})


@pytest.mark.django_db
class TestMeta:
    def test_the_subscription_is_verified_with_the_token(self, client, fb_page):
        ok = client.get(
            FB_URL, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
        )
        assert (ok.status_code, ok.content) == (200, b"1158201444")
        wrong = client.get(FB_URL, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
        assert wrong.status_code == 403

    def test_a_signed_page_comment_becomes_an_appeal(self, client, fb_page, ministry_a):
        assert signed(client, FB_URL, fb_comment()).status_code == 200
        appeal = Appeal.objects.get()
        assert (appeal.text, appeal.ministry, appeal.author_name) == (
            "Почему в Черногорске опять дым?",
            ministry_a,
            "Олег Боргояков",
        )

    def test_a_wrong_signature_is_403_and_stored(self, client, fb_page):
        assert signed(client, FB_URL, fb_comment(), secret="other").status_code == 403
        assert post_json(client, FB_URL, fb_comment()).status_code == 403
        assert not Appeal.objects.exists()
        assert InboundEvent.objects.filter(outcome="rejected").count() == 2

    def test_an_edited_comment_updates_and_the_pages_own_reply_is_ignored(self, client, fb_page):
        signed(client, FB_URL, fb_comment())
        signed(client, FB_URL, fb_comment(verb="edited", message="Почему в Черногорске опять дым? Дышать нечем"))
        signed(client, FB_URL, fb_comment(comment_id="111_333", sender="555000111", message="Разбираемся"))
        assert Appeal.objects.get().text.endswith("Дышать нечем")
        assert InboundEvent.objects.order_by("-id").first().outcome == "ignored"

    def test_instagram_comments_and_messages(self, client, ig_account):
        comment = {
            "object": "instagram",
            "entry": [
                {
                    "id": "178414000",
                    "time": 1764300000,
                    "changes": [
                        {
                            "field": "comments",
                            "value": {
                                "from": {"id": "232323", "username": "abakan_mama"},
                                "media": {"id": "1800", "media_product_type": "FEED"},
                                "id": "17865799348089039",
                                "text": "Когда откроют садик на Катанова?",
                            },
                        }
                    ],
                }
            ],
        }
        message = {
            "object": "instagram",
            "entry": [
                {
                    "id": "178414000",
                    "time": 1764300000,
                    "messaging": [
                        {
                            "sender": {"id": "4444"},
                            "recipient": {"id": "178414000"},
                            "timestamp": 1764300000000,
                            "message": {"mid": "aWdfZAG1", "text": "Нет воды в Сорске"},
                        }
                    ],
                }
            ],
        }
        signed(client, IG_URL, comment)
        signed(client, IG_URL, message)
        assert sorted(Appeal.objects.values_list("text", flat=True)) == [
            "Когда откроют садик на Катанова?",
            "Нет воды в Сорске",
        ]


@pytest.mark.django_db
class TestOK:
    def notification(self, text="В Бейском районе нет связи"):
        return {
            "webhookType": "MESSAGE_CREATED",
            "sender": {"user_id": "user:5720012", "name": "Ирина Сагалакова"},
            "recipient": {"chat_id": "chat:C3ec1"},
            "message": {"mid": "mid.0001", "text": text},
            "timestamp": 1764300000000,
        }

    def test_a_message_with_the_url_secret_becomes_an_appeal(self, client, ok_group):
        assert post_json(client, OK_URL + "?secret=ok-secret", self.notification()).status_code == 200
        appeal = Appeal.objects.get()
        assert (appeal.author_name, appeal.author_url) == ("Ирина Сагалакова", "https://ok.ru/profile/5720012")

    def test_without_the_secret_it_is_refused(self, client, ok_group):
        assert post_json(client, OK_URL, self.notification()).status_code == 403
        assert not Appeal.objects.exists()

    def test_other_notifications_are_ignored(self, client, ok_group):
        post_json(client, OK_URL + "?secret=ok-secret", {"webhookType": "CHAT_SYSTEM", "timestamp": 1})
        assert InboundEvent.objects.get().outcome == "ignored"
