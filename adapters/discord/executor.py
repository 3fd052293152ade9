"""The Discord ActionExecutor: the only code that changes a Discord server.

It never decides and never raises: every outcome, Discord refusing included, is an ActionResult that the
pipeline records on the incident. Rate limits (429) are waited out by discord.py underneath; a request that
still fails (5xx after its retries, 403 Missing Permissions) becomes a "failed" result with a reason an admin
can act on.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from datetime import timedelta
from typing import Any

import discord

from adapters.discord.convert import channel_of
from adapters.discord.render import render
from bot.actions import Action, ActionResult, Reply
from leekguard_types import ImageRef, ImageRejected, Message

log = logging.getLogger(__name__)
MAX_TIMEOUT = 28 * 86400  # Discord refuses longer timeouts
BAN_DELETE_SECONDS = 3600  # a ban also removes the scammer's last hour of messages (the burst of adverts)
MOD_LOG_NAMES = ("mod-log", "modlog", "mod-logs", "leekguard-log", "leekguard")
_CHANNEL_REF = re.compile(r"^(?:<#)?(\d{15,21})>?$")
PERMISSION_FOR = {"warn": "Send Messages + Embed Links", "notify_admins": "Send Messages + Embed Links",
                  "delete": "Manage Messages", "mute": "Moderate Members (Timeout Members)", "ban": "Ban Members",
                  "unmute": "Moderate Members (Timeout Members)", "unban": "Ban Members"}


class Skipped(Exception):
    """Nothing was done, on purpose (e.g. no mod-log channel)."""


class DiscordExecutor:
    def __init__(self, client: discord.Client, *, mod_log_channel_id: int | None = None,
                 live_limit: int = 4096) -> None:
        self.client = client
        self.mod_log_channel_id = mod_log_channel_id
        # discord.Message objects of messages being moderated right now (bounded): spares a fetch per action
        self._live: OrderedDict[str, discord.Message] = OrderedDict()
        self._live_limit = live_limit
        # image attachments by URL, until the image checks fetch them (they run after the message was handled)
        self._attachments: OrderedDict[str, discord.Attachment] = OrderedDict()

    # ---- messages the adapter is handling ----
    def remember(self, message: discord.Message) -> None:
        self._live[str(message.id)] = message
        self._live.move_to_end(str(message.id))
        while len(self._live) > self._live_limit:
            self._live.popitem(last=False)
        for attachment in message.attachments:
            if (attachment.content_type or "").startswith("image/"):
                self._attachments[attachment.url] = attachment
        while len(self._attachments) > self._live_limit:
            self._attachments.popitem(last=False)

    def forget(self, message_id: int | str) -> None:
        self._live.pop(str(message_id), None)

    async def fetch_image(self, msg: Message, image: ImageRef, max_bytes: int) -> bytes:
        """The bytes of an image attachment of `msg` (ImageRef.ref is its URL), for the image checks."""
        attachment = self._attachments.pop(image.ref, None)
        if attachment is None:
            raise LookupError("attachment no longer known")
        if attachment.size > max_bytes:
            raise ImageRejected("too_large", f"{attachment.size} bytes, limit {max_bytes}")
        try:
            return await attachment.read()
        except discord.NotFound:  # the message was deleted meanwhile: the media proxy may still have it
            return await attachment.read(use_cached=True)

    # ---- the ActionExecutor protocol ----
    async def execute(self, msg: Message, action: Action, reply: Reply | None,
                      incident_id: int | None) -> ActionResult:
        try:
            detail = await self._do(msg, action, reply, incident_id)
        except Skipped as why:
            return ActionResult(action, "skipped", str(why))
        except discord.HTTPException as exc:
            detail = explain(action.kind, exc)
            log.warning("discord %s failed in guild %s (incident %s): %s", action.kind, msg.chat_id, incident_id,
                        detail)
            return ActionResult(action, "failed", detail)
        except Exception as exc:  # a bug here must not lose the incident or stop the bot
            log.exception("discord %s crashed in guild %s (incident %s)", action.kind, msg.chat_id, incident_id)
            return ActionResult(action, "failed", f"internal error: {type(exc).__name__}")
        return ActionResult(action, "done", detail)

    async def _do(self, msg: Message, action: Action, reply: Reply | None, incident_id: int | None) -> str:
        reason = f"LeekGuard incident #{incident_id}" if incident_id is not None else "LeekGuard"
        if action.kind == "warn":
            if reply is None or action.silent:
                raise Skipped("repeated advert, no second warning" if action.silent else "no warning text")
            target = await self._message(msg)
            sent = await target.channel.send(reference=target.to_reference(fail_if_not_exists=False),
                                             mention_author=False, **render(reply))
            return f"warning message {sent.id}"
        if action.kind == "delete":
            target = await self._message(msg)
            try:
                await target.delete()
            except discord.NotFound:
                raise Skipped(f"message {msg.message_id} was already deleted") from None
            return f"deleted message {msg.message_id}"
        if action.kind == "mute":
            seconds = min(max(action.seconds or 3600, 60), MAX_TIMEOUT)
            member = await self._member(msg)
            await member.timeout(timedelta(seconds=seconds), reason=reason)
            return f"timed out user {msg.author.id} for {seconds}s"
        if action.kind == "ban":
            guild = self._guild(msg.chat_id)
            await guild.ban(discord.Object(int(msg.author.id)), reason=reason,
                            delete_message_seconds=BAN_DELETE_SECONDS)
            return f"banned user {msg.author.id}"
        if action.kind == "notify_admins":
            if reply is None:
                raise Skipped("no notification text")
            channel = self.mod_log_channel(msg.chat_id, reply.extra.get("admin_target"))
            sent = await channel.send(**render(reply))
            return f"notice {sent.id} in #{getattr(channel, 'name', channel.id)}"
        if action.kind == "unmute":
            return await self._unmute(msg, reason)
        if action.kind == "unban":
            try:
                await self._guild(msg.chat_id).unban(discord.Object(int(msg.author.id)), reason=reason)
            except discord.NotFound:  # unbanned by someone already: what Undo wanted
                return f"user {msg.author.id} was no longer banned"
            return f"unbanned user {msg.author.id}"
        raise Skipped(f"unknown action {action.kind}")

    async def _unmute(self, msg: Message, reason: str) -> str:
        guild = self._guild(msg.chat_id)
        try:  # fetched, not the member remembered with the message: the timeout may have changed since
            member = await guild.fetch_member(int(msg.author.id))
        except discord.NotFound:
            raise Skipped(f"user {msg.author.id} is not in the server now: the timeout cannot be removed") from None
        await member.timeout(None, reason=reason)
        return f"removed the timeout of user {msg.author.id}"

    # ---- lookups ----
    def _guild(self, guild_id: int | str) -> discord.Guild:
        guild = self.client.get_guild(int(guild_id)) if str(guild_id).isdigit() else None
        if guild is None:
            raise Skipped(f"not in server {guild_id}")
        return guild

    async def _message(self, msg: Message) -> discord.Message | discord.PartialMessage:
        live = self._live.get(msg.message_id)
        if live is not None:
            return live
        where = channel_of(msg)
        if where is None:
            raise Skipped(f"message {msg.message_id}: channel unknown")
        channel = self.client.get_channel(where[0]) or await self.client.fetch_channel(where[0])
        return channel.get_partial_message(where[1])  # type: ignore[union-attr]

    async def _member(self, msg: Message) -> discord.Member:
        live = self._live.get(msg.message_id)
        if live is not None and isinstance(live.author, discord.Member):
            return live.author
        guild = self._guild(msg.chat_id)
        return guild.get_member(int(msg.author.id)) or await guild.fetch_member(int(msg.author.id))

    def mod_log_channel(self, guild_id: int | str, admin_target: Any = None) -> Any:
        """Where notices go: the server's /settings admin_target, else config discord.mod_log_channel_id,
        else a channel named like a mod-log. A per-server target must belong to that server."""
        guild = self._guild(guild_id)
        found = _CHANNEL_REF.match(str(admin_target or "").strip())
        if found:
            channel = guild.get_channel_or_thread(int(found[1]))
            if channel is not None:
                return channel
        if self.mod_log_channel_id:
            channel = self.client.get_channel(int(self.mod_log_channel_id))
            if channel is not None:
                return channel
        for channel in guild.text_channels:
            if channel.name.casefold() in MOD_LOG_NAMES:
                return channel
        raise Skipped("no mod-log channel: set discord.mod_log_channel_id or /settings admin_target")


def explain(kind: str, exc: discord.HTTPException) -> str:
    """A one-line reason an admin can act on."""
    if isinstance(exc, discord.Forbidden):
        return (f"missing permission {PERMISSION_FOR.get(kind, '')} (or the member's role is above the bot's): "
                f"{exc.status} {exc.code} {exc.text}").strip()
    if isinstance(exc, discord.NotFound):
        return f"not found: {exc.status} {exc.code} {exc.text}"
    return f"Discord error {exc.status} {exc.code}: {exc.text}"

