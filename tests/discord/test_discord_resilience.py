"""The Discord adapter when things go wrong: dropped gateway, rate limits, refused intents and tokens,
and the token never reaching a log line."""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import pytest
from click.testing import CliRunner

from adapters.discord.adapter import DiscordAdapter
from bot.chat_settings import ChatSettingsService
from bot.runner import AdapterStopped, Services
from bot.store.service import IncidentStore
from cli.main import main as cli
from fake_platforms.discord_harness import CREATE_MESSAGE, DiscordWorld, eventually, make_config, running_bot
from fake_platforms.discord_server import FakeDiscord
from tests.support.bot_core import real_engine

SCAMS = [
    "Sora内测账号 只要299 加V私聊 wx: abc123",
    "ChatGPT Plus 共享账号 月付 19.9 包售后，私聊我 vx: gpt_share88",
    "AI副业课程 月入过万 原价1999 现在只要99 扫码进群",
]


@pytest.fixture
def engine():
    return real_engine()


@pytest.fixture
async def fake():
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
def world(fake):
    return DiscordWorld.build(fake)


def warnings_for(fake, message_ids) -> list:
    """Full warnings that reply to these messages (a repeat's one-line mark does not count)."""
    return [c for c in replies_for(fake, message_ids) if "见上方提醒" not in str(c.body)]


def replies_for(fake, message_ids) -> list:
    wanted = {int(m) for m in message_ids}
    return [c for c in fake.calls_to(CREATE_MESSAGE, status=200)
            if (c.body.get("message_reference") or {}).get("message_id") in wanted]


@pytest.mark.parametrize("how", ["network failure", "close frame 4000"])
async def test_a_dropped_gateway_connection_is_resumed_and_nothing_is_lost(fake, world, engine, tmp_path, how):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        await fake.drop_gateway(None if how == "network failure" else 4000)
        # Discord keeps what happens meanwhile and replays it after the RESUME
        posted = [await fake.post(world.guild, world.general, user, text)
                  for user, text in zip((world.alice, world.bob, world.alice), SCAMS)]
        incidents = await bot.incidents(world.guild.id, count=3, timeout=10)
        assert {i.message_id for i in incidents} == {m["id"] for m in posted}
        assert len(warnings_for(fake, [m["id"] for m in posted])) == 2  # alice: one full warning per burst
        assert await eventually(lambda: _true(len(replies_for(fake, [posted[2]["id"]])) == 1))  # her second: a mark
        assert fake.gateway.identifies == 1 and fake.gateway.resumes == 1  # a resume, not a new session
        # with a gateway URL configured, the resume goes through it too (not Discord's resume_gateway_url)
        assert fake.gateway.paths == ["/gateway", "/gateway"]
        # and the bot keeps serving afterwards
        late = await fake.post(world.guild, world.general, world.bob, "Claude Pro 账号合租 季付 59，私信 tg @cs")
        await bot.incidents(world.guild.id, count=4)
        assert len(warnings_for(fake, [late["id"]])) == 0  # bob was already warned in this burst
        assert await eventually(lambda: _true(len(replies_for(fake, [late["id"]])) == 1))  # but it is marked


async def test_an_unresumable_session_starts_a_new_one(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        bot.session.client.before_identify_hook = _no_identify_pause  # discord.py waits 5 s by default
        fake.gateway.sessions.clear()  # Discord forgot the session: RESUME gets INVALID_SESSION
        await fake.drop_gateway()
        await eventually(lambda: _true(fake.gateway.identifies == 2 and fake.gateway.connected.is_set()), 10)
        assert fake.gateway.failed_resumes == 1
        await fake.post(world.guild, world.general, world.alice, SCAMS[0])
        await bot.incidents(world.guild.id)


async def _true(value: bool) -> bool:
    return value


async def _no_identify_pause(shard_id, *, initial: bool = False) -> None:
    return None


async def test_rate_limits_are_waited_out_not_dropped(fake, world, engine, tmp_path):
    fake.fail(CREATE_MESSAGE, status=429, retry_after=0.4, times=1)
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        started = time.perf_counter()
        scam = await fake.post(world.guild, world.general, world.alice, SCAMS[0])
        [incident] = await bot.incidents(world.guild.id, timeout=10)
    statuses = [c.status for c in fake.calls_to(CREATE_MESSAGE, status=None)]
    assert statuses == [429, 200, 200]  # the warning waited, then went through; then the notice
    ok = fake.calls_to(CREATE_MESSAGE, status=200)
    assert ok[0].at - started >= 0.4  # retry_after honoured
    assert len(warnings_for(fake, [scam["id"]])) == 1  # exactly one warning, no duplicate
    assert [r["status"] for r in incident.action_results] == ["done", "done"]


async def test_a_transient_server_error_is_retried(fake, world, engine, tmp_path):
    fake.fail(CREATE_MESSAGE, status=500, times=1)  # discord.py retries 5xx after 1 s
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        scam = await fake.post(world.guild, world.general, world.alice, SCAMS[0])
        [incident] = await bot.incidents(world.guild.id, timeout=10)
    assert [c.status for c in fake.calls_to(CREATE_MESSAGE, status=None)] == [500, 200, 200]
    assert len(warnings_for(fake, [scam["id"]])) == 1
    assert [r["status"] for r in incident.action_results] == ["done", "done"]


async def test_a_real_bucket_is_respected(fake, world, engine, tmp_path):
    """Discord's X-RateLimit headers say 2 per half second on this channel: discord.py spaces the warnings."""
    fake.rate_limit(CREATE_MESSAGE, limit=2, per=0.5)
    users = [world.guild.add_member(f"user{i}") for i in range(4)]
    async with running_bot(fake, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}) as bot:
        for user, text in zip(users, SCAMS + ["Midjourney 会员账号出租 一个月只要 39 元，加微信 mj_rent2024"]):
            await fake.post(world.guild, world.general, user, text)
        incidents = await bot.incidents(world.guild.id, count=4, timeout=10)
    assert all(i.action_results[0]["status"] == "done" for i in incidents)
    ok = fake.calls_to(CREATE_MESSAGE, status=200)
    assert len(ok) == 4 and ok[-1].at - ok[0].at >= 0.45  # the third and fourth waited for the next window


async def test_a_rejected_token_stops_the_adapter_with_a_clear_reason(fake, world, engine, tmp_path):
    config = make_config(fake, tmp_path / "lg.db", discord={"token": "not-the-token"})
    async with await IncidentStore.open(str(tmp_path / "lg.db")) as store:
        services = Services(config=config, engine=engine, store=store,
                            chat_settings=ChatSettingsService(config, store))
        with pytest.raises(AdapterStopped, match="rejected the bot token"):
            await asyncio.wait_for(DiscordAdapter().run(services), 10)
    assert fake.unauthorized == 1


async def test_message_content_intent_not_enabled_stops_the_adapter(engine, tmp_path):
    async with FakeDiscord(privileged_intents_enabled=()) as fake:
        DiscordWorld.build(fake)
        config = make_config(fake, tmp_path / "lg.db")
        async with await IncidentStore.open(str(tmp_path / "lg.db")) as store:
            services = Services(config=config, engine=engine, store=store,
                                chat_settings=ChatSettingsService(config, store))
            with pytest.raises(AdapterStopped, match="MESSAGE CONTENT intent"):
                await asyncio.wait_for(DiscordAdapter(guild_ready_timeout=0.05).run(services), 10)


async def test_the_token_never_reaches_a_log_line(fake, world, engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="discord.gateway")  # an earlier CLI test may have quietened it
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        await fake.post(world.guild, world.general, world.alice, SCAMS[1])
        await bot.incidents(world.guild.id)
        await fake.drop_gateway()
        await eventually(lambda: _true(fake.gateway.resumes == 1), 10)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "discord.gateway" in {r.name for r in caplog.records}  # discord.py did log, at DEBUG
    assert fake.token not in logged


async def test_command_sync_failure_does_not_stop_moderation(fake, world, engine, tmp_path, caplog):
    guilds = {"guilds": [int(world.guild.id), 424242424242424242]}  # the second is not a server of the bot
    async with running_bot(fake, engine, tmp_path / "lg.db", discord=guilds) as bot:
        await fake.post(world.guild, world.general, world.alice, SCAMS[0])
        await bot.incidents(world.guild.id)
    assert world.guild.id in fake.commands
    assert "cannot sync commands to server 424242424242424242" in caplog.text


def test_invite_url_command():
    token = base64.b64encode(b"1234567890123456789").decode().rstrip("=") + ".Gx.abc"
    result = CliRunner().invoke(cli, ["discord", "invite-url"], env={"DISCORD_BOT_TOKEN": token})
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=1234567890123456789")
    assert "scope=bot+applications.commands" in url
    # view channel, send, embed links, read history, manage messages, moderate members, ban members
    permissions = int(url.split("permissions=")[1].split("&")[0])
    for bit in (10, 11, 14, 16, 13, 40, 2):
        assert permissions & (1 << bit)
    assert token not in result.output
    missing = CliRunner().invoke(cli, ["discord", "invite-url"], env={"DISCORD_BOT_TOKEN": ""})
    assert missing.exit_code == 2 and "--client-id" in missing.output


async def test_heartbeats_keep_the_session_alive(engine, tmp_path):
    async with FakeDiscord(heartbeat_interval=0.1) as fake:
        world = DiscordWorld.build(fake)
        async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
            await eventually(lambda: _true(fake.gateway.heartbeats >= 4), 3)
            assert bot.session.client.latency < 1.0  # every heartbeat was acknowledged
            assert fake.gateway.identifies == 1 and fake.gateway.resumes == 0
            await fake.post(world.guild, world.general, world.alice, SCAMS[0])
            await bot.incidents(world.guild.id)
        heartbeats = [p for p in fake.gateway.received if p["op"] == 1]
        assert all(isinstance(p["d"], int) for p in heartbeats[1:])  # they carry the last sequence number
