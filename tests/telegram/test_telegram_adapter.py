"""The Telegram adapter end to end: real python-telegram-bot, real engine, real store, fake Bot API server.

Each test reads like a chat: somebody posts, the bot answers (or does not), the incident log says why.
"""

from __future__ import annotations

import logging
import time

import pytest

from fake_platforms.telegram_harness import running_bot


SCAM = "Sora内测账号 只要299 加V私聊 wx: abc123"
SCAM_EN = "GPT-5 API key unlimited, only $9.9, DM me on telegram @cheapgpt"
CLEAN = "anyone tried the new Sora video model? the official demo is on their blog"
GROUP_ID = -1001234


@pytest.fixture
def world(server):
    group = server.add_chat(GROUP_ID, title="AI 学习群")
    users = {name: server.add_user(100 + i, name, username=name.lower()) for i, name in
             enumerate(["Alice", "Bob", "Carol", "Admin"])}
    server.set_member(GROUP_ID, users["Admin"], "administrator", can_delete_messages=True)
    server.private_chat(users["Admin"])  # the admin has opened a private chat with the bot: notices go there
    return group, users


def warnings_to(server, message) -> list:
    return [c for c in server.sent_messages(message["chat"]["id"])
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


async def test_scam_gets_a_warning_reply_and_an_incident(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        scam = server.push_message(group, users["Alice"], SCAM)
        await server.wait_for_calls("sendMessage", 2)  # default policy: warn in the group + notify the admin
        [warning] = server.sent_messages(GROUP_ID)
        [notice] = server.sent_messages(users["Admin"]["id"])  # privately: members never read the notice
        assert warning.params["reply_parameters"]["message_id"] == scam["message_id"]
        assert warning.params["parse_mode"] == "HTML"
        assert warning.params["link_preview_options"] == {"is_disabled": True}
        assert "LeekGuard" in warning.result["text"] and "Sora" in warning.result["text"]
        buttons = [b["callback_data"] for row in notice.params["reply_markup"]["inline_keyboard"] for b in row]
        [incident] = await bot.incidents(GROUP_ID)
        assert buttons == [f"{verb}:{incident.id}" for verb in ("confirm", "dismiss", "ban", "undo")]
        assert incident.verdict == "scam" and incident.message_id == str(scam["message_id"])
        assert incident.author_id == str(users["Alice"]["id"])
        assert [r["status"] for r in incident.action_results] == ["done", "done"]


async def test_clean_message_gets_nothing(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        server.push_message(group, users["Bob"], CLEAN)
        await server.wait_idle()
        assert server.sent_messages() == []
        assert await bot.store.list() == []


async def test_admins_allowlisted_users_and_bots_are_not_acted_on(server, world, engine, tmp_path):
    group, users = world
    helper_bot = server.add_user(555, "HelperBot", username="helper_bot", is_bot=True)
    guards = {"allowlist": [f"telegram:{users['Carol']['id']}"], "trusted_bots": ["telegram:555"]}
    async with running_bot(server, engine, tmp_path / "lg.db", guards=guards) as bot:
        server.push_message(group, users["Admin"], SCAM)
        server.push_message(group, users["Carol"], SCAM_EN)
        server.push_message(group, helper_bot, "Claude Pro account for sale $5, contact @claudecheap")
        server.push_message(group, None, "DeepSeek 官方内测邀请码 99元一个 私聊我",
                            extra={"sender_chat": group})  # an anonymous admin posts as the group
        await server.wait_idle()
        assert server.sent_messages() == []
        assert await bot.store.list() == []
        # and an ordinary member posting the same thing is acted on
        server.push_message(group, users["Bob"], SCAM)
        await server.wait_for_calls("sendMessage", 2)


async def test_edited_message_that_becomes_a_scam_is_warned(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        original = server.push_message(group, users["Bob"], "hi all, happy new year")
        await server.wait_idle()
        assert server.sent_messages() == []
        server.push_edited_message(original, "ChatGPT Plus 共享账号 38元/月 联系 @seller")
        await server.wait_for_calls("sendMessage", 2)
        assert len(warnings_to(server, original)) == 1  # the warning replies to it; the notice went privately
        assert len(server.sent_messages(users["Admin"]["id"])) == 1
        [incident] = await bot.incidents(GROUP_ID)
        assert incident.message_id == str(original["message_id"]) and "ChatGPT Plus" in incident.text


async def test_captions_forwards_and_reply_context_are_read(server, world, engine, tmp_path):
    group, users = world
    photo = server.add_file(b"\xff\xd8 not really a jpeg")
    async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}) as bot:
        captioned = server.push_message(group, users["Alice"], photo_file_id=photo,
                                        caption="Midjourney 永久会员 低价出售 加微信 mj8888")
        forwarded = server.push_message(group, users["Bob"], "Sora invite code, only $20, DM @sora_invites",
                                        forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "X"})
        advert = server.push_message(group, users["Admin"], SCAM)  # an admin quoting an advert: not acted on
        reply = server.push_message(group, users["Carol"], "ChatGPT Plus 共享账号 38元/月 联系 @seller",
                                    reply_to=advert)
        await server.wait_for_calls("sendMessage", 3)
        await server.wait_idle()
        assert [len(warnings_to(server, m)) for m in (captioned, forwarded, advert, reply)] == [1, 1, 0, 1]
        incidents = {i.message_id: i for i in await bot.incidents(GROUP_ID, 3)}
        assert "Midjourney" in incidents[str(captioned["message_id"])].text
        assert incidents[str(reply["message_id"])].author_id == str(users["Carol"]["id"])


async def test_policy_delete_and_mute_with_the_rights_to_do_it(server, world, engine, tmp_path):
    group, users = world
    server.make_bot_admin(GROUP_ID, can_delete_messages=True, can_restrict_members=True)
    chats = {f"telegram:{GROUP_ID}": {"scam": ["warn", "delete", "mute"], "mute_seconds": 600}}
    async with running_bot(server, engine, tmp_path / "lg.db", chats=chats) as bot:
        scam = server.push_message(group, users["Alice"], SCAM)
        [mute] = await server.wait_for_calls("restrictChatMember")
        assert server.calls_of("deleteMessage")[0].params["message_id"] == scam["message_id"]
        assert (GROUP_ID, scam["message_id"]) not in server.messages
        assert abs(mute.params["until_date"] - (time.time() + 600)) < 5
        assert mute.params["permissions"]["can_send_messages"] is False
        assert server.member(GROUP_ID, users["Alice"]["id"])["status"] == "restricted"
        [incident] = await bot.incidents(GROUP_ID)
        assert [(r["action"], r["status"]) for r in incident.action_results] == [
            ("warn", "done"), ("delete", "done"), ("mute", "done")]


async def test_missing_rights_are_recorded_and_the_warning_still_goes_out(server, world, engine, tmp_path):
    group, users = world
    chats = {f"telegram:{GROUP_ID}": {"scam": ["warn", "delete", "ban"]}}
    async with running_bot(server, engine, tmp_path / "lg.db", chats=chats) as bot:
        scam = server.push_message(group, users["Alice"], SCAM)
        [incident] = await bot.incidents(GROUP_ID)
        results = {r["action"]: r for r in incident.action_results}
        assert results["warn"]["status"] == "done" and len(warnings_to(server, scam)) == 1
        assert results["delete"]["status"] == "failed" and "can_delete_messages" in results["delete"]["detail"]
        assert results["ban"]["status"] == "failed" and "can_restrict_members" in results["ban"]["detail"]


async def test_dry_run_records_but_does_nothing(server, world, engine, tmp_path):
    group, users = world
    server.make_bot_admin(GROUP_ID)
    policy = {"scam": ["warn", "delete", "ban", "notify_admins"], "dry_run": True}
    async with running_bot(server, engine, tmp_path / "lg.db", policy=policy) as bot:
        server.push_message(group, users["Alice"], SCAM)
        [incident] = await bot.incidents(GROUP_ID)
        await server.wait_idle()
        assert {r["status"] for r in incident.action_results} == {"dry-run"}
        assert [c.method for c in server.calls if c.method in ("sendMessage", "deleteMessage", "banChatMember")] == []


async def test_notifications_go_to_the_admin_chat_when_configured(server, world, engine, tmp_path):
    group, users = world
    admin_chat = server.add_chat(-100999, title="LeekGuard admins")
    async with running_bot(server, engine, tmp_path / "lg.db", telegram={"admin_chat_id": admin_chat["id"]}):
        scam = server.push_message(group, users["Alice"], SCAM)
        await server.wait_for_calls("sendMessage", 2)
        [notice] = server.sent_messages(admin_chat["id"])
        assert "AI 学习群" in notice.result["text"] and "reply_parameters" not in notice.params
        assert [c.params["reply_parameters"]["message_id"] for c in server.sent_messages(GROUP_ID)] == [
            scam["message_id"]]


async def test_commands_are_not_moderated_even_when_edited_but_other_slashes_are(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}) as bot:
        ask = server.push_message(group, users["Bob"], "/check@leekguard_test_bot hello")
        await server.wait_for_calls("sendMessage")
        server.push_edited_message(ask, "/check " + SCAM)  # asking about an advert is not posting one
        disguised = server.push_message(group, users["Alice"], "/buy " + SCAM)
        await server.wait_for_calls("sendMessage", 2)
        await server.wait_idle()
        assert len(warnings_to(server, disguised)) == 1 and len(warnings_to(server, ask)) == 1
        assert [i.message_id for i in await bot.incidents(GROUP_ID)] == [str(disguised["message_id"])]


async def test_a_promotion_refreshes_the_cached_admin_list(server, world, engine, tmp_path):
    from fake_platforms import telegram_shapes as shapes

    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}):
        before = server.push_message(group, users["Bob"], SCAM)
        await server.wait_for_calls("sendMessage")
        old = server.member(GROUP_ID, users["Bob"]["id"])
        new = server.set_member(GROUP_ID, users["Bob"], "administrator", can_delete_messages=True)
        server.push_update("chat_member", shapes.chat_member_updated(group, users["Admin"], old, new))
        await server.wait_idle()
        after = server.push_message(group, users["Bob"], SCAM_EN)  # now an admin: not acted on
        await server.wait_idle()
        assert len(warnings_to(server, before)) == 1 and warnings_to(server, after) == []
        assert len(server.calls_of("getChatAdministrators")) == 2  # asked again after the promotion


async def test_an_unreachable_admin_chat_falls_back_to_the_admins_privately(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db", telegram={"admin_chat_id": -100404}) as bot:
        scam = server.push_message(group, users["Alice"], SCAM)  # the bot was never added to -100404
        await server.wait_for_calls("sendMessage", 2)
        assert len(warnings_to(server, scam)) == 1  # only the warning is in the group
        assert len(server.sent_messages(users["Admin"]["id"])) == 1
        [incident] = await bot.incidents(GROUP_ID)
        assert incident.action_results[1]["status"] == "done"
        assert "privately" in incident.action_results[1]["detail"]


async def test_nothing_meant_for_admins_reaches_the_group_when_no_admin_can_be_reached(server, engine, tmp_path,
                                                                                        caplog):
    group = server.add_chat(GROUP_ID, title="AI 学习群")
    mallory = server.add_user(200, "Mallory", username="mallory")
    trudy = server.add_user(201, "Trudy", username="trudy")
    admin = server.add_user(300, "Admin")
    server.set_member(GROUP_ID, admin, "administrator")  # never opened a private chat with the bot
    caplog.set_level(logging.INFO)
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        first = server.push_message(group, mallory, SCAM)
        await server.wait_for_calls("sendMessage", 2)  # the warning, and once the hint for admins
        second = server.push_message(group, trudy, "出售 Sora2 邀请码，一个 99，加V sora_code 秒发")
        await server.wait_for_calls("sendMessage", 3)
        await server.wait_idle()
        texts = [c.result["text"] for c in server.sent_messages(GROUP_ID)]
        incidents = await bot.incidents(GROUP_ID)
    assert len(incidents) == 2 and len(texts) == 3  # two warnings and one hint, no notice
    assert sum("/incidents" in t for t in texts) == 1  # the hint says how to receive notices, once
    for text in texts:  # no incident numbers, no sender ids in the group
        assert not any(s in text for s in ("200", "201", "#", "Mallory", "Trudy", "LeekGuard 事件")), text
    assert all(i.action_results[-1]["status"] == "skipped" for i in incidents)  # still listed for /incidents
    assert "never into the group" in caplog.text  # the start-up log says where notices go
    assert first and second


async def test_three_scams_from_one_sender_are_each_marked_with_one_full_warning(server, world, engine, tmp_path):
    group, users = world
    scams = ["出售Sora内测账号，只要299，加V私聊", "GPT-5 内测邀请码 99元一个 私聊我",
             "Midjourney 永久会员 低价出售 加微信 mj8888"]
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        posted = []
        for text in scams:
            posted.append(server.push_message(group, users["Alice"], text))
            await server.wait_for_calls("sendMessage", where=lambda c, p=posted[-1]: c in warnings_to(server, p))
        replies = [warnings_to(server, p) for p in posted]
        assert all(len(r) == 1 for r in replies)  # every scam is marked for members
        full, *marks = [r[0].result["text"] for r in replies]
        assert "Sora" in full and len(full) > 200  # one full warning, with its citation
        assert all("见上方提醒" in m and len(m) < 100 for m in marks)  # then one line pointing to it
        assert len(server.sent_messages(users["Admin"]["id"])) == 1  # admins hear once
        assert len(await bot.incidents(GROUP_ID)) == 3
