"""VK Callback API (https://dev.vk.com/ru/api/callback/getting-started).

Every request is a JSON object ``{"type", "event_id", "v", "object", "group_id", "secret"}``. The
``confirmation`` request is answered with the account's confirmation code; every other one, also
those ignored, with the plain text ``ok`` (VK stops sending to a server that answers otherwise).
"""

from . import Draft, Ignored, Rejected, from_timestamp, require_dict, same_secret, text_of

ACCOUNT_PLATFORMS = ("vk",)

# Comment-like events: (type without the _new/_edit suffix) -> (owner field, object field, link prefix)
COMMENTS = {
    "wall_reply": ("owner_id", "post_id", "wall"),
    "photo_comment": ("photo_owner_id", "photo_id", "photo"),
    "video_comment": ("video_owner_id", "video_id", "video"),
    "board_post": ("topic_owner_id", "topic_id", "topic"),
    "market_comment": ("market_owner_id", "item_id", "market"),
}


class Confirmation(Exception):
    """The ``confirmation`` request: answer with this text."""


def authenticate(account, payload: dict, headers: dict, body: bytes) -> None:
    if payload.get("type") == "confirmation":
        return
    if not same_secret(payload.get("secret"), account.webhook_secret):
        raise Rejected("Wrong or missing secret.", status=403)


def dedup_key(payload: dict) -> str:
    return str(payload.get("event_id") or "")[:128]


def _author(from_id) -> dict:
    if not isinstance(from_id, int) or from_id <= 0:
        return {}
    return {
        "author_external_id": str(from_id),
        "author_url": f"https://vk.com/id{from_id}",
        "author_name": f"id{from_id}",
    }


def _own(account, from_id) -> bool:
    """The community itself (from_id = -group id) posts and replies: those are not appeals."""
    return isinstance(from_id, int) and from_id < 0 and str(-from_id) == str(account.external_id)


def parse(account, payload: dict) -> list[Draft]:
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise Rejected("No event type.")
    if kind == "confirmation":
        raise Confirmation(account.confirmation_code)
    base, _, suffix = kind.rpartition("_")
    edit = suffix == "edit"
    if suffix not in ("new", "edit"):
        raise Ignored(f"Event type {kind!r} holds no appeal.")
    obj = require_dict(payload.get("object"), "object")

    if base == "message":
        # API 5.103+: object.message (message_edit sends the message itself).
        message = require_dict(obj.get("message", obj), "object.message")
        from_id, peer_id = message.get("from_id"), message.get("peer_id")
        if _own(account, from_id) or message.get("out") == 1:
            raise Ignored("The community's own message.")
        text = text_of(message.get("text"))
        if not text:
            raise Ignored("A message without text.")
        return [
            Draft(
                external_id=f"message{message.get('conversation_message_id') or message.get('id')}_{peer_id}",
                text=text,
                thread_id=f"dialog{peer_id}",
                written_at=from_timestamp(message.get("date")),
                permalink="",
                is_edit=edit,
                **_author(from_id),
            )
        ]

    if base == "wall_post":
        if edit:
            raise Ignored("Edits of wall posts are not tracked.")
        from_id = obj.get("signer_id") or obj.get("from_id") or obj.get("created_by")
        if _own(account, obj.get("from_id")) and obj.get("post_type") != "suggest":
            raise Ignored("The community's own post.")
        text = text_of(obj.get("text"))
        if not text:
            raise Ignored("A post without text.")
        owner, post = obj.get("owner_id"), obj.get("id")
        return [
            Draft(
                external_id=f"wall{owner}_{post}",
                text=text,
                thread_id=f"wall{owner}_{post}",
                permalink=f"https://vk.com/wall{owner}_{post}",
                written_at=from_timestamp(obj.get("date")),
                **_author(from_id),
            )
        ]

    if base in COMMENTS:
        owner_field, object_field, link = COMMENTS[base]
        from_id = obj.get("from_id")
        if _own(account, from_id):
            raise Ignored("The community's own reply.")
        text = text_of(obj.get("text"))
        if not text:
            raise Ignored("A comment without text.")
        owner, target, comment = obj.get(owner_field), obj.get(object_field), obj.get("id")
        if comment is None or target is None:
            raise Rejected(f"{kind}: the object has no id or {object_field}.")
        permalink = {
            "wall": f"https://vk.com/wall{owner}_{target}?reply={comment}",
            "topic": f"https://vk.com/topic{owner}_{target}?post={comment}",
        }.get(link, f"https://vk.com/{link}{owner}_{target}")
        return [
            Draft(
                external_id=f"{base}{owner}_{target}_{comment}",
                text=text,
                thread_id=f"{link}{owner}_{target}",
                permalink=permalink,
                written_at=from_timestamp(obj.get("date")),
                is_edit=edit,
                **_author(from_id),
            )
        ]
    raise Ignored(f"Event type {kind!r} holds no appeal.")
