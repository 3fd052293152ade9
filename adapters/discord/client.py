"""discord.py's client for LeekGuard: one gateway connection, or several shards in this process.

    client = make_client(session, config.discord, **options)   # LeekGuardClient or ShardedLeekGuardClient

Either way the events go to the session (`client.leekguard`, also used by the buttons). With shards, Discord sends
each server's events on shard (guild_id >> 22) % shard_count; discord.py's AutoShardedClient runs the shards of
this process (discord.shards: auto, or discord.shard_ids of discord.shard_count) and the handlers stay the same.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from bot.config import DiscordConfig

# Discord lets a bot IDENTIFY once per 5 s (session_start_limit.max_concurrency 1); discord.py waits that long
# before every shard but the first.
IDENTIFY_PAUSE = 5.0


class LeekGuardClient(discord.Client):
    """discord.Client whose events go to the session (`client.leekguard`, also used by the buttons)."""

    def __init__(self, session: Any, *, identify_pause: float = IDENTIFY_PAUSE, **options: Any) -> None:
        # Only what moderation needs: servers and their channels and roles, their messages, and the text of
        # those (privileged: switch it on in the developer portal, the README, section Discord). No typing, reactions,
        # presences or voice events to parse in busy servers. Interactions need no intent.
        intents = discord.Intents(guilds=True, guild_messages=True, message_content=True)
        options.setdefault("chunk_guilds_at_startup", False)
        # No message cache: edits arrive whole (on_raw_message_edit), and cached messages were what the
        # garbage collector's full passes spent 50-130 ms freeing (measured by bench/bench_discord.py)
        options.setdefault("max_messages", None)
        # LeekGuard never joins voice: no "PyNaCl / davey is not installed" warning at every start
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.leekguard = session
        self.tree = discord.app_commands.CommandTree(self)
        self.identify_pause = identify_pause

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py's own rule, with the pause named: one IDENTIFY per 5 s (the fake gateway has no such limit)
        if not initial:
            await asyncio.sleep(self.identify_pause)

    async def setup_hook(self) -> None:
        await self.leekguard.setup()

    async def on_connect(self) -> None:
        self.leekguard.on_connect()

    async def on_message(self, message: discord.Message) -> None:
        await self.leekguard.on_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.leekguard.on_edit(payload)


class ShardedLeekGuardClient(LeekGuardClient, discord.AutoShardedClient):
    """The same client over several shards: ready once every shard of this process is connected."""

    async def on_connect(self) -> None:
        pass  # sent once per shard; each shard reports itself in on_shard_connect

    async def on_shard_connect(self, shard_id: int) -> None:
        self.leekguard.on_shard_connect(shard_id)

    def shard_websocket(self, shard_id: int) -> Any:
        return self._get_websocket(shard_id=shard_id)  # discord.py's own lookup of a shard's connection


def make_client(session: Any, dc: DiscordConfig, **options: Any) -> LeekGuardClient:
    if not dc.sharded:
        return LeekGuardClient(session, **options)
    # shard_count None: discord.py asks Discord (/gateway/bot) how many shards it recommends
    return ShardedLeekGuardClient(session, shard_ids=dc.shard_ids, shard_count=dc.shard_count, **options)
