"""VK Callback API (https://dev.vk.com/ru/api/callback/getting-started).

Every request is a JSON object ``{"type", "event_id", "v", "object", "group_id", "secret"}``. The
``confirmation`` request is answered with the account's confirmation code; every other one, also
those ignored, with the plain text ``ok`` (VK stops sending to a server that answers otherwise).
"""

from django.utils.translation import gettext as _

from . import Draft, Ignored, Rejected, from_timestamp, identifier, integer, require_dict, same_secret, string

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
        # It carries no secret: answered with the code, never counted as the platform's delivery.
        raise Confirmation(account.confirmation_code)
    if not same_secret(payload.get("secret"), account.webhook_secret):
        raise Rejected(_("Wrong or missing secret."), status=403)


def dedup_key(payload: dict) -> str:
    return identifier(payload, "event_id", "event_id")[:128]


def _author(from_id: int | None) -> dict:
    if from_id is None or from_id <= 0:
        return {}
    return {
        "author_external_id": str(from_id),
        "author_url": f"https://vk.com/id{from_id}",
        "author_name": f"id{from_id}",
    }


def _own(account, from_id: int | None) -> bool:
    """The community itself (from_id = -group id) posts and replies: those are not appeals."""
    return from_id is not None and from_id < 0 and str(-from_id) == str(account.external_id)


def parse(account, payload: dict) -> list[Draft]:
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise Rejected(_("No event type."))
    if kind == "confirmation":
        raise Confirmation(account.confirmation_code)
    base, _sep, suffix = kind.rpartition("_")
    edit = suffix == "edit"
    if suffix not in ("new", "edit"):
        raise Ignored(_("Event type %(kind)r holds no appeal.") % {"kind": kind})
    obj = require_dict(payload.get("object"), "object")

    if base == "message":
        # API 5.103+: object.message (message_edit sends the message itself).
        where = "object.message" if "message" in obj else "object"
        message = require_dict(obj.get("message", obj), where)
        from_id = integer(message, "from_id", f"{where}.from_id")
        peer_id = integer(message, "peer_id", f"{where}.peer_id", required=True)
        number = integer(message, "conversation_message_id", f"{where}.conversation_message_id") or integer(
            message, "id", f"{where}.id", required=True
        )
        text = string(message, "text", f"{where}.text")
        if _own(account, from_id) or message.get("out") == 1:
            raise Ignored(_("The community's own message."))
        if not text:
            raise Ignored(_("A message without text."))
        return [
            Draft(
                external_id=f"message{number}_{peer_id}",
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
            raise Ignored(_("Edits of wall posts are not tracked."))
        poster = integer(obj, "from_id", "object.from_id")
        signer, creator = integer(obj, "signer_id", "object.signer_id"), integer(obj, "created_by", "object.created_by")
        from_id = signer or poster or creator
        owner = integer(obj, "owner_id", "object.owner_id", required=True)
        post = integer(obj, "id", "object.id", required=True)
        text = string(obj, "text", "object.text")
        if _own(account, poster) and obj.get("post_type") != "suggest":
            raise Ignored(_("The community's own post."))
        if not text:
            raise Ignored(_("A post without text."))
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
        from_id = integer(obj, "from_id", "object.from_id")
        owner = integer(obj, owner_field, f"object.{owner_field}", required=True)
        target = integer(obj, object_field, f"object.{object_field}", required=True)
        comment = integer(obj, "id", "object.id", required=True)
        text = string(obj, "text", "object.text")
        if _own(account, from_id):
            raise Ignored(_("The community's own reply."))
        if not text:
            raise Ignored(_("A comment without text."))
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
    raise Ignored(_("Event type %(kind)r holds no appeal.") % {"kind": kind})
