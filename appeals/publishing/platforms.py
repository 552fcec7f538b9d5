"""The platforms' APIs for publishing an answer where the citizen wrote, and what each can answer.

Where a reply goes is read from what the intake stored about the appeal (``reply_target``): its
account, its platform message id and thread (``appeals/intake/``). A call's failure is classified:

- ``Temporary``: rate limit, flood control, a 5xx, a connection refused — tried again later
  (not before the platform's ``retry_after`` when it says one);
- ``Permanent``: cannot succeed by trying again (the post deleted, comments closed, the user does
  not accept messages from the community, a revoked token) — given up at once, with the
  platform's reason in the interface language;
- ``Unknown``: the request went out and no answer came back (a timeout, a connection cut): VK is
  asked again with the same ``guid``/``random_id`` (derived from the publication's idempotency
  key, so it publishes once); elsewhere the outcome is shown to a person, never repeated blindly.

The documented limits each account is held to, whatever number of workers run, are in ``LIMITS``.
"""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from uuid import UUID

import re2
from django.conf import settings
from django.utils.translation import gettext as _

from ..intake import safe_url
from ..outbox import PermanentFailure
from ..outbox import Temporary as OutboxTemporary

VK, OK, TELEGRAM, FACEBOOK, INSTAGRAM, TWITTER = "vk", "ok", "telegram", "facebook", "instagram", "twitter"


class Temporary(OutboxTemporary):
    """Try again later (``retry_after`` seconds, when the platform said)."""


class Permanent(PermanentFailure):
    """Cannot succeed by trying again; the message is the reason a person reads."""


class Unknown(Exception):
    """The request went out and its outcome is not known."""


@dataclass(frozen=True)
class Target:
    """Where a reply goes: the platform, the kind of place and the API's parameters for it."""

    platform: str
    place: str  # "wall", "photo", "video", "market", "board", "message", "chat", "comment"
    params: dict = field(default_factory=dict)
    chat: str = ""  # the conversation the platform's per-chat limits count (Telegram)


@dataclass(frozen=True)
class Published:
    """The platform's confirmation: its id of the reply and a link to it (empty if it has none)."""

    external_id: str
    url: str = ""


# --- limits -----------------------------------------------------------------------------------
# (scope, calls, seconds): "account" counts every call of the account's token; "chat" every call
# into one conversation. Sources:
# - VK: a community token, 20 requests a second (dev.vk.com/ru/api/api-requests, «Ограничения и
#   рекомендации»); error 6/9/29 when exceeded.
# - Telegram: about 30 messages a second per bot, 1 a second in one chat, 20 a minute in a group
#   (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this); 429 with
#   parameters.retry_after when exceeded.
# - OK: apiok.ru documents no figure for the group bot; 5 a second is our conservative choice, and
#   its errors 8/11 (flood, limit reached) are temporary.
# - Facebook and Instagram: Graph API's Business Use Case limits are computed per page from its
#   audience (developers.facebook.com/docs/graph-api/overview/rate-limiting); 10 a second is our
#   conservative choice, and codes 4/17/32/613 (and 80001-80006) are temporary.
LIMITS = {
    VK: [("account", 20, 1)],
    TELEGRAM: [("account", 30, 1), ("chat", 1, 1), ("group", 20, 60)],
    OK: [("account", 5, 1)],
    FACEBOOK: [("account", 10, 1)],
    INSTAGRAM: [("account", 10, 1)],
}

# The longest text each place takes, counted as the platform counts it (appeals/answers.py measure:
# UTF-16 code units for Telegram, Facebook, Instagram; characters for VK, OK).
LENGTH_LIMITS = {
    (VK, ""): 4096,  # messages.send; comments are held to the same
    (TELEGRAM, ""): 4096,  # sendMessage: 1-4096 characters after entities parsing
    (OK, ""): 4096,
    (FACEBOOK, ""): 8000,  # a Page comment
    (FACEBOOK, "message"): 2000,  # Messenger Send API text
    (INSTAGRAM, ""): 2200,  # an Instagram comment
    (INSTAGRAM, "message"): 1000,  # Instagram messaging text
}

# Platforms whose API takes an idempotency key: a send with an unknown outcome is repeated with it.
IDEMPOTENT = {VK}


def length_limit(what, place: str = "") -> int:
    """The longest answer for ``what``: an appeal (its platform and place), a ``Target``, or a
    platform's name (its comments' limit, or ``place``'s)."""
    from ..models import Appeal

    if isinstance(what, Appeal):
        target = reply_target(what)
        if target is None:
            return LENGTH_LIMITS.get((what.account.platform if what.account else "", ""), 4096)
        what = target
    if isinstance(what, Target):
        what, place = what.platform, what.place
    return LENGTH_LIMITS.get((what, place)) or LENGTH_LIMITS.get((what, ""), 4096)


# --- where a reply goes -----------------------------------------------------------------------

# The intake's ids (appeals/intake/vk.py): "wall-1_2", "wall_reply-1_2_3", "message5_2000000001", …
VK_COMMENT = re2.compile(r"^(wall_reply|photo_comment|video_comment|market_comment|board_post)(-?\d+)_(\d+)_(\d+)$")
VK_POST = re2.compile(r"^wall(-?\d+)_(\d+)$")
VK_MESSAGE = re2.compile(r"^message(\d+)_(-?\d+)$")
TELEGRAM_MESSAGE = re2.compile(r"^(-?\d+):(\d+)$")
META_ID = re2.compile(r"^(comment|message)([A-Za-z0-9_.:-]+)$")


def reply_target(appeal) -> Target | None:
    """Where an answer to ``appeal`` goes on its platform, or None when it cannot be told."""
    account, external_id = appeal.account, appeal.external_id
    if account is None or not external_id:
        return None
    platform = account.platform
    if platform == VK:
        group = str(account.external_id).lstrip("-")
        if match := VK_COMMENT.match(external_id):
            kind, owner, item, comment = match.groups()
            owner, item, comment = int(owner), int(item), int(comment)
            if kind == "board_post":
                return Target(VK, "board", {"group_id": -owner, "topic_id": item, "from_group": 1})
            place, key = {
                "wall_reply": ("wall", "post_id"),
                "photo_comment": ("photo", "photo_id"),
                "video_comment": ("video", "video_id"),
                "market_comment": ("market", "item_id"),
            }[kind]
            params = {"owner_id": owner, key: item, "from_group": group, "reply_to_comment": comment}
            return Target(VK, place, params)
        if match := VK_POST.match(external_id):
            owner, post = match.groups()
            return Target(VK, "wall", {"owner_id": int(owner), "post_id": int(post), "from_group": group})
        if match := VK_MESSAGE.match(external_id):
            peer = match.group(2)
            return Target(VK, "message", {"peer_id": int(peer)}, chat=peer)
        return None
    if platform == TELEGRAM:
        if match := TELEGRAM_MESSAGE.match(external_id):
            chat, message = match.groups()
            return Target(TELEGRAM, "chat", {"chat_id": int(chat), "message_id": int(message)}, chat=chat)
        return None
    if platform == OK:
        if external_id.startswith("message") and appeal.thread_id.startswith("chat:"):
            return Target(OK, "message", {"chat_id": appeal.thread_id}, chat=appeal.thread_id)
        return None
    if platform in (FACEBOOK, INSTAGRAM):
        if match := META_ID.match(external_id):
            kind, ident = match.groups()
            if kind == "comment":
                return Target(platform, "comment", {"comment_id": ident})
            recipient = appeal.author_external_id or appeal.thread_id.removeprefix("dialog")
            if recipient:
                return Target(platform, "message", {"recipient": recipient}, chat=recipient)
        return None
    return None


def unanswerable_reason(appeal) -> str | None:
    """Why an answer to ``appeal`` cannot be published through the platform's API (the form shows
    it, and the answer is then published by hand with its link pasted), or None when it can."""
    account = appeal.account
    if account is None:
        return _("The appeal was entered by hand: publish the answer where it was written and paste the link.")
    if account.platform == TWITTER:
        return _("Twitter gives no access to publish replies through its API: publish by hand and paste the link.")
    if account.platform not in LIMITS:
        return _("Answers cannot be published on %(platform)s through its API.") % {
            "platform": account.get_platform_display()
        }
    if appeal.anonymised_at is not None:
        return _("The author's personal data have been erased: the place to reply to is no longer known.")
    if not account.is_active:
        return _("The account %(account)s is switched off.") % {"account": account}
    if not account.access_token:
        return _(
            "The system cannot publish from the account “%(account)s”: it has no access token (the press service "
            "sets one in the account's settings)."
        ) % {"account": account}
    if reply_target(appeal) is None:
        return _("%(platform)s gives no way to reply to this place through its API: publish by hand.") % {
            "platform": account.get_platform_display()
        }
    return None


# --- the calls --------------------------------------------------------------------------------


def _http(url: str, *, form: dict | None = None, body: dict | None = None) -> tuple[int, dict]:
    """POST ``form`` (urlencoded) or ``body`` (JSON); the status and the JSON answer.

    A request that could not be sent (connection refused, no route) is ``Temporary``; one sent
    whose answer never came (a timeout, a connection cut) is ``Unknown``. The URL is never put
    in an error (it may hold a token)."""
    if body is not None:
        data, kind = json.dumps(body).encode(), "application/json"
    else:
        data, kind = urllib.parse.urlencode(form or {}).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers={"Content-Type": kind}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.GOVFEEDBACK_PUBLISH_TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except urllib.error.URLError as error:
        # urllib wraps what fails while connecting and sending: the platform got no whole request.
        raise Temporary(_("The platform cannot be reached (%(error)s).") % {"error": _plain(error.reason)}) from None
    except (OSError, http.client.HTTPException) as error:
        # Sent, and the answer never came (a timeout, the connection cut): the outcome is unknown.
        raise Unknown(_plain(error)) from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status >= 500:
        raise Temporary(_("The platform answered with a server error (%(status)s).") % {"status": status})
    return status, answer


def _plain(error) -> str:
    return type(error).__name__ + (f": {error}" if str(error) else "")


def _retry_after(value) -> float | None:
    try:
        return max(float(value), 0.0) or None
    except (TypeError, ValueError):
        return None


# VK: https://dev.vk.com/ru/reference/errors
VK_TEMPORARY = {1, 6, 9, 10, 29}
VK_REASONS = {
    5: "The community's access token is not valid (revoked or expired): set a new one.",
    7: "The community's token has no right to do this: give it the rights to the wall, photos and messages.",
    15: "VK denied access to this place.",
    18: "The author's page is deleted or blocked.",
    27: "The community's access token is not valid: set a new one.",
    30: "The author's profile is private.",
    100: "VK refused the request's parameters (the post or comment may no longer exist).",
    203: "VK denied access to the community.",
    210: "VK denied access to the post.",
    211: "VK denied access to the comment.",
    212: "Comments on this post are closed or the post is deleted.",
    213: "There is no access to the post's comments (closed or deleted).",
    222: "VK forbids links in this comment.",
    223: "The thread has too many replies.",
    901: "The citizen does not accept messages from the community.",
    902: "The citizen's privacy settings do not allow messages from the community.",
    917: "The community has no access to this conversation.",
    945: "The conversation is switched off.",
}


def vk_reason(code: int, message: str) -> str:
    reason = VK_REASONS.get(code)
    text = _(reason) if reason else _("VK refused the answer.")
    return _("%(reason)s (VK error %(code)s: %(message)s)") % {"reason": text, "code": code, "message": message[:200]}


def vk_guid(key: UUID) -> str:
    return key.hex


def vk_random_id(key: UUID) -> int:
    """A positive 31-bit number from the idempotency key: the same on every retry."""
    return key.int % 2**31 or 1


def _vk_call(method: str, params: dict, token: str):
    form = {**params, "access_token": token, "v": settings.GOVFEEDBACK_VK_API_VERSION}
    _status, answer = _http(f"{settings.GOVFEEDBACK_VK_API_URL.rstrip('/')}/{method}", form=form)
    error = answer.get("error")
    if isinstance(error, dict):
        code, message = error.get("error_code"), str(error.get("error_msg", ""))
        if code in VK_TEMPORARY:
            raise Temporary(_("VK asked to wait (error %(code)s: %(message)s).") % {"code": code, "message": message})
        raise Permanent(vk_reason(code if isinstance(code, int) else 0, message))
    if "response" not in answer:
        raise Unknown(_("VK gave no response."))
    return answer["response"]


VK_METHODS = {
    "wall": "wall.createComment",
    "photo": "photos.createComment",
    "video": "video.createComment",
    "market": "market.createComment",
    "board": "board.createComment",
}


def _vk(target: Target, text: str, token: str, key: UUID) -> Published:
    params = target.params
    if target.place == "message":
        response = _vk_call(
            "messages.send", {"peer_id": params["peer_id"], "random_id": vk_random_id(key), "message": text}, token
        )
        message_id = response if isinstance(response, int) else (response or [{}])[0].get("message_id", "")
        return Published(str(message_id), "")
    response = _vk_call(VK_METHODS[target.place], {**params, "message": text, "guid": vk_guid(key)}, token)
    comment = response.get("comment_id") if isinstance(response, dict) else response
    if target.place == "wall":
        owner, post = params["owner_id"], params["post_id"]
        return Published(f"wall{owner}_{post}_{comment}", f"https://vk.com/wall{owner}_{post}?reply={comment}")
    if target.place == "board":
        group, topic = params["group_id"], params["topic_id"]
        return Published(f"topic-{group}_{topic}_{comment}", f"https://vk.com/topic-{group}_{topic}?post={comment}")
    owner, item = params["owner_id"], params.get("photo_id") or params.get("video_id") or params.get("item_id")
    return Published(f"{target.place}{owner}_{item}_{comment}", f"https://vk.com/{target.place}{owner}_{item}")


# Telegram: https://core.telegram.org/bots/api#making-requests (ok, error_code, description, parameters)
TELEGRAM_REASONS = {
    "message to be replied not found": "The citizen's message was deleted.",
    "bot was blocked by the user": "The citizen has blocked the bot.",
    "bot was kicked": "The bot was removed from the chat.",
    "chat not found": "The chat does not exist or the bot is not in it.",
    "not enough rights": "The bot may not write in this chat.",
    "user is deactivated": "The citizen's account is deleted.",
    "unauthorized": "The bot's token is not valid (revoked): set a new one.",
}


def telegram_reason(description: str) -> str:
    lowered = description.lower()
    reason = next((text for key, text in TELEGRAM_REASONS.items() if key in lowered), None)
    text = _(reason) if reason else _("Telegram refused the answer.")
    return _("%(reason)s (Telegram: %(message)s)") % {"reason": text, "message": description[:200]}


def _telegram(target: Target, text: str, token: str, key: UUID) -> Published:
    url = f"{settings.GOVFEEDBACK_TELEGRAM_API_URL.rstrip('/')}/bot{token}/sendMessage"
    body = {
        "chat_id": target.params["chat_id"],
        "text": text,
        # Never "answer" into the void: a deleted message is a failure a person sees.
        "reply_parameters": {"message_id": target.params["message_id"], "allow_sending_without_reply": False},
    }
    status, answer = _http(url, body=body)
    if answer.get("ok") is True and isinstance(answer.get("result"), dict):
        result = answer["result"]
        chat = result.get("chat") if isinstance(result.get("chat"), dict) else {}
        message_id = result.get("message_id")
        username = chat.get("username")
        chat_id = chat.get("id", target.params["chat_id"])
        if username:
            url = f"https://t.me/{username}/{message_id}"
        elif isinstance(chat_id, int) and chat_id < -1000000000000:
            url = f"https://t.me/c/{-chat_id - 1000000000000}/{message_id}"
        else:
            url = ""
        return Published(f"{chat_id}:{message_id}", safe_url(url))
    code, description = answer.get("error_code", status), str(answer.get("description", ""))
    if code == 429:
        parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
        raise Temporary(
            _("Telegram asked to wait (%(message)s).") % {"message": description},
            retry_after=_retry_after(parameters.get("retry_after")),
        )
    if code in (400, 401, 403, 404):
        raise Permanent(telegram_reason(description or str(code)))
    raise Unknown(_("Telegram answered %(status)s without a result.") % {"status": status})


# OK: https://apiok.ru/dev/graph_api/bot_api (POST /graph/me/messages/<chat_id>; errors error_code, error_msg)
OK_TEMPORARY = {1, 2, 8, 11}
OK_REASONS = {
    10: "OK denied the group's bot this action.",
    100: "OK refused the request's parameters (the chat may no longer exist).",
    102: "The group's access token has expired: set a new one.",
    103: "The group's access token is not valid (revoked): set a new one.",
    300: "The chat was not found.",
}


def _ok(target: Target, text: str, token: str, key: UUID) -> Published:
    chat = target.params["chat_id"]
    query = urllib.parse.urlencode({"access_token": token})
    url = f"{settings.GOVFEEDBACK_OK_API_URL.rstrip('/')}/graph/me/messages/{urllib.parse.quote(chat)}?{query}"
    _status, answer = _http(url, body={"recipient": {"chat_id": chat}, "message": {"text": text}})
    if answer.get("error_code") is not None:
        code, message = answer.get("error_code"), str(answer.get("error_msg", ""))
        if code in OK_TEMPORARY:
            raise Temporary(_("OK asked to wait (error %(code)s: %(message)s).") % {"code": code, "message": message})
        reason = OK_REASONS.get(code)
        text = _(reason) if reason else _("OK refused the answer.")
        raise Permanent(
            _("%(reason)s (OK error %(code)s: %(message)s)") % {"reason": text, "code": code, "message": message[:200]}
        )
    if answer.get("success") is not True:
        raise Unknown(_("OK gave no confirmation."))
    return Published(str(answer.get("message_id", "")), "")


# Meta Graph API: https://developers.facebook.com/docs/graph-api/guides/error-handling
META_TEMPORARY = {1, 2, 4, 17, 32, 341, 613, 80001, 80002, 80004, 80005, 80006}
META_REASONS = {
    10: "The page may not do this (for messages: the 24-hour window to answer has passed).",
    100: "The comment or the conversation no longer exists.",
    190: "The page's access token is not valid (revoked or expired): set a new one.",
    200: "The page's token has no permission to do this.",
    551: "The citizen is not available for messages.",
}


def _meta(target: Target, text: str, token: str, key: UUID) -> Published:
    base = settings.GOVFEEDBACK_META_API_URL.rstrip("/")
    query = urllib.parse.urlencode({"access_token": token})
    if target.place == "comment":
        edge = "replies" if target.platform == INSTAGRAM else "comments"
        url = f"{base}/{urllib.parse.quote(target.params['comment_id'])}/{edge}?{query}"
        _status, answer = _http(url, form={"message": text})
    else:
        url = f"{base}/me/messages?{query}"
        body = {
            "recipient": {"id": target.params["recipient"]},
            "message": {"text": text},
            "messaging_type": "RESPONSE",
        }
        _status, answer = _http(url, body=body)
    error = answer.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), str(error.get("message", ""))
        if code in META_TEMPORARY or error.get("is_transient") is True:
            raise Temporary(_("Meta asked to wait (code %(code)s: %(message)s).") % {"code": code, "message": message})
        reason = META_REASONS.get(code)
        reason = _(reason) if reason else _("Meta refused the answer.")
        raise Permanent(
            _("%(reason)s (Meta code %(code)s: %(message)s)")
            % {"reason": reason, "code": code, "message": message[:200]}
        )
    ident = answer.get("id") or answer.get("message_id")
    if not ident:
        raise Unknown(_("Meta gave no id of the reply."))
    url = f"https://www.facebook.com/{ident}" if target.platform == FACEBOOK and target.place == "comment" else ""
    return Published(str(ident), safe_url(url))


def vk_user_names(token: str, user_ids: list[int]) -> dict[int, str]:
    """VK's ``users.get`` for up to 1000 ids: {id: "Имя Фамилия"} for those VK returns."""
    response = _vk_call("users.get", {"user_ids": ",".join(str(uid) for uid in user_ids[:1000])}, token)
    names = {}
    for user in response if isinstance(response, list) else []:
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            name = " ".join(filter(None, [str(user.get("first_name", "")), str(user.get("last_name", ""))])).strip()
            if name:
                names[user["id"]] = name
    return names


CLIENTS = {VK: _vk, TELEGRAM: _telegram, OK: _ok, FACEBOOK: _meta, INSTAGRAM: _meta}


def publish(target: Target, text: str, token: str, key: UUID) -> Published:
    """Publish ``text`` at ``target`` with the account's ``token``; the platform's confirmation, or
    ``Temporary`` / ``Permanent`` / ``Unknown``."""
    if not token:
        raise Permanent(_("The account has no access token to publish with: set it in the account's settings."))
    return CLIENTS[target.platform](target, text, token, key)
