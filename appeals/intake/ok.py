"""Odnoklassniki group bot webhooks (https://apiok.ru/dev/graph_api/bot_api).

A notification is a JSON object such as ``{"webhookType": "MESSAGE_CREATED", "sender": {"user_id":
"user:…", "name": "…"}, "recipient": {"chat_id": "chat:…"}, "message": {"mid": "…", "text": "…"},
"timestamp": 1700000000000}``. OK does not sign its notifications, so the webhook URL we register
carries the account's secret as ``?secret=…``; OK wants a fast 200.
"""

import hashlib

from django.utils.translation import gettext as _

from . import Draft, Ignored, Rejected, from_timestamp, identifier, require_dict, same_secret, string

ACCOUNT_PLATFORMS = ("ok",)


def authenticate(account, payload: dict, headers: dict, body: bytes) -> None:
    if not same_secret(headers.get("query", {}).get("secret"), account.webhook_secret):
        raise Rejected(_("Wrong or missing ?secret= in the webhook URL."), status=403)


def dedup_key(payload: dict) -> str:
    return ""


def parse(account, payload: dict) -> list[Draft]:
    kind = payload.get("webhookType")
    if kind != "MESSAGE_CREATED":
        raise Ignored(_("Notification %(kind)r holds no appeal.") % {"kind": kind})
    sender = require_dict(payload.get("sender"), "sender")
    recipient = require_dict(payload.get("recipient"), "recipient")
    message = require_dict(payload.get("message"), "message")
    text = string(message, "text", "message.text")
    user, chat = identifier(sender, "user_id", "sender.user_id"), identifier(recipient, "chat_id", "recipient.chat_id")
    mid = identifier(message, "mid", "message.mid") or identifier(payload, "mid", "mid")
    name = string(sender, "name", "sender.name")
    if not text:
        raise Ignored(_("A message without text."))
    if not user or not chat:
        raise Rejected(_("sender.user_id and recipient.chat_id are required."))
    if not mid:  # no id: the sender, the chat and the moment identify the message
        mid = hashlib.sha256(f"{user}|{chat}|{payload.get('timestamp')}|{text}".encode()).hexdigest()[:32]
    user_id = user.removeprefix("user:")
    return [
        Draft(
            external_id=f"message{mid}",
            text=text,
            thread_id=chat,
            author_name=name,
            author_external_id=user_id,
            author_url=f"https://ok.ru/profile/{user_id}" if user_id.isascii() and user_id.isdigit() else "",
            written_at=from_timestamp(payload.get("timestamp")),
        )
    ]
