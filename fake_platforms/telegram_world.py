"""The state behind the fake Telegram Bot API server: chats, users, members, messages, pending updates,
recorded calls and injected faults. fake_platforms/telegram_server.py serves it over HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from fake_platforms import telegram_shapes as shapes
from fake_platforms.telegram_webhook import WebhookOutbox

JSON = dict[str, Any]


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


class TelegramWorld:
    """The state a bot can observe, plus injection and inspection helpers for tests (no HTTP here)."""

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
        self.banned_sender_chats: set[tuple[int, int]] = set()
        # chat_id -> ChatPermissions JSON: what every member may do (getChat "permissions"); absent: everything
        self.chat_permissions: dict[int, JSON] = {}
        self._updates: deque[JSON] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._callback_ids = itertools.count(1)
        self._files: dict[str, tuple[str, bytes]] = {}
        self.file_gate: asyncio.Event | None = None  # when set to an Event, file downloads wait until it is set
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._allowed_updates: list[str] = []
        self._new_update = _Signal()
        self._new_call = _Signal()
        self._closing = False
        self.webhook = WebhookOutbox()  # with a webhook set (setWebhook), updates are posted to it

    # ---- world building ----

    def add_chat(self, chat_id: int, chat_type: str = "supergroup", *, title: str | None = None,
                 username: str | None = None, first_name: str | None = None,
                 permissions: JSON | None = None) -> JSON:
        """permissions: the chat's default member permissions (can_* flags), as getChat reports them."""
        c = shapes.chat(chat_id, chat_type, title=title, username=username, first_name=first_name)
        self.chats[chat_id] = c
        if permissions is not None:
            self.chat_permissions[chat_id] = {p: bool(permissions.get(p)) for p in shapes.MEMBER_PERMISSIONS
                                              if p != "can_edit_tag"}
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

    def photo_sizes(self, *pictures: tuple[bytes, int, int]) -> list[JSON]:
        """Message.photo for (bytes, width, height) versions of one photo, smallest first, as Telegram sends."""
        out = []
        for data, width, height in pictures:
            file_id = self.add_file(data)
            out.append({"file_id": file_id, "file_unique_id": f"u{file_id}", "width": width, "height": height,
                        "file_size": len(data)})
        return out

    # ---- update injection ----

    def push_update(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), kind: payload}
        if self.webhook.url is not None:
            if self._wanted(update):
                self.webhook.enqueue(update)
            return update
        self._updates.append(update)
        self._new_update.notify()
        return update

    def _wanted(self, update: JSON) -> bool:
        allowed = self.webhook.allowed_updates if self.webhook.url is not None else self._allowed_updates
        return not allowed or any(k in update for k in allowed)

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
                             timeout: float = 5.0, ok_only: bool = True) -> list[Call]:
        """Wait until `count` calls of `method` (successful ones unless ok_only=False, matching `where`)
        arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_of(method, ok_only=ok_only) if where is None or where(c)]
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
            if seen == sum(1 for c in self.calls if c.method != "getUpdates") and not self._updates \
                    and self.webhook.idle:
                return
