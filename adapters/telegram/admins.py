"""Who is an admin of a chat, and which rights the bot has there, cached briefly.

Two questions, two Bot API calls:
- "was this message written by an admin?" is asked for every group message, so it uses the chat's admin list
  (getChatAdministrators: one call per chat per `list_ttl`, however many people talk);
- "may this person press Confirm / Ban / change settings?" grants authority, so it asks getChatMember about
  that person (cached only `member_ttl` seconds, so a demoted admin loses the buttons quickly).
Concurrent misses for the same key share one request. Failures are cached for a few seconds only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable

from telegram import Bot, ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)
ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


class _TTLCache:
    """A small LRU with per-entry expiry and single-flight loading."""

    def __init__(self, ttl: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._loading: dict[Any, asyncio.Future] = {}

    async def get(self, key: Any, load: Callable[[], Awaitable[tuple[Any, float]]]) -> Any:
        hit = self._data.get(key)
        if hit is not None and hit[0] > self.clock():
            return hit[1]
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut = asyncio.get_running_loop().create_future()
        self._loading[key] = fut
        try:
            value, ttl = await load()
            self._data[key] = (self.clock() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
            fut.set_result(value)
            return value
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # mark retrieved: waiters re-raise it, nobody else must see a warning
            raise
        finally:
            del self._loading[key]

    def forget(self, match: Callable[[Any], bool]) -> None:
        for key in [k for k in self._data if match(k)]:
            del self._data[key]


class AdminDirectory:
    def __init__(self, bot: Bot, *, list_ttl: float = 60.0, member_ttl: float = 30.0, failure_ttl: float = 5.0):
        self.bot = bot
        self.failure_ttl = failure_ttl
        self._lists = _TTLCache(list_ttl)
        self._people = _TTLCache(list_ttl)
        self._members = _TTLCache(member_ttl)

    async def admin_ids(self, chat_id: int) -> frozenset[int]:
        """Ids of the chat's admins; empty when Telegram cannot tell us right now (then we moderate)."""
        async def load() -> tuple[frozenset[int], float]:
            try:
                admins = await self.bot.get_chat_administrators(chat_id)
            except TelegramError as exc:
                log.warning("cannot list admins of chat %s: %s", chat_id, exc)
                return frozenset(), self.failure_ttl
            return frozenset(a.user.id for a in admins), self._lists.ttl
        return await self._lists.get(chat_id, load)

    async def people(self, chat_id: int) -> tuple[int, ...]:
        """Ids of the chat's human admins (no bots), creator first: who receives incident notices privately."""
        async def load() -> tuple[tuple[int, ...], float]:
            try:
                admins = await self.bot.get_chat_administrators(chat_id)
            except TelegramError as exc:
                log.warning("cannot list admins of chat %s: %s", chat_id, exc)
                return (), self.failure_ttl
            ranked = sorted((a for a in admins if not a.user.is_bot), key=lambda a: a.status != "creator")
            return tuple(a.user.id for a in ranked), self._people.ttl
        return await self._people.get(chat_id, load)

    async def member(self, chat_id: int, user_id: int) -> ChatMember | None:
        async def load() -> tuple[ChatMember | None, float]:
            try:
                return await self.bot.get_chat_member(chat_id, user_id), self._members.ttl
            except TelegramError as exc:
                log.warning("cannot get member %s of chat %s: %s", user_id, chat_id, exc)
                return None, self.failure_ttl
        return await self._members.get((chat_id, user_id), load)

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Authority check for buttons and admin commands (getChatMember; unknown = no)."""
        member = await self.member(chat_id, user_id)
        return member is not None and member.status in ADMIN_STATUSES

    async def bot_member(self, chat_id: int) -> ChatMember | None:
        return await self.member(chat_id, self.bot.id)

    def forget_chat(self, chat_id: int) -> None:
        """Membership changed (bot promoted, admin demoted): ask Telegram again next time."""
        self._lists.forget(lambda k: k == chat_id)
        self._people.forget(lambda k: k == chat_id)
        self._members.forget(lambda k: k[0] == chat_id)


def missing_rights(member: ChatMember | None, actions: set[str]) -> list[str]:
    """Admin rights the bot lacks for the given policy actions (names as in the Bot API)."""
    needed: dict[str, str] = {}
    if "delete" in actions:
        needed["can_delete_messages"] = "delete"
    if actions & {"mute", "ban"}:
        needed["can_restrict_members"] = "mute/ban"
    if member is not None and member.status == ChatMember.OWNER:
        return []
    if member is None or member.status != ChatMember.ADMINISTRATOR:
        return list(needed)
    return [right for right in needed if not getattr(member, right, False)]
