"""The platforms' APIs for publishing an answer where the citizen wrote, and what each can answer.

Where a reply goes is read from what the intake stored about the appeal (``reply_target``): its
account, its platform message id and thread (``appeals/intake/``). A call's failure is classified:

- ``Temporary``: rate limit, flood control, a 503 or a 429, a connection refused — tried again
  later (not before the platform's ``retry_after`` / ``Retry-After`` when it says one); any other
  5xx too, on a platform that takes an idempotency key;
- ``Permanent``: cannot succeed by trying again (the post deleted, comments closed, the user does
  not accept messages from the community, a revoked token) — given up at once, with the
  platform's reason in the interface language;
- ``Unknown``: the request went out and no clear answer came back (a timeout, a connection cut, a
  5xx other than 503, Meta's codes 1 and 2): VK is asked again with the same ``guid`` /
  ``random_id`` (so it publishes once); elsewhere the outcome is shown to a person, never
  repeated blindly.

What each platform is (its client, its documented limits, its length limit and how it counts it,
whether it takes an idempotency key) is one entry of ``REGISTRY``. A token is never put into a
reason or a log: a reason is built from fixed texts and the platform's own code and message, and
``publish`` scrubs the token from any reason as the last line of defence.
"""

import hashlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

import re2
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ministries.models import SocialAccount

from ..intake import safe_url
from ..outbox import PermanentFailure
from ..outbox import Temporary as OutboxTemporary

P = SocialAccount.Platform


class Temporary(OutboxTemporary):
    """Try again later (``retry_after`` seconds, when the platform said)."""


class Permanent(PermanentFailure):
    """Cannot succeed by trying again; the message is the reason a person reads."""


class Unknown(Exception):
    """The request went out and its outcome is not known (the sender decides: the same key again,
    or a person looks)."""


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


@dataclass(frozen=True)
class Send:
    """One answer to send: the text, the account's token, and what makes a retry the same request
    (the publication's number and idempotency key)."""

    text: str
    token: str
    number: int
    key: UUID


# --- what each platform is ------------------------------------------------------------------------

UTF16, CODE_POINTS = "utf16", "code_points"


@dataclass(frozen=True)
class Limit:
    """At most ``calls`` in ``seconds``, counted per ``scope``: "token" (every call made with the
    account's token, whichever account holds it), "chat" (calls into one conversation) or "group"
    (calls into one group chat); ``source``: where the figure comes from."""

    scope: str
    calls: int
    seconds: int
    source: str


@dataclass(frozen=True)
class Platform:
    """What the system knows of one platform: its client (None: answered by hand), its limits, the
    longest answer per place ("" for the rest) and the unit it counts it in, and whether its API
    takes an idempotency key (a send with an unknown outcome is then repeated with it)."""

    client: Callable | None = None
    limits: tuple[Limit, ...] = ()
    lengths: dict = field(default_factory=lambda: {"": 4096})
    unit: str = CODE_POINTS
    idempotent: bool = False

    @property
    def publishable(self) -> bool:
        return self.client is not None

    def length(self, place: str = "") -> int:
        return self.lengths.get(place) or self.lengths[""]


def platform(name: str) -> Platform:
    """The registry's entry for ``name`` (a platform no API answers for: nothing publishable)."""
    return REGISTRY.get(name, MANUAL)


def length_limit(what, place: str = "") -> int:
    """The longest answer for ``what``: an appeal (its platform and place), a ``Target``, or a
    platform's name (its comments' limit, or ``place``'s)."""
    from ..models import Appeal

    if isinstance(what, Appeal):
        target = reply_target(what)
        if target is None:
            return platform(what.account.platform if what.account else "").length()
        what = target
    if isinstance(what, Target):
        what, place = what.platform, what.place
    return platform(what).length(place)


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
    if platform == P.VK:
        group = str(account.external_id).lstrip("-")
        if match := VK_COMMENT.match(external_id):
            kind, owner, item, comment = match.groups()
            owner, item, comment = int(owner), int(item), int(comment)
            if kind == "board_post":
                return Target(P.VK, "board", {"group_id": -owner, "topic_id": item, "from_group": 1})
            place, key = {
                "wall_reply": ("wall", "post_id"),
                "photo_comment": ("photo", "photo_id"),
                "video_comment": ("video", "video_id"),
                "market_comment": ("market", "item_id"),
            }[kind]
            params = {"owner_id": owner, key: item, "from_group": group, "reply_to_comment": comment}
            return Target(P.VK, place, params)
        if match := VK_POST.match(external_id):
            owner, post = match.groups()
            return Target(P.VK, "wall", {"owner_id": int(owner), "post_id": int(post), "from_group": group})
        if match := VK_MESSAGE.match(external_id):
            peer = match.group(2)
            return Target(P.VK, "message", {"peer_id": int(peer)}, chat=peer)
        return None
    if platform == P.TELEGRAM:
        if match := TELEGRAM_MESSAGE.match(external_id):
            chat, message = match.groups()
            return Target(P.TELEGRAM, "chat", {"chat_id": int(chat), "message_id": int(message)}, chat=chat)
        return None
    if platform == P.OK:
        if external_id.startswith("message") and appeal.thread_id.startswith("chat:"):
            return Target(P.OK, "message", {"chat_id": appeal.thread_id}, chat=appeal.thread_id)
        return None
    if platform in (P.FACEBOOK, P.INSTAGRAM):
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
    from ministries import tokens

    account = appeal.account
    if account is None:
        return _("The appeal was entered by hand: publish the answer where it was written and paste the link.")
    if account.platform == P.TWITTER:
        return _("Twitter gives no access to publish replies through its API: publish by hand and paste the link.")
    if not platform(account.platform).publishable:
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
    if not tokens.readable(account.access_token):
        return _(
            "The access token of the account “%(account)s” cannot be read with the server's keys "
            "(GOVFEEDBACK_TOKEN_KEYS): the administrator sets the keys, or the press service the token again."
        ) % {"account": account}
    if reply_target(appeal) is None:
        return _("%(platform)s gives no way to reply to this place through its API: publish by hand.") % {
            "platform": account.get_platform_display()
        }
    return None


# --- the calls --------------------------------------------------------------------------------


def _http(url: str, *, idempotent: bool, form: dict | None = None, body: dict | None = None) -> tuple[int, dict]:
    """POST ``form`` (urlencoded) or ``body`` (JSON); the status and the JSON answer.

    A request that could not be sent (connection refused, no route) is ``Temporary``; one sent
    whose answer never came (a timeout, a connection cut) is ``Unknown``; a URL that cannot be
    requested at all (a token with characters no URL takes) is ``Permanent``. A 503, or a 429
    without a body the platform's client reads, is ``Temporary``; any other 5xx is ``Temporary``
    only where the platform takes an idempotency key, else ``Unknown`` (the platform may have
    published before failing). No exception's text goes into a reason: it may hold the URL, and
    the URL may hold a token."""
    if body is not None:
        data, kind = json.dumps(body).encode(), "application/json"
    else:
        data, kind = urllib.parse.urlencode(form or {}).encode(), "application/x-www-form-urlencoded"
    try:
        request = urllib.request.Request(url, data=data, headers={"Content-Type": kind}, method="POST")
        with urllib.request.urlopen(request, timeout=settings.GOVFEEDBACK_PUBLISH_TIMEOUT) as response:
            status, raw, headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), error.headers
    except urllib.error.URLError as error:
        # urllib wraps what fails while connecting and sending: the platform got no whole request.
        raise Temporary(
            _("The platform cannot be reached (%(error)s).") % {"error": type(error.reason).__name__}
        ) from None
    except (http.client.InvalidURL, ValueError):
        # Refused before anything was sent (http.client.InvalidURL is a ValueError): its text holds the URL.
        raise Permanent(bad_url_reason()) from None
    except (OSError, http.client.HTTPException) as error:
        # Sent, and the answer never came (a timeout, the connection cut): the outcome is unknown.
        raise Unknown(type(error).__name__) from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    retry_after = _retry_after(headers.get("Retry-After") if headers is not None else None)
    if status == 429 and not answer:
        raise Temporary(_("The platform asked to wait (HTTP 429)."), retry_after=retry_after)
    if status == 503 or (status >= 500 and idempotent):
        raise Temporary(
            _("The platform answered with a server error (%(status)s).") % {"status": status}, retry_after=retry_after
        )
    if status >= 500:
        raise Unknown(_("the platform answered with a server error (%(status)s)") % {"status": status})
    return status, answer


def bad_url_reason() -> str:
    return _(
        "The request to the platform could not be made: the account's access token has characters it does not "
        "take. Set the token again in the account's settings."
    )


def _retry_after(value) -> float | None:
    try:
        return max(float(value), 0.0) or None
    except (TypeError, ValueError):
        return None


def _token_in_path(token: str) -> str:
    """The token as a URL path takes it: never a character that could end or bend the path."""
    return urllib.parse.quote(token, safe=":")


def scrub(text: str, token: str) -> str:
    """``text`` without ``token`` (nor its URL forms) in it."""
    for form in {
        token,
        urllib.parse.quote(token, safe=""),
        urllib.parse.quote(token, safe=":"),
        urllib.parse.quote_plus(token),
    }:
        if form and len(form) >= 4:
            text = text.replace(form, "***")
    return text


def _reason(reason: str | None, fallback: str, detail: str) -> str:
    """The reason a person reads: the fixed text (translated now), then the platform's own code
    and message."""
    text = _(reason) if reason else _(fallback)
    return _("%(reason)s (%(detail)s)") % {"reason": text, "detail": detail[:300]}


# VK: https://dev.vk.com/ru/reference/errors
VK_TEMPORARY = {1, 6, 9, 10, 29}
VK_REASONS = {
    5: gettext_noop("The community's access token is not valid (revoked or expired): set a new one."),
    7: gettext_noop(
        "The community's token has no right to do this: give it the rights to the wall, photos and messages."
    ),
    15: gettext_noop("VK denied access to this place."),
    18: gettext_noop("The author's page is deleted or blocked."),
    27: gettext_noop("The community's access token is not valid: set a new one."),
    30: gettext_noop("The author's profile is private."),
    100: gettext_noop("VK refused the request's parameters (the post or comment may no longer exist)."),
    203: gettext_noop("VK denied access to the community."),
    210: gettext_noop("VK denied access to the post."),
    211: gettext_noop("VK denied access to the comment."),
    212: gettext_noop("Comments on this post are closed or the post is deleted."),
    213: gettext_noop("There is no access to the post's comments (closed or deleted)."),
    222: gettext_noop("VK forbids links in this comment."),
    223: gettext_noop("The thread has too many replies."),
    901: gettext_noop("The citizen does not accept messages from the community."),
    902: gettext_noop("The citizen's privacy settings do not allow messages from the community."),
    917: gettext_noop("The community has no access to this conversation."),
    945: gettext_noop("The conversation is switched off."),
}


def vk_reason(code: int, message: str) -> str:
    return _reason(
        VK_REASONS.get(code),
        gettext_noop("VK refused the answer."),
        _("VK error %(code)s: %(message)s") % {"code": code, "message": message[:200]},
    )


def vk_guid(key: UUID) -> str:
    return key.hex


RANDOM_ID_SPAN = 2**31 - 1


def vk_random_id(number: int) -> int:
    """``messages.send``'s ``random_id`` (a positive int32) for the publication numbered ``number``:
    the number itself, so two publications never share one (a value derived from a random key
    would: about 2 % of 10,000 share one in 31 bits) and every retry of one sends the same. Past
    2**31 - 1 publications it wraps around: VK keeps a ``random_id`` for far less time than that
    many answers take to publish."""
    return (number - 1) % RANDOM_ID_SPAN + 1


def _vk_call(method: str, params: dict, token: str):
    form = {**params, "access_token": token, "v": settings.GOVFEEDBACK_VK_API_VERSION}
    _status, answer = _http(f"{settings.GOVFEEDBACK_VK_API_URL.rstrip('/')}/{method}", form=form, idempotent=True)
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


def _vk(target: Target, send: Send) -> Published:
    params, text, token = target.params, send.text, send.token
    if target.place == "message":
        response = _vk_call(
            "messages.send",
            {"peer_id": params["peer_id"], "random_id": vk_random_id(send.number), "message": text},
            token,
        )
        message_id = response if isinstance(response, int) else (response or [{}])[0].get("message_id", "")
        return Published(str(message_id), "")
    response = _vk_call(VK_METHODS[target.place], {**params, "message": text, "guid": vk_guid(send.key)}, token)
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
    "message to be replied not found": gettext_noop("The citizen's message was deleted."),
    "bot was blocked by the user": gettext_noop("The citizen has blocked the bot."),
    "bot was kicked": gettext_noop("The bot was removed from the chat."),
    "chat not found": gettext_noop("The chat does not exist or the bot is not in it."),
    "not enough rights": gettext_noop("The bot may not write in this chat."),
    "user is deactivated": gettext_noop("The citizen's account is deleted."),
    "unauthorized": gettext_noop("The bot's token is not valid (revoked): set a new one."),
}


def telegram_reason(description: str) -> str:
    lowered = description.lower()
    reason = next((text for key, text in TELEGRAM_REASONS.items() if key in lowered), None)
    return _reason(reason, gettext_noop("Telegram refused the answer."), f"Telegram: {description[:200]}")


def _telegram(target: Target, send: Send) -> Published:
    url = f"{settings.GOVFEEDBACK_TELEGRAM_API_URL.rstrip('/')}/bot{_token_in_path(send.token)}/sendMessage"
    body = {
        "chat_id": target.params["chat_id"],
        "text": send.text,
        # Never "answer" into the void: a deleted message is a failure a person sees.
        "reply_parameters": {"message_id": target.params["message_id"], "allow_sending_without_reply": False},
    }
    status, answer = _http(url, body=body, idempotent=False)
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
    if code == 429 or status == 429:
        parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
        raise Temporary(
            _("Telegram asked to wait (%(message)s).") % {"message": description[:200]},
            retry_after=_retry_after(parameters.get("retry_after")),
        )
    if code in (400, 401, 403, 404):
        raise Permanent(telegram_reason(description or str(code)))
    raise Unknown(_("Telegram answered %(status)s without a result.") % {"status": status})


# OK: https://apiok.ru/dev/graph_api/bot_api (POST /graph/me/messages/<chat_id>; errors error_code, error_msg)
OK_TEMPORARY = {8, 11}  # flood control, a limit reached
OK_UNKNOWN = {1, 2}  # UNKNOWN, SERVICE: it may have been sent, and OK takes no idempotency key
OK_REASONS = {
    10: gettext_noop("OK denied the group's bot this action."),
    100: gettext_noop("OK refused the request's parameters (the chat may no longer exist)."),
    102: gettext_noop("The group's access token has expired: set a new one."),
    103: gettext_noop("The group's access token is not valid (revoked): set a new one."),
    300: gettext_noop("The chat was not found."),
}


def _ok(target: Target, send: Send) -> Published:
    chat = target.params["chat_id"]
    query = urllib.parse.urlencode({"access_token": send.token})
    url = f"{settings.GOVFEEDBACK_OK_API_URL.rstrip('/')}/graph/me/messages/{urllib.parse.quote(chat)}?{query}"
    status, answer = _http(url, body={"recipient": {"chat_id": chat}, "message": {"text": send.text}}, idempotent=False)
    if answer.get("error_code") is not None:
        code, message = answer.get("error_code"), str(answer.get("error_msg", ""))
        detail = _("OK error %(code)s: %(message)s") % {"code": code, "message": message[:200]}
        if code in OK_TEMPORARY or status == 429:
            raise Temporary(_("OK asked to wait (%(detail)s).") % {"detail": detail})
        if code in OK_UNKNOWN:
            raise Unknown(detail)
        raise Permanent(_reason(OK_REASONS.get(code), gettext_noop("OK refused the answer."), detail))
    if answer.get("success") is not True:
        raise Unknown(_("OK gave no confirmation."))
    return Published(str(answer.get("message_id", "")), "")


# Meta Graph API: https://developers.facebook.com/docs/graph-api/guides/error-handling
META_TEMPORARY = {4, 17, 32, 341, 613, 80001, 80002, 80004, 80005, 80006}  # rate limits
META_UNKNOWN = {1, 2}  # API Unknown, API Service: it may have been published, and Meta takes no key
META_REASONS = {
    10: gettext_noop("The page may not do this (for messages: the 24-hour window to answer has passed)."),
    100: gettext_noop("The comment or the conversation no longer exists."),
    190: gettext_noop("The page's access token is not valid (revoked or expired): set a new one."),
    200: gettext_noop("The page's token has no permission to do this."),
    551: gettext_noop("The citizen is not available for messages."),
}


def _meta(target: Target, send: Send) -> Published:
    base = settings.GOVFEEDBACK_META_API_URL.rstrip("/")
    query = urllib.parse.urlencode({"access_token": send.token})
    if target.place == "comment":
        edge = "replies" if target.platform == P.INSTAGRAM else "comments"
        url = f"{base}/{urllib.parse.quote(target.params['comment_id'])}/{edge}?{query}"
        status, answer = _http(url, form={"message": send.text}, idempotent=False)
    else:
        url = f"{base}/me/messages?{query}"
        body = {
            "recipient": {"id": target.params["recipient"]},
            "message": {"text": send.text},
            "messaging_type": "RESPONSE",
        }
        status, answer = _http(url, body=body, idempotent=False)
    error = answer.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), str(error.get("message", ""))
        detail = _("Meta code %(code)s: %(message)s") % {"code": code, "message": message[:200]}
        if code in META_UNKNOWN:
            raise Unknown(detail)
        if code in META_TEMPORARY or error.get("is_transient") is True or status == 429:
            raise Temporary(_("Meta asked to wait (%(detail)s).") % {"detail": detail})
        raise Permanent(_reason(META_REASONS.get(code), gettext_noop("Meta refused the answer."), detail))
    ident = answer.get("id") or answer.get("message_id")
    if not ident:
        raise Unknown(_("Meta gave no id of the reply."))
    url = f"https://www.facebook.com/{ident}" if target.platform == P.FACEBOOK and target.place == "comment" else ""
    return Published(str(ident), safe_url(url))


def vk_user_names(token: str, user_ids: list[int]) -> dict[int, str]:
    """VK's ``users.get`` for up to 1000 ids: {id: "Имя Фамилия"} for those VK returns."""
    try:
        response = _vk_call("users.get", {"user_ids": ",".join(str(uid) for uid in user_ids[:1000])}, token)
    except (Temporary, Permanent, Unknown) as error:
        raise type(error)(scrub(str(error), token)) from None
    names = {}
    for user in response if isinstance(response, list) else []:
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            name = " ".join(filter(None, [str(user.get("first_name", "")), str(user.get("last_name", ""))])).strip()
            if name:
                names[user["id"]] = name
    return names


# --- the registry -------------------------------------------------------------------------------

MANUAL = Platform()

REGISTRY: dict[str, Platform] = {
    P.VK: Platform(
        client=_vk,
        limits=(
            Limit("token", 20, 1, "dev.vk.com/ru/api/api-requests («Ограничения и рекомендации»): a community token"),
        ),
        # messages.send takes 4096 characters; comments are held to the same.
        lengths={"": 4096},
        unit=CODE_POINTS,
        idempotent=True,  # guid (comments), random_id (messages)
    ),
    P.TELEGRAM: Platform(
        client=_telegram,
        limits=(
            Limit("token", 30, 1, "core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this"),
            Limit("chat", 1, 1, "the same FAQ: about one message a second in one chat"),
            Limit("group", 20, 60, "the same FAQ: 20 messages a minute in one group"),
        ),
        # sendMessage: 1-4096 characters after entities parsing, whose offsets are UTF-16 code units.
        lengths={"": 4096},
        unit=UTF16,
    ),
    P.OK: Platform(
        client=_ok,
        limits=(Limit("token", 5, 1, "our conservative choice: apiok.ru/dev/graph_api/bot_api gives no figure"),),
        lengths={"": 4096},
        unit=CODE_POINTS,
    ),
    P.FACEBOOK: Platform(
        client=_meta,
        limits=(
            Limit("token", 10, 1, "our choice within developers.facebook.com/docs/graph-api/overview/rate-limiting"),
        ),
        lengths={"": 8000, "message": 2000},  # a Page comment; Messenger Send API text
        unit=UTF16,  # Graph API texts are counted as JavaScript counts them
    ),
    P.INSTAGRAM: Platform(
        client=_meta,
        limits=(
            Limit("token", 10, 1, "our choice within developers.facebook.com/docs/graph-api/overview/rate-limiting"),
        ),
        lengths={"": 2200, "message": 1000},  # an Instagram comment; Instagram messaging text
        unit=UTF16,
    ),
    P.TWITTER: MANUAL,  # no API access to publish replies
}


def token_key(token: str) -> str:
    """What the rate limits of a token are counted under: a hash, never the token itself (accounts
    that share a bot share its budget)."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def publish(target: Target, send: Send) -> Published:
    """Publish ``send.text`` at ``target`` with the account's token; the platform's confirmation,
    or ``Temporary`` / ``Permanent`` / ``Unknown`` (whose reason never holds the token)."""
    if not send.token:
        raise Permanent(_("The account has no access token to publish with: set it in the account's settings."))
    try:
        return REGISTRY[target.platform].client(target, send)
    except Temporary as error:
        raise Temporary(scrub(str(error), send.token), retry_after=error.retry_after) from None
    except (Permanent, Unknown) as error:
        raise type(error)(scrub(str(error), send.token)) from None
