"""The Discord adapter: discord.py in, leekguard_types.Message out, ActionExecutor back.

    adapter = DiscordAdapter()             # cli/wiring.py: constructed with no arguments
    await adapter.run(services)            # serves until cancelled; AdapterStopped for a rejected token

    adapter.session                        # the DiscordSession run() drives: client, executor, moderator,
                                           # commands (tests and benchmarks look inside)

It only translates and executes: a guild message (or an edit) becomes a leekguard_types.Message for
bot.pipeline.Moderator; slash commands, the "Check for scam" context menu and the mod-log buttons become
calls of bot/commands.py (adapters/discord/commands.py); decided actions are carried out by
adapters/discord/executor.py. discord.py waits out rate limits (429) itself and resumes a dropped gateway
session; both stay its job.

With discord.shards: auto (or discord.shard_ids of discord.shard_count) the client is discord.py's
AutoShardedClient (adapters/discord/client.py): the session is ready once every shard of this process is up.

REST and gateway can go through proxies (config discord.api_base_url / gateway_url, or DISCORD_API_BASE_URL /
DISCORD_GATEWAY_URL): discord.py keeps both as process-wide class attributes, so they are set explicitly when a
session starts (route_through), never when this module is imported.

Absolute imports only: this package is named like the `discord` package it imports.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import discord
import yarl

from adapters.discord.client import ShardedLeekGuardClient, make_client
from adapters.discord.commands import DiscordCommands
from adapters.discord.convert import to_message
from adapters.discord.executor import DiscordExecutor
from adapters.discord.views import ReviewButton
from bot.runner import AdapterStopped, Services

log = logging.getLogger(__name__)
API_VERSION = 10
MODERATED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class ConfigurationError(RuntimeError):
    """The adapter cannot start with this configuration (no token, bad URL)."""


def api_base(url: str) -> str:
    """'http://proxy:8080' -> 'http://proxy:8080/api/v10'; a URL that already names a version is kept."""
    url = url.strip().rstrip("/")
    if not re.match(r"^https?://", url):
        raise ConfigurationError(f"discord.api_base_url must be an http(s) URL, got {url!r}")
    return url if re.search(r"/api/v\d+$", url) else f"{url}/api/v{API_VERSION}"


def gateway(url: str) -> yarl.URL:
    url = url.strip()
    if not re.match(r"^wss?://", url):
        raise ConfigurationError(f"discord.gateway_url must be a ws(s) URL, got {url!r}")
    return yarl.URL(url)


def route_through(api_base_url: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway connection to the configured (proxy) addresses."""
    if api_base_url:
        discord.http.Route.BASE = api_base(api_base_url)
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway(gateway_url)


_frozen = False


def freeze_startup_objects() -> None:
    """Once per process: what is loaded at start-up (the engine's tables, discord.py's state) lives as long
    as the process, so keep it out of the garbage collector's full passes, which otherwise pause the event
    loop for 100-200 ms now and then (bench/bench_discord.py: that was the p99)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


class _KeyedLocks:
    """One lock per (server, author): one author's messages and edits are handled in order, different
    authors concurrently. Locks are dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class DiscordSession:
    """One login: the client, its executor, the moderator and the commands, for the given services."""

    def __init__(self, services: Services, **client_options: Any) -> None:
        config = services.config
        dc = config.discord
        self.token = dc.token.get_secret_value().strip() if dc.token else ""
        if not self.token:
            raise ConfigurationError("no Discord token: set DISCORD_BOT_TOKEN (or discord.token in the config)")
        self.services = services
        self.config = config
        self.chat_settings = services.chat_settings
        self.api_base_url = api_base(dc.api_base_url) if dc.api_base_url else None
        self.gateway_url = gateway(dc.gateway_url) if dc.gateway_url else None
        self.guild_ids: set[int] = {int(g) for g in dc.guilds}
        self.moderator_roles = tuple(dc.moderator_roles)
        self.fixed_shard_count = dc.shard_count  # None: none, or as many as Discord recommends (shards: auto)
        self.client = make_client(self, dc, **client_options)
        self.connected_shards: set[int] = set()
        self.executor = DiscordExecutor(self.client, mod_log_channel_id=dc.mod_log_channel_id)
        self.moderator = services.moderator(self.executor)
        self.commands = DiscordCommands(self, services.commands(self.executor))
        self._order = _KeyedLocks()
        self._task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    # ---- lifecycle ----
    async def setup(self) -> None:
        """After login, before the gateway: persistent buttons, then slash commands (synced)."""
        self.client.add_dynamic_items(ReviewButton)
        me = self.client.user
        if me is not None:
            self.moderator.self_ids.update({str(me.id), f"discord:{me.id}"})
        app = self.client.application
        if app is not None and not (app.flags.gateway_message_content or app.flags.gateway_message_content_limited):
            log.error("discord: the MESSAGE CONTENT intent is not enabled for this application; enable it in the "
                      "developer portal (Bot > Privileged Gateway Intents), see the README, section Discord")
        self.commands.register(self.client.tree)
        await self.commands.sync(self.client.tree)

    def on_connect(self) -> None:
        # discord.py resumes at the resume_gateway_url Discord sent; with a gateway proxy configured, keep
        # resuming through the proxy too.
        if self.gateway_url is not None and self.client.ws is not None:
            self.client.ws.gateway = self.gateway_url
        self.ready.set()

    def on_shard_connect(self, shard_id: int) -> None:
        """Sharded: the same resume routing for each shard; ready once every shard of this process is up."""
        if self.gateway_url is not None and isinstance(self.client, ShardedLeekGuardClient):
            self.client.shard_websocket(shard_id).gateway = self.gateway_url  # as on_connect does, per shard
        self.connected_shards.add(shard_id)
        if self.connected_shards.issuperset(self.shard_ids()):
            self.ready.set()

    def shard_ids(self) -> list[int]:
        """The shards this process runs (known once discord.py has the shard count: after connecting)."""
        client = self.client
        if not isinstance(client, ShardedLeekGuardClient) or client.shard_count is None:
            return []
        return list(client.shard_ids or range(client.shard_count))

    def describe_shards(self) -> str:
        """For the start-up log: one connection, or which shards of how many run here."""
        if not isinstance(self.client, ShardedLeekGuardClient):
            return "one gateway connection, no shards (discord.shards: auto or --shard-ids to scale out)"
        ids, count = self.shard_ids(), self.client.shard_count
        how = "discord.shards: auto, as many as Discord recommends" if self.fixed_shard_count is None else \
            "discord.shard_ids / shard_count"
        return f"shards {', '.join(map(str, ids))} of {count} in this process ({how})"

    async def start(self) -> None:
        """Log in (fails fast on a bad token), sync commands, connect; returns once the session is up."""
        route_through(self.api_base_url, self.gateway_url and str(self.gateway_url))
        try:
            await self.client.login(self.token)
        except discord.LoginFailure:
            await self.client.close()
            raise AdapterStopped("Discord rejected the bot token (401): check DISCORD_BOT_TOKEN") from None
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(self.ready.wait())
        try:
            done, _ = await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._task in done:  # connect() ended before READY: intents refused, bad token at the gateway...
            await self.stop()
            self.gateway_result()
            raise ConnectionError("discord: the gateway closed before the session started")
        log.info("discord: connected as %s: %s", self.client.user, self.describe_shards())
        where = (f"channel {self.executor.mod_log_channel_id} (discord.mod_log_channel_id)"
                 if self.executor.mod_log_channel_id else
                 "each server's mod-log channel (/settings channel:, or a channel named mod-log)")
        log.info("discord: incident notices go to %s, never to the channel of the scam; without one they are "
                 "skipped and /incidents lists them", where)
        freeze_startup_objects()

    def gateway_result(self) -> None:
        """Re-raise why the gateway task ended, as something `leekguard run` can act on."""
        if self._task is None or not self._task.done() or self._task.cancelled():
            return
        exc = self._task.exception()
        if isinstance(exc, discord.PrivilegedIntentsRequired):
            raise AdapterStopped("Discord refused the MESSAGE CONTENT intent: enable it in the developer portal "
                                 "(Bot > Privileged Gateway Intents), see the README, section Discord") from None
        if exc is not None:
            raise exc

    async def wait(self) -> None:
        """Until the gateway gives up for good (discord.py reconnects and resumes by itself before that)."""
        if self._task is not None:
            await asyncio.wait({self._task})
            self.gateway_result()

    async def stop(self) -> None:
        if not self.client.is_closed():
            await self.client.close()
        if self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 10)
            except (asyncio.TimeoutError, Exception):
                self._task.cancel()

    # ---- moderation ----
    def moderates(self, message: discord.Message) -> bool:
        """Guild messages from people (not bots or webhooks), in allowed servers and enabled channels."""
        guild = message.guild
        if guild is None or message.author.bot or message.webhook_id is not None:
            return False
        if message.type not in MODERATED_TYPES:
            return False
        if self.guild_ids and guild.id not in self.guild_ids:
            return False
        disabled = self.config.guards.disabled_chats
        channels = (message.channel.id, getattr(message.channel, "parent_id", None))  # a thread: its channel too
        return not any(f"discord:{c}" in disabled for c in channels if c)

    async def on_message(self, message: discord.Message, *, edited: bool = False) -> None:
        if not self.moderates(message):
            return
        msg = to_message(message, moderator_roles=self.moderator_roles, edited=edited)
        self.executor.remember(message)
        try:
            async with self._order.hold((msg.chat_id, msg.author.id)):
                await self.moderator.handle(msg)
        finally:
            self.executor.forget(message.id)

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if message.edited_at is None:
            return  # an embed unfurl, not an edit by the author
        await self.on_message(message, edited=True)  # the same verdict again is recognised by the store

    def text_channel_in(self, guild: discord.Guild | None, value: str) -> discord.TextChannel | None:
        """A text channel of `guild` named by id, <#id> mention or name."""
        if guild is None:
            return None
        value = value.strip().removeprefix("<#").removesuffix(">").lstrip("#")
        if value.isdigit():
            found = guild.get_channel(int(value))
            return found if isinstance(found, discord.TextChannel) else None
        return discord.utils.get(guild.text_channels, name=value)

    async def on_review_button(self, interaction: discord.Interaction, verb: str, incident_id: int) -> None:
        await self.commands.on_review_button(interaction, verb, incident_id)


class DiscordAdapter:
    """What `leekguard run` starts (cli/wiring.py): one DiscordSession per run, a new one after a failure."""

    name = "discord"

    def __init__(self, **client_options: Any) -> None:
        self.client_options = client_options
        self.session: DiscordSession | None = None
        self.ready = asyncio.Event()  # set while a session is connected (for tests and benchmarks)

    async def run(self, services: Services) -> None:
        try:
            self.session = DiscordSession(services, **self.client_options)
        except ConfigurationError as exc:
            raise AdapterStopped(str(exc)) from None
        try:
            await self.session.start()
            self.ready.set()
            await self.session.wait()
        finally:
            self.ready.clear()
            await self.session.stop()
