"""Telegram Bot API webhooks (https://core.telegram.org/bots/api#update).

Each request is one ``Update``; the header ``X-Telegram-Bot-Api-Secret-Token`` carries the secret
set with ``setWebhook``. Private, group and supergroup messages and comments in a channel's
discussion group are appeals; the automatic forward of the channel's own post is not.
"""

from . import Draft, Ignored, Rejected, from_timestamp, require_dict, same_secret, text_of

ACCOUNT_PLATFORMS = ("telegram",)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def authenticate(account, payload: dict, headers: dict, body: bytes) -> None:
    if not same_secret(headers.get(SECRET_HEADER), account.webhook_secret):
        raise Rejected("Wrong or missing X-Telegram-Bot-Api-Secret-Token.", status=403)


def dedup_key(payload: dict) -> str:
    update_id = payload.get("update_id")
    return f"update{update_id}" if isinstance(update_id, int) else ""


def parse(account, payload: dict) -> list[Draft]:
    if not isinstance(payload.get("update_id"), int):
        raise Rejected("An Update needs an integer update_id.")
    edit = "edited_message" in payload
    message = payload.get("message") or payload.get("edited_message")
    if message is None:
        kinds = sorted(set(payload) - {"update_id"})
        raise Ignored(f"Update of kind {', '.join(kinds) or 'none'} holds no appeal.")
    message = require_dict(message, "message")
    chat = require_dict(message.get("chat"), "message.chat")
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    if chat.get("type") not in ("private", "group", "supergroup"):
        raise Ignored(f"Messages in a {chat.get('type')!r} chat are not appeals.")
    if message.get("is_automatic_forward"):
        raise Ignored("The automatic forward of the channel's own post.")
    if sender.get("is_bot"):
        raise Ignored("A message from a bot.")
    text = text_of(message.get("text")) or text_of(message.get("caption"))
    if not text:
        raise Ignored("A message without text.")
    chat_id, message_id = chat.get("id"), message.get("message_id")
    if not isinstance(chat_id, int) or not isinstance(message_id, int):
        raise Rejected("message.chat.id and message.message_id must be integers.")
    reply_to = message.get("reply_to_message") if isinstance(message.get("reply_to_message"), dict) else {}
    root = message.get("message_thread_id") or reply_to.get("message_id")
    thread = f"{chat_id}" if chat["type"] == "private" else f"{chat_id}:{root or message_id}"
    username = chat.get("username")
    name = " ".join(filter(None, [text_of(sender.get("first_name")), text_of(sender.get("last_name"))]))
    return [
        Draft(
            external_id=f"{chat_id}:{message_id}",
            text=text,
            thread_id=thread,
            permalink=f"https://t.me/{username}/{message_id}" if username else "",
            author_name=name or text_of(sender.get("username")),
            author_external_id=str(sender["id"]) if isinstance(sender.get("id"), int) else "",
            author_url=f"https://t.me/{sender['username']}" if sender.get("username") else "",
            written_at=from_timestamp(message.get("edit_date") if edit else message.get("date")),
            is_edit=edit,
        )
    ]
