"""Meta webhooks: Facebook Page ``feed`` comments and Instagram ``comments`` and messages.

(https://developers.facebook.com/docs/graph-api/webhooks/getting-started). A ``GET`` verifies the
subscription (``hub.mode``, ``hub.verify_token``, echo ``hub.challenge``); every ``POST`` is signed
in ``X-Hub-Signature-256`` with HMAC-SHA256 of the raw body under the app secret. A payload holds
``entry[]``, each with ``changes[]`` (feed, comments) or, for Instagram messaging, ``messaging[]``.
"""

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext as _

from . import (
    Draft,
    Ignored,
    Rejected,
    from_timestamp,
    identifier,
    link_part,
    optional_dict,
    optional_list,
    require_dict,
    same_secret,
    string,
)

ACCOUNT_PLATFORMS = ("facebook", "instagram")
SIGNATURE_HEADER = "X-Hub-Signature-256"


def app_secret(account) -> str:
    return account.webhook_secret or settings.GOVFEEDBACK_META_APP_SECRET


def verify_subscription(account, params) -> str | None:
    """The challenge to echo, or None when the verify token is wrong."""
    if params.get("hub.mode") == "subscribe" and same_secret(params.get("hub.verify_token"), account.confirmation_code):
        return params.get("hub.challenge", "")
    return None


def authenticate(account, payload: dict, headers: dict, body: bytes) -> None:
    secret = app_secret(account)
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() if secret else ""
    if not same_secret(headers.get(SIGNATURE_HEADER), expected):
        raise Rejected(_("Wrong or missing X-Hub-Signature-256."), status=403)


def dedup_key(payload: dict) -> str:
    return ""  # Meta has no delivery id: the comments' own ids deduplicate


def _comment(account, change: dict, instagram: bool) -> Draft | None:
    value = require_dict(change.get("value"), "changes[].value")
    sender = optional_dict(value, "from", "changes[].value.from")
    sender_id = identifier(sender, "id", "changes[].value.from.id")
    if sender_id == str(account.external_id):
        return None  # the page's or account's own reply
    if instagram:
        comment_id, text = identifier(value, "id", "changes[].value.id"), string(value, "text", "changes[].value.text")
        media = optional_dict(value, "media", "changes[].value.media")
        thread, edit = f"media{identifier(media, 'id', 'changes[].value.media.id')}", False
        name = string(sender, "username", "changes[].value.from.username")
        link = f"https://www.instagram.com/{link_part(name)}/" if link_part(name) else ""
        permalink = ""
    else:
        if value.get("item") != "comment" or value.get("verb") not in ("add", "edited"):
            return None
        comment_id = identifier(value, "comment_id", "changes[].value.comment_id")
        text = string(value, "message", "changes[].value.message")
        thread = f"post{identifier(value, 'post_id', 'changes[].value.post_id')}"
        edit = value.get("verb") == "edited"
        name = string(sender, "name", "changes[].value.from.name")
        link = f"https://www.facebook.com/{link_part(sender_id)}" if link_part(sender_id) else ""
        permalink = f"https://www.facebook.com/{link_part(comment_id)}" if link_part(comment_id) else ""
    if not comment_id or not text:
        return None
    return Draft(
        external_id=f"comment{comment_id}",
        text=text,
        thread_id=thread,
        permalink=permalink,
        author_name=name,
        author_external_id=sender_id,
        author_url=link,
        written_at=from_timestamp(value.get("created_time")),
        is_edit=edit,
    )


def _message(account, item: dict) -> Draft | None:
    sender = optional_dict(item, "sender", "messaging[].sender")
    message = optional_dict(item, "message", "messaging[].message")
    sender_id = identifier(sender, "id", "messaging[].sender.id")
    mid, text = (
        identifier(message, "mid", "messaging[].message.mid"),
        string(message, "text", "messaging[].message.text"),
    )
    if sender_id == str(account.external_id) or message.get("is_echo"):
        return None
    if not mid or not text:
        return None
    return Draft(
        external_id=f"message{mid}",
        text=text,
        thread_id=f"dialog{sender_id}",
        author_external_id=sender_id,
        written_at=from_timestamp(item.get("timestamp")),
    )


def parse(account, payload: dict) -> list[Draft]:
    kind = payload.get("object")
    if kind not in ("page", "instagram"):
        raise Ignored(_("Object %(kind)r holds no appeals.") % {"kind": kind})
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise Rejected(_("entry must be a list."))
    drafts = []
    for entry in entries:
        entry = require_dict(entry, "entry[]")
        for change in optional_list(entry, "changes", "entry[].changes"):
            change = require_dict(change, "changes[]")
            if change.get("field") in ("feed", "comments"):
                draft = _comment(account, change, instagram=kind == "instagram")
                if draft:
                    drafts.append(draft)
        for item in optional_list(entry, "messaging", "entry[].messaging"):
            draft = _message(account, require_dict(item, "messaging[]"))
            if draft:
                drafts.append(draft)
    if not drafts:
        raise Ignored(_("No comment or message from a citizen in this delivery."))
    return drafts
