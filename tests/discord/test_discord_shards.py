"""Discord shards end to end: real discord.py (AutoShardedClient) against the fake gateway, which routes each
server to shard (guild_id >> 22) % shard_count as Discord does, and only to that shard's connection."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from fake_platforms.discord_harness import CREATE_MESSAGE, DiscordWorld, eventually, running_bot
from fake_platforms.discord_server import FakeDiscord
from tests.support.bot_core import real_engine

ROOT = Path(__file__).resolve().parents[2]
SCAM = "Sora内测账号 只要299 加V私聊 wx: abc123"
SCAM_EN = "GPT-5 API key unlimited, only $9.9, DM me on telegram @cheapgpt"


@pytest.fixture
def engine():
    return real_engine()


def warned(fake: FakeDiscord, message: dict) -> list:
    """The bot's replies to a message (warnings reply to the scam)."""
    return [c for c in fake.calls_to(CREATE_MESSAGE, 200)
            if ((c.body or {}).get("message_reference") or {}).get("message_id") == int(message["id"])]


def delivered_on(fake: FakeDiscord, shard_id: int, message: dict) -> bool:
    sent = fake.gateway.shards[shard_id].buffer  # every event the shard's session carried
    return any(p["t"] == "MESSAGE_CREATE" and p["d"]["id"] == message["id"] for p in sent)


async def test_shards_auto_identifies_every_recommended_shard_and_moderates_each_servers_shard(
        engine, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with FakeDiscord(recommended_shards=2) as fake:
        first = DiscordWorld.build(fake, "AI 学习群", shard=(0, 2))
        second = DiscordWorld.build(fake, "AI 副业群", shard=(1, 2))
        guilds = [int(first.guild.id), int(second.guild.id)]
        async with running_bot(fake, engine, tmp_path / "lg.db", discord={"shards": "auto", "guilds": guilds}) \
                as bot:
            assert fake.gateway.identified_shards == [[0, 2], [1, 2]]  # asked /gateway/bot, then one per shard
            client = bot.session.client
            assert [client.get_guild(g).shard_id for g in guilds] == [0, 1]
            on_second = await fake.post(second.guild, second.general, second.alice, SCAM)
            on_first = await fake.post(first.guild, first.general, first.bob, SCAM_EN)
            await bot.incidents(second.guild.id)
            await bot.incidents(first.guild.id)
            assert await eventually(lambda: _true(len(warned(fake, on_second)) == len(warned(fake, on_first)) == 1))
            # each message travelled on its own server's shard only
            assert [delivered_on(fake, shard, on_second) for shard in (0, 1)] == [False, True]
            assert [delivered_on(fake, shard, on_first) for shard in (0, 1)] == [True, False]
        assert "shards 0, 1 of 2 in this process (discord.shards: auto" in caplog.text
        assert fake.token not in caplog.text


async def test_a_process_given_shard_1_of_2_identifies_only_that_shard_and_leaves_the_other_alone(
        engine, tmp_path):
    async with FakeDiscord(recommended_shards=2) as fake:
        mine = DiscordWorld.build(fake, "AI 副业群", shard=(1, 2))
        other = DiscordWorld.build(fake, "AI 学习群", shard=(0, 2))
        guilds = [int(mine.guild.id), int(other.guild.id)]
        shards = {"shard_ids": [1], "shard_count": 2, "guilds": guilds}
        async with running_bot(fake, engine, tmp_path / "lg.db", discord=shards) as bot:
            assert fake.gateway.identified_shards == [[1, 2]]
            assert [g.id for g in bot.session.client.guilds] == [int(mine.guild.id)]  # it only hears of its own
            elsewhere = await fake.post(other.guild, other.general, other.alice, SCAM)  # shard 0: another process
            here = await fake.post(mine.guild, mine.general, mine.alice, SCAM)
            await bot.incidents(mine.guild.id)
            assert await eventually(lambda: _true(len(warned(fake, here)) == 1))
            assert warned(fake, elsewhere) == [] and await bot.store.list(chat=f"discord:{other.guild.id}") == []


async def test_a_dropped_shard_resumes_through_the_gateway_proxy_and_nothing_is_lost(engine, tmp_path):
    async with FakeDiscord(recommended_shards=2) as fake:
        first = DiscordWorld.build(fake, "AI 学习群", shard=(0, 2))
        second = DiscordWorld.build(fake, "AI 副业群", shard=(1, 2))
        guilds = [int(first.guild.id), int(second.guild.id)]
        async with running_bot(fake, engine, tmp_path / "lg.db", discord={"shards": "auto", "guilds": guilds}) \
                as bot:
            await fake.drop_gateway(shard=1)  # a network failure on shard 1 only
            scam = await fake.post(second.guild, second.general, second.alice, SCAM)  # kept for the RESUME
            [incident] = await bot.incidents(second.guild.id, timeout=10)
            assert incident.message_id == scam["id"]
            assert fake.gateway.identifies == 2 and fake.gateway.resumes == 1  # shard 1 resumed its session
            assert fake.gateway.paths == ["/gateway", "/gateway", "/gateway"]  # the resume too, not Discord's URL


async def test_leekguard_run_with_shard_ids_and_count_serves_only_its_shard(tmp_path):
    async with FakeDiscord(recommended_shards=4) as fake:
        mine = DiscordWorld.build(fake, "AI 副业群", shard=(1, 2))
        env = {**os.environ, "DISCORD_BOT_TOKEN": fake.token, "DISCORD_API_BASE_URL": fake.api_base,
               "DISCORD_GATEWAY_URL": fake.gateway_url, "LEEKGUARD_DB": str(tmp_path / "run.db"),
               "PYTHONPATH": str(ROOT)}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "run", "--shard-ids", "1", "--shard-count", "2", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await eventually(lambda: _true(fake.gateway.connected.is_set()), timeout=30)
            assert fake.gateway.identified_shards == [[1, 2]]  # the count given, not the 4 Discord recommends
            scam = await fake.post(mine.guild, mine.general, mine.alice, SCAM)
            await fake.wait_for_call(CREATE_MESSAGE, lambda c: ((c.body or {}).get("message_reference") or {})
                                     .get("message_id") == int(scam["id"]), timeout=15)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        printed = (out + err).decode()
        assert proc.returncode == 0, printed[-2000:]
        assert "shards 1 of 2 in this process (discord.shard_ids / shard_count)" in printed
        assert fake.token not in printed


@pytest.mark.parametrize("args, expected", [
    (["--shard-ids", "0,2", "--shard-count", "2"],
     "config error: --shard-ids/--shard-count: shard_ids 2 out of range: with shard_count 2 the shard ids are 0 to 1"),
    (["--shard-ids", "1"], "config error: --shard-ids/--shard-count: shard_ids needs shard_count"),
    (["--shard-ids", "one", "--shard-count", "2"], "'one' is not a comma-separated list of shard ids"),
    (["--shard-count", "0"], "Invalid value for '--shard-count'"),
])
def test_leekguard_run_explains_shard_options_that_cannot_work(tmp_path, monkeypatch, args, expected):
    from click.testing import CliRunner

    from cli.main import main

    monkeypatch.chdir(tmp_path)
    for var in ("DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "LEEKGUARD_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 2 and expected in result.output, result.output
    assert "Traceback" not in result.output


async def _true(value: bool) -> bool:
    return value
