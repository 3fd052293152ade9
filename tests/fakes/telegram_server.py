"""A fake Telegram Bot API server on 127.0.0.1 that the real python-telegram-bot talks to.

    server = FakeTelegramServer()
    await server.start()                       # random port
    app = ApplicationBuilder().token(server.token).base_url(server.base_url) \
        .base_file_url(server.base_file_url).build()
    group = server.add_chat(-1001, title="AI fans")
    alice = server.add_user(42, "Alice")
    server.push_message(group, alice, "hello")  # an Update waits for getUpdates
    [call] = await server.wait_for_calls("sendMessage")

It keeps the state the bot can observe (chats, members and their rights, messages, files), answers with the
JSON shapes of the real API (tests/fakes/telegram_shapes.py), records every call, and can be told to fail the
next N calls of a method with HTTP 429 (parameters.retry_after) or 500. Used by tests and by bench/.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from tests.fakes import telegram_shapes as shapes
from tests.fakes.telegram_html import HTMLError, check_html

JSON = dict[str, Any]
_INT_PARAMS = {"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "until_date", "cache_time",
               "from_chat_id", "message_thread_id", "reply_to_message_id"}
_BOOL_PARAMS = {"disable_notification", "show_alert", "revoke_messages", "only_if_banned", "drop_pending_updates",
                "use_independent_chat_permissions", "disable_web_page_preview", "protect_content",
                "allow_sending_without_reply"}
_JSON_PARAMS = {"reply_markup", "permissions", "allowed_updates", "commands", "scope", "link_preview_options",
                "reply_parameters", "entities", "caption_entities"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class Call:
    method: str
    params: JSON
    status: int  # HTTP status the fake answered with
    at: float  # time.perf_counter() when the request arrived
    result: Any = None


@dataclass
class Fault:
    status: int
    retry_after: int | None
    description: str


@dataclass
class _Signal:
    """Wakes everyone waiting, e.g. long-polling getUpdates when an update is pushed."""

    waiters: set[asyncio.Future] = field(default_factory=set)

    def notify(self) -> None:
        for fut in self.waiters:
            if not fut.done():
                fut.set_result(None)
        self.waiters.clear()

    async def wait(self, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.add(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            pass
        finally:
            self.waiters.discard(fut)


class FakeTelegramServer:
    def __init__(self, token: str = "123456789:TEST-token_abcdefghijklmnopqrstuvwxyz", *,
                 bot_username: str = "leekguard_test_bot", privacy_mode: bool = True):
        self.token = token
        self.bot_user = shapes.user(int(token.split(":")[0]), "LeekGuard", username=bot_username, is_bot=True)
        self.bot_user.update(can_join_groups=True, can_read_all_group_messages=not privacy_mode,
                             supports_inline_queries=False)
        self.port = 0
        self.calls: list[Call] = []
        self.pushed_at: dict[tuple[int, int], float] = {}  # (chat_id, message_id) -> perf_counter at injection
        self.callback_answers: dict[str, JSON] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope type, language_code) -> commands
        self.chats: dict[int, JSON] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.members: dict[tuple[int, int], JSON] = {}  # (chat_id, user_id) -> ChatMember JSON
        self.users: dict[int, JSON] = {self.bot_user["id"]: self.bot_user}
        self._updates: deque[JSON] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._callback_ids = itertools.count(1)
        self._files: dict[str, tuple[str, bytes]] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._allowed_updates: list[str] = []
        self._new_update = _Signal()
        self._new_call = _Signal()
        self._closing = False
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ----

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> "FakeTelegramServer":
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True
        self._new_update.notify()  # release long polls so shutdown is quick
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegramServer":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- world building ----

    def add_chat(self, chat_id: int, chat_type: str = "supergroup", *, title: str | None = None,
                 username: str | None = None, first_name: str | None = None) -> JSON:
        c = shapes.chat(chat_id, chat_type, title=title, username=username, first_name=first_name)
        self.chats[chat_id] = c
        return c

    def add_user(self, user_id: int, first_name: str, *, username: str | None = None, is_bot: bool = False,
                 language_code: str | None = None) -> JSON:
        u = shapes.user(user_id, first_name, username=username, is_bot=is_bot, language_code=language_code)
        self.users[user_id] = u
        return u

    def private_chat(self, u: JSON) -> JSON:
        return self.add_chat(u["id"], "private", first_name=u["first_name"], username=u.get("username"))

    def set_member(self, chat_id: int, u: JSON, status: str, *, until_date: int | None = None,
                   **rights: bool) -> JSON:
        """status: creator | administrator | member | restricted | left | kicked; rights: can_* flags."""
        self.users.setdefault(u["id"], u)
        cm = shapes.chat_member(u, status, until_date=until_date, rights=rights)
        self.members[(chat_id, u["id"])] = cm
        return cm

    def make_bot_admin(self, chat_id: int, **rights: bool) -> JSON:
        rights = rights or {"can_delete_messages": True, "can_restrict_members": True}
        return self.set_member(chat_id, self.bot_user, "administrator", **rights)

    def member(self, chat_id: int, user_id: int) -> JSON:
        u = self.users.get(user_id) or shapes.user(user_id, f"User{user_id}")
        return self.members.get((chat_id, user_id)) or shapes.chat_member(u, "member")

    def add_file(self, data: bytes, file_path: str | None = None) -> str:
        file_id = f"FILE{len(self._files) + 1}"
        self._files[file_id] = (file_path or f"photos/{file_id.lower()}.jpg", data)
        return file_id

    # ---- update injection ----

    def push_update(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._new_update.notify()
        return update

    def new_message(self, c: JSON, from_user: JSON | None, text: str | None = None, **kw: Any) -> JSON:
        """Build and store a message (not pushed); kw: caption, photo_file_id, reply_to, forward_origin, ..."""
        self.chats.setdefault(c["id"], c)
        if from_user is not None:
            self.users.setdefault(from_user["id"], from_user)
        msg = shapes.message(next(self._message_ids[c["id"]]), c, from_user, text=text, **kw)
        self.messages[(c["id"], msg["message_id"])] = msg
        return msg

    def push_message(self, c: JSON, from_user: JSON | None, text: str | None = None, **kw: Any) -> JSON:
        msg = self.new_message(c, from_user, text, **kw)
        self.pushed_at[(c["id"], msg["message_id"])] = time.perf_counter()
        self.push_update("channel_post" if c["type"] == "channel" else "message", msg)
        return msg

    def push_edited_message(self, msg: JSON, text: str) -> JSON:
        field_name = "caption" if "caption" in msg else "text"
        edited = {**msg, field_name: text, "edit_date": shapes.now()}
        if field_name == "text":
            edited.pop("entities", None)
            if ents := shapes.command_entities(text):
                edited["entities"] = ents
        self.messages[(msg["chat"]["id"], msg["message_id"])] = edited
        self.pushed_at[(msg["chat"]["id"], msg["message_id"])] = time.perf_counter()
        self.push_update("edited_message", edited)
        return edited

    def push_callback_query(self, from_user: JSON, msg: JSON, data: str) -> str:
        query_id = f"cq{next(self._callback_ids)}"
        current = self.messages.get((msg["chat"]["id"], msg["message_id"]), msg)
        self.push_update("callback_query", shapes.callback_query(query_id, from_user, current, data))
        return query_id

    def push_my_chat_member(self, c: JSON, from_user: JSON, old_status: str = "left",
                            new_status: str = "member", **rights: bool) -> JSON:
        """The bot's own membership changed (e.g. someone added it to a group); updates members too."""
        self.chats.setdefault(c["id"], c)
        old = self.member(c["id"], self.bot_user["id"]) if (c["id"], self.bot_user["id"]) in self.members \
            else shapes.chat_member(self.bot_user, old_status)
        new = self.set_member(c["id"], self.bot_user, new_status, **rights)
        return self.push_update("my_chat_member", shapes.chat_member_updated(c, from_user, old, new))

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    # ---- faults ----

    def fail_next(self, method: str, times: int = 1, *, status: int = 429, retry_after: int | None = None,
                  description: str | None = None) -> None:
        """The next `times` calls of `method` answer with HTTP `status` (429 carries parameters.retry_after)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        desc = description or {429: f"Too Many Requests: retry after {retry_after}",
                               500: "Internal Server Error"}.get(status, f"Error {status}")
        for _ in range(times):
            self._faults[method.lower()].append(Fault(status, retry_after, desc))

    # ---- inspection ----

    def calls_of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        m = method.lower()
        return [c for c in self.calls if c.method.lower() == m and (c.status == 200 or not ok_only)]

    def sent_messages(self, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls_of("sendMessage") if chat_id is None or c.params.get("chat_id") == chat_id]

    async def wait_for_calls(self, method: str, count: int = 1, *, where: Callable[[Call], bool] | None = None,
                             timeout: float = 5.0) -> list[Call]:
        """Wait until `count` successful calls of `method` (matching `where`) arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_of(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"expected {count} {method} call(s), got {len(found)}: "
                                   f"{[(c.method, c.status) for c in self.calls[-10:]]}")
            await self._new_call.wait(left)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Wait until no call other than getUpdates arrived for `quiet` seconds (to assert that nothing happens)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = sum(1 for c in self.calls if c.method != "getUpdates")
            await asyncio.sleep(quiet)
            if seen == sum(1 for c in self.calls if c.method != "getUpdates") and not self._updates:
                return

    # ---- HTTP ----

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(shapes.error(401, "Unauthorized"), status=401)
        path = request.match_info["path"]
        for file_path, data in self._files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response(shapes.error(404, "Not Found"), status=404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        call = Call(method, params, 200, time.perf_counter())
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if faults := self._faults.get(method.lower()):
                f = faults.popleft()
                raise ApiError(f.status, f.description, f.retry_after)
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(params)
            body: JSON = {"ok": True, "result": call.result}
        except ApiError as e:
            call.status = e.code
            body = shapes.error(e.code, e.description, e.retry_after)
        finally:
            self._new_call.notify()
        return web.json_response(body, status=call.status)

    # ---- Bot API methods (each takes the decoded params and returns `result`) ----

    async def _api_getme(self, p: JSON) -> JSON:
        return self.bot_user

    async def _api_deletewebhook(self, p: JSON) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_getupdates(self, p: JSON) -> list[JSON]:
        offset, limit = p.get("offset", 0), min(max(p.get("limit", 100), 1), 100)
        if "allowed_updates" in p:
            self._allowed_updates = p["allowed_updates"] or []
        deadline = time.monotonic() + float(p.get("timeout", 0))
        while True:
            while self._updates and offset and self._updates[0]["update_id"] < offset:
                self._updates.popleft()  # confirmed by the offset
            ready = [u for u in itertools.islice(self._updates, limit) if self._wanted(u)]
            left = deadline - time.monotonic()
            if ready or left <= 0 or self._closing:
                return ready
            await self._new_update.wait(left)

    def _wanted(self, update: JSON) -> bool:
        return not self._allowed_updates or any(k in update for k in self._allowed_updates)

    async def _api_sendmessage(self, p: JSON) -> JSON:
        c = self._chat(p)
        self._require_member(c)
        text = str(p.get("text", ""))
        plain = self._render(text, p.get("parse_mode"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        reply_to = None
        reply_id = (p.get("reply_parameters") or {}).get("message_id") or p.get("reply_to_message_id")
        if reply_id:
            reply_to = self.messages.get((c["id"], int(reply_id)))
            if reply_to is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
        return self.new_message(c, self.bot_user, plain, reply_to=reply_to, reply_markup=p.get("reply_markup"))

    async def _api_editmessagetext(self, p: JSON) -> JSON:
        c = self._chat(p)
        msg = self._message(c, p, "Bad Request: message to edit not found")
        plain = self._render(str(p.get("text", "")), p.get("parse_mode"))
        if msg.get("text") == plain and msg.get("reply_markup") == p.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        edited = {**msg, "text": plain, "edit_date": shapes.now()}
        edited.pop("reply_markup", None)
        if p.get("reply_markup"):
            edited["reply_markup"] = p["reply_markup"]
        self.messages[(c["id"], msg["message_id"])] = edited
        return edited

    async def _api_editmessagereplymarkup(self, p: JSON) -> JSON:
        c = self._chat(p)
        msg = self._message(c, p, "Bad Request: message to edit not found")
        edited = {k: v for k, v in msg.items() if k != "reply_markup"}
        if p.get("reply_markup"):
            edited["reply_markup"] = p["reply_markup"]
        self.messages[(c["id"], msg["message_id"])] = edited
        return edited

    async def _api_deletemessage(self, p: JSON) -> bool:
        c = self._chat(p)
        msg = self._message(c, p, "Bad Request: message to delete not found")
        if (msg.get("from") or {}).get("id") != self.bot_user["id"] and c["type"] != "private":
            self._require_right(c, "can_delete_messages", "Bad Request: message can't be deleted")
        del self.messages[(c["id"], msg["message_id"])]
        return True

    async def _api_restrictchatmember(self, p: JSON) -> bool:
        c, target = self._restrict_target(p, "restrict/unrestrict")
        if c["type"] != "supergroup":
            raise ApiError(400, "Bad Request: method is available only for supergroups")
        perms = p.get("permissions") or {}
        self.set_member(c["id"], target, "restricted", until_date=p.get("until_date") or 0, **perms)
        return True

    async def _api_banchatmember(self, p: JSON) -> bool:
        c, target = self._restrict_target(p, "restrict/unrestrict")
        self.set_member(c["id"], target, "kicked", until_date=p.get("until_date") or 0)
        return True

    async def _api_unbanchatmember(self, p: JSON) -> bool:
        c, target = self._restrict_target(p, "restrict/unrestrict")
        status = self.member(c["id"], target["id"])["status"]
        if not p.get("only_if_banned") or status == "kicked":
            self.set_member(c["id"], target, "left")
        return True

    async def _api_getchatmember(self, p: JSON) -> JSON:
        c = self._chat(p)
        return self.member(c["id"], int(p["user_id"]))

    async def _api_getchatadministrators(self, p: JSON) -> list[JSON]:
        c = self._chat(p)
        return [m for (chat_id, _), m in self.members.items()
                if chat_id == c["id"] and m["status"] in ("creator", "administrator")]

    async def _api_getchat(self, p: JSON) -> JSON:
        return shapes.chat_full_info(self._chat(p))

    async def _api_answercallbackquery(self, p: JSON) -> bool:
        qid = str(p.get("callback_query_id", ""))
        if not qid.startswith("cq") or qid in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[qid] = p
        return True

    async def _api_setmycommands(self, p: JSON) -> bool:
        scope = (p.get("scope") or {}).get("type", "default")
        self.commands[(scope, p.get("language_code", ""))] = list(p.get("commands") or [])
        return True

    async def _api_getmycommands(self, p: JSON) -> list[JSON]:
        scope = (p.get("scope") or {}).get("type", "default")
        return self.commands.get((scope, p.get("language_code", "")), [])

    async def _api_deletemycommands(self, p: JSON) -> bool:
        self.commands.pop(((p.get("scope") or {}).get("type", "default"), p.get("language_code", "")), None)
        return True

    async def _api_sendchataction(self, p: JSON) -> bool:
        self._chat(p)
        return True

    async def _api_getfile(self, p: JSON) -> JSON:
        file_id = str(p.get("file_id", ""))
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "file_path": path}

    async def _api_close(self, p: JSON) -> bool:
        return True

    # ---- checks shared by the methods ----

    def _chat(self, p: JSON) -> JSON:
        c = self.chats.get(p.get("chat_id"))  # type: ignore[arg-type]
        if c is None:
            raise ApiError(400, "Bad Request: chat not found")
        return c

    def _message(self, c: JSON, p: JSON, missing: str) -> JSON:
        msg = self.messages.get((c["id"], int(p.get("message_id", 0))))
        if msg is None:
            raise ApiError(400, missing)
        return msg

    def _require_member(self, c: JSON) -> None:
        if c["type"] != "private" and self.member(c["id"], self.bot_user["id"])["status"] in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {c['type']} chat")

    def _require_right(self, c: JSON, right: str, description: str) -> None:
        me = self.member(c["id"], self.bot_user["id"])
        if me["status"] != "creator" and not (me["status"] == "administrator" and me.get(right)):
            raise ApiError(400, description)

    def _restrict_target(self, p: JSON, verb: str) -> tuple[JSON, JSON]:
        c = self._chat(p)
        if c["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._require_right(c, "can_restrict_members", f"Bad Request: not enough rights to {verb} chat member")
        user_id = int(p["user_id"])
        if self.member(c["id"], user_id)["status"] in ("creator", "administrator"):
            raise ApiError(400, "Bad Request: user is an administrator of the chat")
        return c, self.users.get(user_id) or shapes.user(user_id, f"User{user_id}")

    @staticmethod
    def _render(text: str, parse_mode: str | None) -> str:
        """The plain text Telegram would show; HTML that Telegram would refuse is refused here too."""
        if (parse_mode or "").upper() != "HTML":
            return text
        try:
            return check_html(text)
        except HTMLError as e:
            raise ApiError(400, f"Bad Request: can't parse entities: {e}") from None


async def _read_params(request: web.Request) -> JSON:
    """PTB sends url-encoded (or multipart) forms whose complex values are JSON strings; JSON bodies work too."""
    if request.content_type == "application/json":
        return await request.json()
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query)
    else:
        raw = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    params: JSON = {}
    for k, v in raw.items():
        if k in _JSON_PARAMS:
            params[k] = json.loads(v)
        elif k in _INT_PARAMS and v.lstrip("-").isdigit():
            params[k] = int(v)
        elif k in _BOOL_PARAMS:
            params[k] = v.lower() == "true"
        else:
            params[k] = v
    return params
