"""Discord slash commands, the "Check for scam" context menu and the mod-log buttons, end to end."""

from __future__ import annotations

import re

import pytest

from bot.texts import t
from fake_platforms import discord_payloads as P
from fake_platforms.discord_harness import CREATE_MESSAGE, DiscordWorld, running_bot
from fake_platforms.discord_server import FakeDiscord
from tests.support.bot_core import real_engine

SCAM = "ChatGPT Plus 共享账号 月付 19.9 包售后，私聊我 vx: gpt_share88"
# Reviews teach the shared engine: each test that reviews uses a text of its own, and undoes a dismissal
CONFIRMED = "Claude Pro 账号合租 季付 59，名额有限，私信 tg @claude_share"
DISMISSED = "Midjourney 会员账号出租 一个月只要 39 元，加微信 mj_rent2024"
RESTARTED = "DeepSeek API 中转 不限量 0.1元/百万token 加QQ 123456789"
CLEAN = "今天的 Claude 更新挺好用的，官方博客有说明"
ADMIN_COMMANDS = ("incidents", "review", "undo", "settings", "stats")


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


def text_of(message: dict) -> str:
    """What a reader sees in the message's embed (markdown escapes removed)."""
    embed = message["embeds"][0]
    return re.sub(r"\\(.)", r"\1", f"{embed.get('title') or ''}\n{embed.get('description') or ''}")


async def notice_for_scam(fake, world, bot, text=SCAM):
    """Post a scam; return (incident, mod-log notice message)."""
    await fake.post(world.guild, world.general, world.alice, text)
    await fake.wait_for_call(CREATE_MESSAGE, lambda c: c.params["channel_id"] == world.mod_log)
    [incident] = await bot.incidents(world.guild.id)
    [notice] = fake.messages_in(world.mod_log, by_bot=True)
    return incident, notice


async def test_commands_are_synced_to_the_configured_server_with_permissions(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db"):
        commands = {(c["name"], c["type"]): c for c in fake.commands[world.guild.id].values()}
    assert None not in fake.commands  # configured servers: no global sync
    assert set(commands) == {("check", 1), ("Check for scam", 3), *((name, 1) for name in ADMIN_COMMANDS)}
    for name in ADMIN_COMMANDS:  # hidden from members without Manage Messages
        assert commands[(name, 1)]["default_member_permissions"] == str(P.MANAGE_MESSAGES)
    assert commands[("check", 1)]["default_member_permissions"] is None  # anyone may check
    assert commands[("check", 1)]["description_localizations"]["zh-CN"].startswith("检查")


async def test_commands_sync_globally_without_configured_servers(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db", discord={"guilds": []}):
        assert {c["name"] for c in fake.commands[None].values()} >= {"check", "Check for scam", "review"}
    assert world.guild.id not in fake.commands


async def test_check_answers_only_the_asker(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db"):
        asked = await fake.slash(world.guild, world.general, world.alice, "check", text=SCAM)
        answer = await asked.wait_answer()
        assert asked.ephemeral
        assert "诈骗" in text_of(answer) and "共享账号" in text_of(answer)  # verdict and evidence
        assert t("check.never_acts", "zh-Hans") in text_of(answer)
        clean = await fake.slash(world.guild, world.general, world.bob, "check", text=CLEAN)
        assert t("label.clean", "zh-Hans") in text_of(await clean.wait_answer()) and clean.ephemeral
        assert fake.calls_to(CREATE_MESSAGE) == []  # nothing said in the channel


async def test_answers_use_the_askers_discord_language(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db"):
        asked = await fake.slash(world.guild, world.general, world.bob, "stats", enforce_permissions=False,
                                 locale="en-US")
        assert t("admins_only", "en") in text_of(await asked.wait_answer())


async def test_context_menu_checks_the_message_ephemerally(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db", policy={"scam": []}):
        target = await fake.post(world.guild, world.general, world.bob, SCAM)
        asked = await fake.context_menu(world.guild, world.general, world.alice, "Check for scam", target["id"])
        answer = await asked.wait_answer()
        assert asked.ephemeral and "诈骗" in text_of(answer) and "ChatGPT" in text_of(answer)


async def test_a_non_moderators_button_press_is_refused(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        incident, notice = await notice_for_scam(fake, world, bot)
        pressed = await fake.press(world.guild, notice["id"], f"leekguard:confirm:{incident.id}", world.bob)
        refusal = await pressed.wait_answer()
        assert pressed.ephemeral and t("admins_only", "zh-Hans") in text_of(refusal)
        assert (await bot.store.get(incident.id)).state == "open"
        assert fake.messages[notice["id"]]["embeds"] == notice["embeds"]  # notice unchanged


async def test_a_moderator_confirms_from_the_notice(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        incident, notice = await notice_for_scam(fake, world, bot, CONFIRMED)
        pressed = await fake.press(world.guild, notice["id"], f"leekguard:confirm:{incident.id}", world.mod)
        updated = await pressed.wait_answer()
        assert not pressed.ephemeral and pressed.callback["type"] == 7  # the notice itself is updated
        assert "@mod" in updated["embeds"][0]["fields"][-1]["value"]
        assert updated["components"] == notice["components"]  # buttons stay (Undo)
        reviewed = await bot.store.get(incident.id)
        assert reviewed.state == "confirmed" and "mod" in reviewed.reviewed_by
        # the configured moderator role may press too: Undo reopens the incident
        undo = await fake.press(world.guild, notice["id"], f"leekguard:undo:{incident.id}", world.helper)
        await undo.wait_answer()
        assert (await bot.store.get(incident.id)).state == "open"


async def test_ban_button_bans_the_author(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        incident, notice = await notice_for_scam(fake, world, bot)
        pressed = await fake.press(world.guild, notice["id"], f"leekguard:ban:{incident.id}", world.mod)
        await pressed.wait_answer()
        ban = await fake.wait_for_call("PUT /guilds/{guild_id}/bans/{user_id}")
        assert ban.params["user_id"] == world.alice and world.alice in world.guild.bans
        results = (await bot.store.get(incident.id)).action_results
        assert results[-1]["action"] == "ban" and results[-1]["status"] == "done"


async def test_undo_removes_leekguards_timeout_and_ban(fake, world, engine, tmp_path):
    edit_member = "PATCH /guilds/{guild_id}/members/{user_id}"
    policy = {"scam": ["warn", "delete", "mute", "notify_admins"]}
    async with running_bot(fake, engine, tmp_path / "lg.db", policy=policy) as bot:
        incident, notice = await notice_for_scam(fake, world, bot)
        assert world.guild.members[world.alice]["communication_disabled_until"] is not None  # timed out
        pressed = await fake.press(world.guild, notice["id"], f"leekguard:undo:{incident.id}", world.mod)
        updated = await pressed.wait_answer()
        lift = await fake.wait_for_call(edit_member, lambda c: c.body["communication_disabled_until"] is None)
        assert lift.params["user_id"] == world.alice and lift.reason == f"LeekGuard incident #{incident.id}"
        assert world.guild.members[world.alice]["communication_disabled_until"] is None
        outcome = updated["embeds"][0]["fields"][-1]["value"]
        lifted = t("undo.lifted", "zh-Hans", author=incident.author_name, what=t("undo.what.unmute", "zh-Hans"))
        assert lifted in outcome and t("undo.deleted_stays", "zh-Hans") in outcome

        banned = await fake.press(world.guild, notice["id"], f"leekguard:ban:{incident.id}", world.mod)
        await banned.wait_answer()
        assert world.alice in world.guild.bans
        undo = await fake.slash(world.guild, world.general, world.mod, "undo", id=incident.id)
        answer = await undo.wait_answer()
        unban = await fake.wait_for_call("DELETE /guilds/{guild_id}/bans/{user_id}")
        assert unban.params["user_id"] == world.alice and world.alice not in world.guild.bans
        assert t("undo.what.unban", "zh-Hans") in text_of(answer) and "解除" in text_of(answer)
        results = [(r["action"], r["status"]) for r in (await bot.store.get(incident.id)).action_results]
        assert results[-3:] == [("unmute", "done"), ("ban", "done"), ("unban", "done")]


async def test_buttons_keep_working_after_a_restart(fake, world, engine, tmp_path):
    db = tmp_path / "lg.db"
    async with running_bot(fake, engine, db) as bot:
        incident, notice = await notice_for_scam(fake, world, bot, RESTARTED)
    async with running_bot(fake, engine, db) as bot:  # a new process: nothing in memory about the notice
        pressed = await fake.press(world.guild, notice["id"], f"leekguard:dismiss:{incident.id}", world.mod)
        await pressed.wait_answer()
        assert (await bot.store.get(incident.id)).state == "dismissed"
        undo = await fake.press(world.guild, notice["id"], f"leekguard:undo:{incident.id}", world.mod)
        await undo.wait_answer()
        assert (await bot.store.get(incident.id)).state == "open"  # and what the dismissal taught is forgotten


async def test_admin_commands_are_checked_again_at_run_time(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        incident, _ = await notice_for_scam(fake, world, bot)
        with pytest.raises(PermissionError):  # Discord hides them from ordinary members...
            await fake.slash(world.guild, world.general, world.bob, "stats")
        for name, options in [("stats", {}), ("incidents", {}), ("settings", {}),
                              ("review", {"id": incident.id, "action": "confirm"})]:
            # ...unless a server grants them in its integration settings: LeekGuard still refuses
            asked = await fake.slash(world.guild, world.general, world.bob, name, enforce_permissions=False,
                                     **options)
            answer = await asked.wait_answer()
            assert asked.ephemeral and t("admins_only", "zh-Hans") in text_of(answer), name
        assert (await bot.store.get(incident.id)).state == "open"


async def test_moderator_reviews_and_lists_incidents(fake, world, engine, tmp_path):
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        incident, _ = await notice_for_scam(fake, world, bot, DISMISSED)
        listed = await fake.slash(world.guild, world.general, world.mod, "incidents", count=5)
        assert f"#{incident.id}" in text_of(await listed.wait_answer()) and listed.ephemeral
        # Helpers lack Manage Messages: the server granted them the command in its integration settings
        review = await fake.slash(world.guild, world.general, world.helper, "review", id=incident.id,
                                  action="dismiss", note="a real reseller we know", enforce_permissions=False)
        await review.wait_answer()
        reviewed = await bot.store.get(incident.id)
        assert reviewed.state == "dismissed" and reviewed.review_note == "a real reseller we know"
        stats = await fake.slash(world.guild, world.general, world.mod, "stats")
        assert "1" in text_of(await stats.wait_answer())
        undo = await fake.slash(world.guild, world.general, world.mod, "undo", id=incident.id)
        await undo.wait_answer()
        assert (await bot.store.get(incident.id)).state == "open"


async def test_settings_change_the_policy_and_the_mod_log_channel(fake, world, engine, tmp_path):
    alerts = world.guild.add_channel("alerts")
    async with running_bot(fake, engine, tmp_path / "lg.db") as bot:
        shown = await fake.slash(world.guild, world.general, world.mod, "settings")
        assert "mute_seconds" in text_of(await shown.wait_answer())
        for options in ({"key": "scam", "value": "warn,delete,notify_admins"}, {"channel": alerts}):
            changed = await fake.slash(world.guild, world.general, world.mod, "settings", **options)
            await changed.wait_answer()
        elsewhere = world.guild.id[:-1] + "0"  # not a channel of this server
        refused = await fake.slash(world.guild, world.general, world.mod, "settings", key="admin_target",
                                   value=elsewhere)
        answer = await refused.wait_answer()
        assert refused.ephemeral and "频道" in text_of(answer)
        scam = await fake.post(world.guild, world.general, world.alice, SCAM)
        await fake.wait_for_call("DELETE /channels/{channel_id}/messages/{message_id}")
        await fake.wait_for_call(CREATE_MESSAGE, lambda c: c.params["channel_id"] == alerts)
        [incident] = await bot.incidents(world.guild.id)
    assert scam["id"] in fake.deleted
    assert [r["action"] for r in incident.action_results] == ["warn", "delete", "notify_admins"]
    assert fake.messages_in(world.mod_log, by_bot=True) == []
