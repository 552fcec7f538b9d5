"""Telegram Bot API webhooks (https://core.telegram.org/bots/api#update).

Each request is one ``Update``; the header ``X-Telegram-Bot-Api-Secret-Token`` carries the secret
set with ``setWebhook``. Private, group and supergroup messages and comments in a channel's
discussion group are appeals; the automatic forward of the channel's own post is not.
"""

from django.utils.translation import gettext as _

from . import (
    Draft,
    Ignored,
    Rejected,
    from_timestamp,
    integer,
    link_part,
    optional_dict,
    require_dict,
    same_secret,
    string,
)

ACCOUNT_PLATFORMS = ("telegram",)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def authenticate(account, payload: dict, headers: dict, body: bytes) -> None:
    if not same_secret(headers.get(SECRET_HEADER), account.webhook_secret):
        raise Rejected(_("Wrong or missing X-Telegram-Bot-Api-Secret-Token."), status=403)


def dedup_key(payload: dict) -> str:
    update_id = payload.get("update_id")
    return f"update{update_id}" if isinstance(update_id, int) else ""


def parse(account, payload: dict) -> list[Draft]:
    integer(payload, "update_id", "update_id", required=True)
    key = next((key for key in ("message", "edited_message") if payload.get(key) is not None), None)
    if key is None:
        kinds = ", ".join(repr(kind) for kind in sorted(set(payload) - {"update_id"}))
        raise Ignored(_("Update of kind %(kinds)s holds no appeal.") % {"kinds": kinds[:200] or "—"})
    edit = key == "edited_message"
    message = require_dict(payload[key], key)
    chat = require_dict(message.get("chat"), f"{key}.chat")
    sender = optional_dict(message, "from", f"{key}.from")
    chat_type = string(chat, "type", f"{key}.chat.type")
    chat_id = integer(chat, "id", f"{key}.chat.id", required=True)
    message_id = integer(message, "message_id", f"{key}.message_id", required=True)
    text = string(message, "text", f"{key}.text") or string(message, "caption", f"{key}.caption")
    reply_to = optional_dict(message, "reply_to_message", f"{key}.reply_to_message")
    root = integer(message, "message_thread_id", f"{key}.message_thread_id") or integer(
        reply_to, "message_id", f"{key}.reply_to_message.message_id"
    )
    chat_name = string(chat, "username", f"{key}.chat.username")
    first, last = (
        string(sender, "first_name", f"{key}.from.first_name"),
        string(sender, "last_name", f"{key}.from.last_name"),
    )
    username = string(sender, "username", f"{key}.from.username")
    author_id = integer(sender, "id", f"{key}.from.id")
    if chat_type not in ("private", "group", "supergroup"):
        raise Ignored(_("Messages in a %(type)r chat are not appeals.") % {"type": chat_type})
    if message.get("is_automatic_forward"):
        raise Ignored(_("The automatic forward of the channel's own post."))
    if sender.get("is_bot"):
        raise Ignored(_("A message from a bot."))
    if not text:
        raise Ignored(_("A message without text."))
    thread = f"{chat_id}" if chat_type == "private" else f"{chat_id}:{root or message_id}"
    chat_link, author_link = link_part(chat_name), link_part(username)
    return [
        Draft(
            external_id=f"{chat_id}:{message_id}",
            text=text,
            thread_id=thread,
            permalink=f"https://t.me/{chat_link}/{message_id}" if chat_link else "",
            author_name=" ".join(filter(None, [first, last])) or username,
            author_external_id=str(author_id) if author_id is not None else "",
            author_url=f"https://t.me/{author_link}" if author_link else "",
            written_at=from_timestamp(message.get("edit_date") if edit else message.get("date")),
            is_edit=edit,
        )
    ]
