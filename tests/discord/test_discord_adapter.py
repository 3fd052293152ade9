"""The Discord adapter end to end: real discord.py, real engine, real store, fake Discord (REST + gateway).

Each test reads like a server: somebody posts, the bot answers (or does not), the incident log says why.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.texts import category_name
from fake_platforms import discord_payloads as P
from fake_platforms.discord_harness import CREATE_MESSAGE, DiscordWorld, eventually, running_bot
from fake_platforms.discord_server import FakeDiscord
from tests.support.bot_core import real_engine

SCAM = "Sora内测账号 只要299 加V私聊 wx: abc123"
SCAM_LINK = "GPT-5 API key 无限额度 只要9.9 私聊购买 https://t.me/cheapgpt_bot"
CLEAN = "anyone tried the new Sora video model? the official demo is on their blog"
EDIT_MEMBER = "PATCH /guilds/{guild_id}/members/{user_id}"


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


def in_channel(channel_id):
    return lambda call: call.params["channel_id"] == channel_id


async def sentinel(fake, world, bot) -> dict:
    """A scam from a newcomer, posted last: once it is handled, everything posted before it has been delivered
    and checked (the gateway delivers in order), so a warning that was not even started by then is not going to
    be. Actions on earlier messages may still be running alongside it: a test that asserts their results waits
    for them (_handled)."""
    newcomer = world.guild.add_member(f"newcomer{len(world.guild.members)}")
    msg = await fake.post(world.guild, world.general, newcomer, SCAM)
    await eventually(lambda: _handled(bot, msg["id"]))
    return msg


async def _handled(bot, message_id: str) -> bool:
    return any(i.message_id == message_id and i.action_results for i in await bot.store.list())


def replies_to(fake) -> set[str]:
    return {str(c.body["message_reference"]["message_id"]) for c in fake.calls_to(CREATE_MESSAGE, status=200)
            if c.body.get("message_reference")}


async def test_scam_gets_a_warning_reply_a_mod_log_notice_and_an_incident(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        scam = await fake.post(world.guild, world.general, world.alice, SCAM_LINK)
        warning = await fake.wait_for_call(CREATE_MESSAGE, in_channel(world.general))
        notice = await fake.wait_for_call(CREATE_MESSAGE, in_channel(world.mod_log))
        [incident] = await bot.incidents(world.guild.id)

    # the warning replies to the scam, pings nobody, and explains itself in an embed
    assert warning.body["message_reference"]["message_id"] == int(scam["id"])
    assert warning.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    [embed] = warning.body["embeds"]
    assert "LeekGuard" in embed["title"]
    assert category_name(incident.categories[0], "zh-Hans") in embed["title"]  # what kind of scam
    assert "证据：«" in embed["description"]  # evidence quoted
    assert "来源" in embed["description"] and "20" in embed["description"]  # statement with source and date
    assert "t.me" not in str(warning.body)  # the scammer's link is not repeated
    links = [c["url"] for row in warning.body.get("components", []) for c in row["components"] if c.get("url")]
    assert links and all(url.startswith(("https://chatgpt.com", "https://openai.com")) for url in links)

    # the notice carries the four review buttons for this incident
    assert notice.body["allowed_mentions"] == {"parse": []}
    custom_ids = [c["custom_id"] for row in notice.body["components"] for c in row["components"]]
    assert custom_ids == [f"leekguard:{verb}:{incident.id}" for verb in ("confirm", "dismiss", "ban", "undo")]
    assert f"#{incident.id}" in notice.body["embeds"][0]["title"]
    # the notice quotes the message, with the scammer's link as code: not clickable
    assert "`https://t.me/cheapgpt_bot`" in notice.body["embeds"][0]["description"]

    assert incident.verdict == "scam" and incident.message_id == scam["id"]
    assert incident.chat_id == world.guild.id and incident.author_id == world.alice
    assert [(r["action"], r["status"]) for r in incident.action_results] == [("warn", "done"),
                                                                           ("notify_admins", "done")]


async def test_clean_message_gets_nothing(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        await fake.post(world.guild, world.general, world.bob, CLEAN)
        last = await sentinel(fake, world, bot)
        assert replies_to(fake) == {last["id"]}
        assert [i.message_id for i in await bot.store.list()] == [last["id"]]


async def test_moderators_bots_and_allowlisted_users_are_not_acted_on(fake, world, engine, tmp_path):
    other_bot = world.guild.add_member("promo-bot", bot=True)
    guards = {"allowlist": [f"discord:{world.bob}"]}
    async with running_bot(fake, engine, tmp_path / "lg.db", guards=guards) as bot:
        await fake.post(world.guild, world.general, world.mod, SCAM)  # Manage Messages
        await fake.post(world.guild, world.general, world.helper, SCAM)  # configured moderator role "Helpers"
        await fake.post(world.guild, world.general, other_bot, SCAM)
        await fake.post(world.guild, world.general, world.bob, SCAM)  # allow-listed
        last = await sentinel(fake, world, bot)  # the same text from an ordinary member is acted on
        assert replies_to(fake) == {last["id"]}
        assert [i.message_id for i in await bot.store.list()] == [last["id"]]


async def test_one_full_warning_per_user_per_burst(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        await fake.post(world.guild, world.general, world.alice, SCAM)
        await fake.post(world.guild, world.general, world.alice, SCAM_LINK)
        incidents = await bot.incidents(world.guild.id, count=2)
        await eventually(lambda: _replied(fake, world.general, 2))
        warnings = [c for c in fake.calls_to(CREATE_MESSAGE) if c.params["channel_id"] == world.general]
        assert len(incidents) == 2 and len(warnings) == 2  # the second scam is marked too...
        assert sum("见上方提醒" in str(c.body) for c in warnings) == 1  # ...with one line, not a second warning


async def _replied(fake, channel_id, count: int) -> bool:
    return len([c for c in fake.calls_to(CREATE_MESSAGE) if c.params["channel_id"] == channel_id]) >= count


async def test_policy_delete_and_timeout(fake, world, engine, tmp_path):
    policy = {"scam": ["warn", "delete", "mute", "notify_admins"], "mute_seconds": "2h"}
    async with running_bot(fake, engine, tmp_path / "lg.db", policy=policy) as bot:
        scam = await fake.post(world.guild, world.general, world.alice, SCAM)
        deleted = await fake.wait_for_call("DELETE /channels/{channel_id}/messages/{message_id}")
        timeout = await fake.wait_for_call(EDIT_MEMBER)
        [incident] = await bot.incidents(world.guild.id)
    assert deleted.params["message_id"] == scam["id"] and scam["id"] in fake.deleted
    assert timeout.params["user_id"] == world.alice
    until = datetime.fromisoformat(timeout.body["communication_disabled_until"])
    assert 7100 < (until - datetime.now(timezone.utc)).total_seconds() <= 7200
    assert timeout.reason == f"LeekGuard incident #{incident.id}"  # the audit log says why
    assert [r["status"] for r in incident.action_results] == ["done"] * 4


async def test_a_failed_action_is_recorded_on_the_incident(fake, world, engine, tmp_path):
    world.guild.set_role_permissions(world.guild.bot_role, P.EVERYONE_DEFAULT)  # no Ban Members
    policy = {"scam": ["warn", "ban", "notify_admins"]}
    async with running_bot(fake, engine, tmp_path / "lg.db", policy=policy) as bot:
        await fake.post(world.guild, world.general, world.alice, SCAM)
        [incident] = await bot.incidents(world.guild.id)
    results = {r["action"]: r for r in incident.action_results}
    assert results["warn"]["status"] == "done" and results["notify_admins"]["status"] == "done"
    assert results["ban"]["status"] == "failed"
    assert "Ban Members" in results["ban"]["detail"] and "50013" in results["ban"]["detail"]
    assert world.alice not in world.guild.bans


async def test_an_edit_that_turns_a_message_into_a_scam_is_caught(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        msg = await fake.post(world.guild, world.general, world.alice, CLEAN)
        await fake.edit(msg["id"], SCAM)
        warning = await fake.wait_for_call(CREATE_MESSAGE, in_channel(world.general))
        [incident] = await bot.incidents(world.guild.id)
    assert warning.body["message_reference"]["message_id"] == int(msg["id"])
    assert incident.message_id == msg["id"] and incident.text == SCAM


async def test_dry_run_decides_and_records_but_does_not_act(fake, world, engine, tmp_path):
    policy = {"scam": ["warn", "delete", "notify_admins"], "dry_run": True}
    async with running_bot(fake, engine, tmp_path / "lg.db", policy=policy) as bot:
        await fake.post(world.guild, world.general, world.alice, SCAM)
        [incident] = await bot.incidents(world.guild.id)  # with its results: every action was decided
    assert fake.calls_to(CREATE_MESSAGE) == []
    assert fake.calls_to("DELETE /channels/{channel_id}/messages/{message_id}") == []
    assert {r["status"] for r in incident.action_results} == {"dry-run"}


async def test_servers_outside_the_allow_list_and_disabled_channels_are_ignored(fake, world, engine, tmp_path):
    other = fake.add_guild("Another server")
    other_general = other.add_channel("general")
    carol = other.add_member("carol")
    quiet = world.guild.add_channel("off-topic")
    discord_cfg = {"guilds": [int(world.guild.id)]}
    guards = {"disabled_chats": [f"discord:{quiet}"]}
    async with running_bot(fake, engine, tmp_path / "lg.db", discord=discord_cfg, guards=guards) as bot:
        await fake.post(other, other_general, carol, SCAM)
        await fake.post(world.guild, quiet, world.alice, SCAM)
        last = await sentinel(fake, world, bot)
        assert replies_to(fake) == {last["id"]}
        assert [i.message_id for i in await bot.store.list()] == [last["id"]]


def test_proxy_addresses_are_checked_and_completed():
    from adapters.discord.adapter import ConfigurationError, api_base, gateway

    assert api_base("http://rest-proxy:8080/") == "http://rest-proxy:8080/api/v10"
    assert api_base("https://proxy.example/api/v10") == "https://proxy.example/api/v10"
    assert str(gateway("ws://gateway-proxy:7878")) == "ws://gateway-proxy:7878"
    with pytest.raises(ConfigurationError, match="api_base_url"):
        api_base("rest-proxy:8080")
    with pytest.raises(ConfigurationError, match="gateway_url"):
        gateway("http://gateway-proxy:7878")


async def test_three_scams_from_one_sender_are_each_marked_with_one_full_warning(fake, world, engine, tmp_path,
                                                                                  caplog):
    caplog.set_level("INFO")
    scams = ["出售Sora内测账号，只要299，加V私聊", "GPT-5 内测邀请码 99元一个 私聊我",
             "Midjourney 永久会员 低价出售 加微信 mj8888"]
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        posted = [await fake.post(world.guild, world.general, world.alice, text) for text in scams]
        await sentinel(fake, world, bot)
        for p in posted:  # alice's burst is handled in order, but alongside the newcomer's sentinel, not before it
            await eventually(lambda p=p: _handled(bot, p["id"]))
        incidents = await bot.incidents(world.guild.id)
    marks = {str(c.body["message_reference"]["message_id"]): c.body for c in fake.calls_to(CREATE_MESSAGE, status=200)
             if c.body.get("message_reference")}
    assert all(p["id"] in marks for p in posted)  # every scam is marked for members
    first, *later = [marks[p["id"]] for p in posted]
    assert first["embeds"] and "来源" in first["embeds"][0]["description"]  # one full warning with its citation
    for body in later:  # then one line that points to it
        text = body.get("content") or "".join(e.get("description", "") + e.get("title", "") for e in body["embeds"])
        assert "见上方提醒" in text and len(text) < 120
    notices = [c for c in fake.calls_to(CREATE_MESSAGE, status=200)
               if c.params["channel_id"] == world.mod_log and str(world.alice) in str(c.body)]
    assert len(notices) == 1  # admins hear of alice once in the burst
    assert len([i for i in incidents if i.author_id == world.alice]) == 3
    assert "incident notices go to each server's mod-log channel" in caplog.text  # the start-up log says where
