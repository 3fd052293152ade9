"""State of the fake Discord: guilds with roles, channels, members and bans; interactions and their answers."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Callable

from fake_platforms import discord_payloads as P

if TYPE_CHECKING:
    from fake_platforms.discord_server import FakeDiscord

ALL_PERMISSIONS = (1 << 53) - 1

# What the LeekGuard bot role gets by default in the fake guilds: what the invite URL asks for.
BOT_ROLE_PERMISSIONS = (P.VIEW_CHANNEL | P.SEND_MESSAGES | P.SEND_MESSAGES_IN_THREADS | P.EMBED_LINKS
                        | P.READ_MESSAGE_HISTORY | P.MANAGE_MESSAGES | P.MODERATE_MEMBERS | P.BAN_MEMBERS)


class FakeGuild:
    def __init__(self, name: str, owner: dict, bot_user: dict, bot_permissions: int = BOT_ROLE_PERMISSIONS,
                 guild_id: str | None = None) -> None:
        self.id = guild_id or P.snowflake()
        self.name = name
        self.owner_id = owner["id"]
        self.roles: dict[str, dict] = {self.id: P.role(self.id, "@everyone", P.EVERYONE_DEFAULT, 0)}
        self.channels: dict[str, dict] = {}
        self.members: dict[str, dict] = {}
        self.bans: dict[str, dict] = {}
        self.add_member_user(owner)
        self.bot_role = self.add_role("LeekGuard", bot_permissions, managed=True)
        self.add_member_user(bot_user, roles=[self.bot_role])

    # ---- building ----
    def add_role(self, name: str, permissions: int, *, managed: bool = False) -> str:
        rid = P.snowflake()
        data = P.role(rid, name, permissions, position=len(self.roles))
        if managed:
            data["managed"] = True
            data["tags"] = {"bot_id": None}
        self.roles[rid] = data
        return rid

    def set_role_permissions(self, role_id: str, permissions: int) -> None:
        self.roles[role_id]["permissions"] = str(permissions)

    def add_channel(self, name: str) -> str:
        cid = P.snowflake()
        self.channels[cid] = P.text_channel(cid, self.id, name, position=len(self.channels))
        return cid

    def add_member(self, username: str, *, roles: list[str] | tuple = (), bot: bool = False,
                   nick: str | None = None) -> str:
        return self.add_member_user(P.user(P.snowflake(), username, bot=bot), roles=list(roles), nick=nick)

    def add_member_user(self, user: dict, *, roles: list[str] | None = None, nick: str | None = None) -> str:
        self.members[user["id"]] = P.member(user, roles or [], nick=nick)
        return user["id"]

    # ---- reading ----
    def user(self, user_id: str) -> dict:
        return self.members[user_id]["user"]

    def permissions_of(self, user_id: str) -> int:
        """Guild-level permissions (channel overwrites are not modelled: the fake channels have none)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        m = self.members.get(user_id)
        if m is None:
            return 0
        perms = int(self.roles[self.id]["permissions"])
        for rid in m["roles"]:
            if rid in self.roles:
                perms |= int(self.roles[rid]["permissions"])
        if perms & P.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def top_role_position(self, user_id: str) -> int:
        m = self.members.get(user_id)
        if m is None:
            return 0
        return max([self.roles[r]["position"] for r in m["roles"] if r in self.roles] or [0])

    def member_payload(self, user_id: str, *, with_user: bool = True, permissions: bool = False) -> dict:
        m = self.members[user_id]
        data = {k: v for k, v in m.items() if with_user or k != "user"}
        if permissions:
            data["permissions"] = str(self.permissions_of(user_id))
        return data

    def channel_payload(self, channel_id: str) -> dict:
        return dict(self.channels[channel_id])

    def payload(self) -> dict:
        return P.guild(self.id, self.name, self.owner_id, roles=list(self.roles.values()),
                       channels=list(self.channels.values()), members=list(self.members.values()))


class FakeInteraction:
    def __init__(self, server: FakeDiscord, payload: dict, message: dict | None) -> None:
        self.server = server
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.message = message  # the message a component belongs to
        self.created = time.monotonic()
        self.callback: dict | None = None
        self.original: dict | None = None
        self.followups: list[dict] = []
        self.edits = 0
        self._changed = asyncio.Event()

    def changed(self) -> None:
        self._changed.set()

    def make_response_message(self, data: dict) -> dict:
        msg = P.message(P.snowflake(), self.payload["channel_id"], self.server.bot_user, data.get("content") or "",
                        guild_id=self.payload.get("guild_id"), embeds=data.get("embeds"),
                        components=data.get("components"), flags=data.get("flags", 0) or 0,
                        webhook_id=self.server.app_id, interaction_id=self.id)
        return msg

    def find_message(self, message_id: str) -> dict | None:
        if message_id == "@original":
            return self.original
        return next((m for m in [self.original, *self.followups] if m and m["id"] == message_id), None)

    @property
    def ephemeral(self) -> bool:
        data = (self.callback or {}).get("data") or {}
        return bool(data.get("flags", 0) & P.MESSAGE_FLAG_EPHEMERAL)

    async def wait_response(self, timeout: float = 5.0) -> dict:
        """The interaction callback body (type 4 message, 5 deferred, 6/7 component update)."""
        await self._wait(lambda: self.callback is not None, timeout)
        return self.callback

    async def wait_answer(self, timeout: float = 5.0) -> dict:
        """The message the user finally sees: the response, the deferred response's edit, or a follow-up."""
        def ready() -> bool:
            if self.callback is None:
                return False
            if self.callback["type"] == 5:
                return (self.original is not None and self.edits > 0) or bool(self.followups)
            if self.callback["type"] == 6:
                return bool(self.followups) or self.message is not None
            return True
        await self._wait(ready, timeout)
        if self.callback["type"] in (4, 7):
            return self.original
        if self.callback["type"] == 6 and not self.followups:
            return self.server.messages.get(self.message["id"], self.message)
        return self.original if self.original is not None and self.edits else self.followups[-1]

    async def _wait(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"interaction {self.id}: no answer within {timeout}s (callback={self.callback})")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass
