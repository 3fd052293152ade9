"""Run the real Discord adapter (real discord.py, engine and store) against the fake Discord.

    world = DiscordWorld.build(fake)                       # a server with #general, #mod-log, members, roles
    async with running_bot(fake, engine, tmp_path / "lg.db", policy={...}) as bot:
        msg = await fake.post(world.guild, world.general, world.alice, "...")
        call = await fake.wait_for_call("POST /channels/{channel_id}/messages")
        await bot.incidents(world.guild.id)

Shared by tests/discord/ and bench/bench_discord.py.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from adapters.discord.adapter import DiscordAdapter
from bot.chat_settings import ChatSettingsService
from bot.config import Config
from bot.images.moderation import ImageChecks
from bot.runner import Services
from bot.store.service import IncidentStore
from fake_platforms import discord_payloads as P
from fake_platforms.bot_harness import RunningBot, eventually, started  # noqa: F401 (re-exported for the tests)
from fake_platforms.discord_server import FakeDiscord
from fake_platforms.discord_world import FakeGuild

CREATE_MESSAGE = "POST /channels/{channel_id}/messages"


@dataclass
class DiscordWorld:
    guild: FakeGuild
    general: str  # channel ids
    mod_log: str
    mod_role: str
    alice: str  # user ids
    bob: str
    mod: str  # has the Moderators role (Manage Messages)
    helper: str  # has the configured moderator role "Helpers" (no Manage Messages)

    @classmethod
    def build(cls, fake: FakeDiscord, name: str = "AI 学习交流群", *,
              shard: tuple[int, int] | None = None) -> "DiscordWorld":
        """shard=(id, count): a server that Discord routes to that shard."""
        guild = fake.add_guild(name, shard=shard)
        general = guild.add_channel("general")
        mod_log = guild.add_channel("mod-log")
        mod_role = guild.add_role("Moderators", P.EVERYONE_DEFAULT | P.MANAGE_MESSAGES)
        helper_role = guild.add_role("Helpers", P.EVERYONE_DEFAULT)
        return cls(guild=guild, general=general, mod_log=mod_log, mod_role=mod_role,
                   alice=guild.add_member("alice"), bob=guild.add_member("bob"),
                   mod=guild.add_member("mod", roles=[mod_role]), helper=guild.add_member("helper", roles=[helper_role]))


def make_config(fake: FakeDiscord, db: Path, **sections: Any) -> Config:
    discord = {"token": fake.token, "api_base_url": fake.api_base, "gateway_url": fake.gateway_url,
               "moderator_roles": ["Helpers"], "guilds": [int(g) for g in fake.guilds],
               **sections.pop("discord", {})}
    return Config.model_validate({"database": str(db), "discord": discord, **sections})


async def open_images(config: Config, engine: Any, analyzer: Any) -> ImageChecks | None:
    return await ImageChecks.open(config, engine, analyzer=analyzer, warm_up=analyzer is None)


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, engine: Any, db: Path, *, store: Any = None, analyzer: Any = None,
                      **sections: Any) -> AsyncIterator[RunningBot]:
    """sections: config sections (policy=..., guards=..., chats=..., discord=... extra keys).
    With images={"enabled": True} the image checks run, on `analyzer` (an ImageAnalyzer to reuse) if given."""
    config = make_config(fake, db, **sections)
    own_store = store is None
    if own_store:
        store = await IncidentStore.open(str(db), synchronous="NORMAL")
    services = Services(config=config, engine=engine, store=store, chat_settings=ChatSettingsService(config, store),
                        images=await open_images(config, engine, analyzer))
    try:
        # the fake gateway has no IDENTIFY rate limit: shards need not wait discord.py's 5 s between them
        adapter = DiscordAdapter(guild_ready_timeout=0.05, identify_pause=0.05)
        async with started(adapter, services, "discord") as bot:
            yield bot
    finally:
        if services.images is not None:
            await services.images.close()
        if own_store:
            await store.close()
