"""Meta webhooks: Facebook Page ``feed`` comments and Instagram ``comments`` and messages.

(https://developers.facebook.com/docs/graph-api/webhooks/getting-started). A ``GET`` verifies the
subscription (``hub.mode``, ``hub.verify_token``, echo ``hub.challenge``); every ``POST`` is signed
in ``X-Hub-Signature-256`` with HMAC-SHA256 of the raw body under the app secret. A payload holds
``entry[]``, each with ``changes[]`` (feed, comments) or, for Instagram messaging, ``messaging[]``.
"""

import hashlib
import hmac

from django.conf import settings

from . import Draft, Ignored, Rejected, from_timestamp, require_dict, same_secret, text_of

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
        raise Rejected("Wrong or missing X-Hub-Signature-256.", status=403)


def dedup_key(payload: dict) -> str:
    return ""  # Meta has no delivery id: the comments' own ids deduplicate


def _comment(account, change: dict, instagram: bool) -> Draft | None:
    value = require_dict(change.get("value"), "changes[].value")
    sender = value.get("from") if isinstance(value.get("from"), dict) else {}
    if str(sender.get("id", "")) == str(account.external_id):
        return None  # the page's or account's own reply
    if instagram:
        comment_id, text = value.get("id"), text_of(value.get("text"))
        media = value.get("media") if isinstance(value.get("media"), dict) else {}
        thread, edit = f"media{media.get('id', '')}", False
        name = text_of(sender.get("username"))
        link = f"https://www.instagram.com/{name}/" if name else ""
    else:
        if value.get("item") != "comment" or value.get("verb") not in ("add", "edited"):
            return None
        comment_id, text = value.get("comment_id"), text_of(value.get("message"))
        thread, edit = f"post{value.get('post_id', '')}", value.get("verb") == "edited"
        name = text_of(sender.get("name"))
        link = f"https://www.facebook.com/{sender['id']}" if sender.get("id") else ""
    if not comment_id or not text:
        return None
    return Draft(
        external_id=f"comment{comment_id}",
        text=text,
        thread_id=thread,
        permalink=f"https://www.facebook.com/{comment_id}" if not instagram else "",
        author_name=name,
        author_external_id=str(sender.get("id", "")),
        author_url=link,
        written_at=from_timestamp(value.get("created_time")),
        is_edit=edit,
    )


def _message(account, item: dict) -> Draft | None:
    sender = item.get("sender") if isinstance(item.get("sender"), dict) else {}
    message = item.get("message") if isinstance(item.get("message"), dict) else {}
    if str(sender.get("id", "")) == str(account.external_id) or message.get("is_echo"):
        return None
    text = text_of(message.get("text"))
    if not message.get("mid") or not text:
        return None
    return Draft(
        external_id=f"message{message['mid']}",
        text=text,
        thread_id=f"dialog{sender.get('id', '')}",
        author_external_id=str(sender.get("id", "")),
        written_at=from_timestamp(item.get("timestamp")),
    )


def parse(account, payload: dict) -> list[Draft]:
    kind = payload.get("object")
    if kind not in ("page", "instagram"):
        raise Ignored(f"Object {kind!r} holds no appeals.")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise Rejected("entry must be a list.")
    drafts = []
    for entry in entries:
        entry = require_dict(entry, "entry[]")
        for change in entry.get("changes") or []:
            change = require_dict(change, "changes[]")
            if change.get("field") in ("feed", "comments"):
                draft = _comment(account, change, instagram=kind == "instagram")
                if draft:
                    drafts.append(draft)
        for item in entry.get("messaging") or []:
            draft = _message(account, require_dict(item, "messaging[]"))
            if draft:
                drafts.append(draft)
    if not drafts:
        raise Ignored("No comment or message from a citizen in this delivery.")
    return drafts
