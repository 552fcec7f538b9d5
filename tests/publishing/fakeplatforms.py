"""A local HTTP server (threads, real sockets) that speaks the platforms' publishing APIs as their
documentation describes them, with their error formats and codes:

- VK API (dev.vk.com): ``POST /method/<method>`` with a form (``access_token``, ``v``, the method's
  parameters); ``{"response": …}`` or ``{"error": {"error_code", "error_msg"}}``. ``guid`` and
  ``random_id`` deduplicate: a repeated one returns the earlier comment's or message's id.
- Telegram Bot API: ``POST /bot<token>/sendMessage`` with JSON; ``{"ok": true, "result": Message}``
  or ``{"ok": false, "error_code", "description", "parameters": {"retry_after"}}`` with that HTTP status.
- OK group bot API: ``POST /graph/me/messages/<chat_id>?access_token=…`` with JSON
  ``{"recipient": {"chat_id"}, "message": {"text"}}``; ``{"success": true, "message_id"}`` or
  ``{"error_code", "error_msg"}``.
- Meta Graph API: ``POST /<comment-id>/comments`` (Facebook) and ``/<ig-comment-id>/replies``
  (Instagram) with ``message``; ``POST /me/messages`` with JSON; ``{"id"}`` / ``{"recipient_id",
  "message_id"}`` or ``{"error": {"message", "type", "code", "fbtrace_id"}}`` with HTTP 400.

A test scripts faults with ``fail(platform, times, ...)``: an error answer, ``"drop_after"`` (the
reply is published, then the connection is closed without an answer: an unknown outcome) or
``"drop_before"`` (closed before anything is published) or ``"slow"`` (published, answered after
``delay`` seconds) or ``"status"`` (a bare HTTP ``status`` with no JSON body and the ``headers``
given, e.g. a proxy's 502 or 429 with ``Retry-After``; with ``publish=True`` the reply is published
first, as a platform that fails after doing the work). ``published`` lists what appeared, with
each request's arrival time and the token used.
"""

import contextlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VK_TOKEN_REVOKED = "revoked-token"


@dataclass
class Fault:
    platform: str
    times: int
    kind: str  # "error", "drop_after", "drop_before", "slow"
    code: int = 0
    message: str = ""
    retry_after: int | None = None
    status: int = 200
    delay: float = 0
    headers: dict = field(default_factory=dict)
    publish: bool = False


@dataclass
class Post:
    platform: str
    place: str
    target: str
    text: str
    token: str
    at: float
    ident: str


@dataclass
class State:
    published: list = field(default_factory=list)
    requests: list = field(default_factory=list)  # (platform, token, arrival time)
    faults: list = field(default_factory=list)
    keys: dict = field(default_factory=dict)  # (platform, guid/random_id) -> ident
    deleted: set = field(default_factory=set)  # targets that no longer exist
    users: dict = field(default_factory=dict)  # VK user id -> (first, last)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 1000


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State

    def log_message(self, *args):
        pass

    def _answer(self, payload: dict, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _bare(self, status: int, headers: dict) -> None:
        body = b"<html><body>Server error</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(2)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw or b"{}")
        else:
            body = dict(urllib.parse.parse_qsl(raw.decode()))
        path = url.path
        if path.startswith("/method/"):
            platform = "vk"
        elif path.startswith("/bot"):
            platform = "telegram"
        elif path.startswith("/graph/"):
            platform = "ok"
        else:
            platform = "meta"
        token = body.get("access_token") or query.get("access_token") or path.split("/")[1].removeprefix("bot")
        with self.state.lock:
            self.state.requests.append((platform, token, time.time()))
            fault = next((f for f in self.state.faults if f.platform == platform and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
        if fault is not None and fault.kind == "drop_before":
            return self._drop()
        if fault is not None and fault.kind == "error":
            return self._error(platform, fault)
        if fault is not None and fault.kind == "status":
            if fault.publish:
                getattr(self, f"_{platform}")(path, body, token)
            return self._bare(fault.status, fault.headers)
        answer, status = getattr(self, f"_{platform}")(path, body, token)
        if fault is not None and fault.kind == "drop_after":
            return self._drop()
        if fault is not None and fault.kind == "slow":  # published, and the answer comes late
            time.sleep(fault.delay)
        self._answer(answer, status)

    def _error(self, platform: str, fault: Fault):
        if platform == "vk":
            return self._answer({"error": {"error_code": fault.code, "error_msg": fault.message}})
        if platform == "telegram":
            payload = {"ok": False, "error_code": fault.code, "description": fault.message}
            if fault.retry_after is not None:
                payload["parameters"] = {"retry_after": fault.retry_after}
            return self._answer(payload, fault.code if fault.code >= 400 else 400)
        if platform == "ok":
            return self._answer({"error_code": fault.code, "error_msg": fault.message, "error_data": None})
        return self._answer(
            {"error": {"message": fault.message, "type": "OAuthException", "code": fault.code, "fbtrace_id": "AbC"}},
            fault.status if fault.status != 200 else 400,
        )

    def _publish(self, platform: str, place: str, target: str, text: str, token: str, key=None) -> str:
        with self.state.lock:
            if key is not None and (platform, key) in self.state.keys:
                return self.state.keys[(platform, key)]
            self.state.counter += 1
            ident = str(self.state.counter)
            self.state.published.append(Post(platform, place, target, text, token, time.time(), ident))
            if key is not None:
                self.state.keys[(platform, key)] = ident
            return ident

    def _vk(self, path, body, token):
        method = path.removeprefix("/method/")
        if token == VK_TOKEN_REVOKED:
            return {
                "error": {"error_code": 5, "error_msg": "User authorization failed: invalid access_token (4)."}
            }, 200
        if method == "users.get":
            users = [
                {"id": int(uid), "first_name": first, "last_name": last}
                for uid in body.get("user_ids", "").split(",")
                if uid and (first_last := self.state.users.get(int(uid)))
                for first, last in [first_last]
            ]
            return {"response": users}, 200
        if method == "messages.send":
            target = body["peer_id"]
            if target in self.state.deleted:
                return {
                    "error": {"error_code": 901, "error_msg": "Can't send messages for users without permission"}
                }, 200
            return {
                "response": int(self._publish("vk", "message", target, body["message"], token, body["random_id"]))
            }, 200
        places = {
            "wall.createComment": ("wall", "post_id"),
            "photos.createComment": ("photo", "photo_id"),
            "video.createComment": ("video", "video_id"),
            "market.createComment": ("market", "item_id"),
            "board.createComment": ("board", "topic_id"),
        }
        if method not in places:
            return {"error": {"error_code": 3, "error_msg": "Unknown method passed"}}, 200
        place, key = places[method]
        owner = body.get("owner_id") or f"-{body.get('group_id')}"
        target = f"{place}{owner}_{body[key]}"
        if target in self.state.deleted:
            return {"error": {"error_code": 213, "error_msg": "Access to the comments is denied"}}, 200
        if place != "board" and body.get("reply_to_comment"):
            target += f"?reply={body['reply_to_comment']}"
        ident = self._publish("vk", place, target, body["message"], token, body.get("guid"))
        if place == "wall":
            return {"response": {"comment_id": int(ident), "parents_stack": []}}, 200
        return {"response": int(ident)}, 200

    def _telegram(self, path, body, token):
        chat, reply = body["chat_id"], body.get("reply_parameters") or {}
        deleted = f"{chat}:{reply.get('message_id')}" in self.state.deleted
        if deleted and reply.get("allow_sending_without_reply") is not True:
            return {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message to be replied not found",
            }, 400
        ident = self._publish("telegram", "chat", f"{chat}:{reply.get('message_id')}", body["text"], token)
        chat_info = {"id": chat, "type": "supergroup" if int(chat) < 0 else "private"}
        if int(chat) < 0:
            chat_info["username"] = "glava19_chat"
        return {"ok": True, "result": {"message_id": int(ident), "date": int(time.time()), "chat": chat_info}}, 200

    def _ok(self, path, body, token):
        chat = urllib.parse.unquote(path.removeprefix("/graph/me/messages/"))
        if chat in self.state.deleted:
            return {"error_code": 300, "error_msg": "NOT_FOUND : chat not found", "error_data": None}, 200
        ident = self._publish("ok", "message", chat, body["message"]["text"], token)
        return {"success": True, "message_id": f"mid:{ident}"}, 200

    def _meta(self, path, body, token):
        parts = path.strip("/").split("/")
        if parts[-2:] == ["me", "messages"]:
            recipient = body["recipient"]["id"]
            ident = self._publish("meta", "message", recipient, body["message"]["text"], token)
            return {"recipient_id": recipient, "message_id": f"m_{ident}"}, 200
        comment, edge = parts[-2], parts[-1]
        if comment in self.state.deleted:
            return {
                "error": {
                    "message": "Unsupported post request. Object does not exist",
                    "type": "GraphMethodException",
                    "code": 100,
                    "error_subcode": 33,
                    "fbtrace_id": "Xyz",
                }
            }, 400
        ident = self._publish("meta", edge, comment, body["message"], token)
        return {"id": f"{comment}_{ident}"}, 200


class FakePlatforms:
    """The server: ``url`` is its base; ``vk_url``, ``meta_url`` … what the settings take."""

    def __init__(self):
        self.state = State()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self) -> dict:
        return {
            "GOVFEEDBACK_VK_API_URL": f"{self.url}/method",
            "GOVFEEDBACK_TELEGRAM_API_URL": self.url,
            "GOVFEEDBACK_OK_API_URL": self.url,
            "GOVFEEDBACK_META_API_URL": self.url,
        }

    @property
    def published(self) -> list[Post]:
        with self.state.lock:
            return list(self.state.published)

    def requests(self, platform: str) -> list:
        with self.state.lock:
            return [request for request in self.state.requests if request[0] == platform]

    def fail(self, platform: str, times: int = 1, kind: str = "error", **fields) -> None:
        with self.state.lock:
            self.state.faults.append(Fault(platform, times, kind, **fields))

    def delete(self, target: str) -> None:
        with self.state.lock:
            self.state.deleted.add(target)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
