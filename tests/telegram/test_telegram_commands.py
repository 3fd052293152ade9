"""Commands and buttons through the real python-telegram-bot: /check, /review, /settings, /incidents, buttons."""

from __future__ import annotations

import pytest

from fake_platforms.telegram_harness import eventually, running_bot

from fake_platforms.telegram_shapes import MEMBER_PERMISSIONS

SCAM_EN = "Claude Pro account for sale $5, contact @claudecheap"
GROUP_ID = -1005555


@pytest.fixture
def world(server):
    group = server.add_chat(GROUP_ID, title="Prompt engineers")
    users = {name: server.add_user(200 + i, name, username=name.lower(), language_code="en") for i, name in
             enumerate(["Alice", "Bob", "Admin"])}
    server.set_member(GROUP_ID, users["Admin"], "administrator", can_delete_messages=True)
    server.private_chat(users["Admin"])  # notices reach the admin privately
    return group, users


def answers_to(server, message) -> list[str]:
    return [c.result["text"] for c in server.sent_messages(message["chat"]["id"])
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


async def test_menu_is_registered_in_english_and_chinese(server, world, engine, tmp_path):
    async with running_bot(server, engine, tmp_path / "lg.db"):
        en, zh = server.commands[("default", "")], server.commands[("default", "zh")]
    assert [c["command"] for c in en] == ["check", "incidents", "review", "settings", "stats", "help", "start"]
    assert [c["command"] for c in zh] == [c["command"] for c in en]
    assert "Check a message" in en[0]["description"] and "检查" in zh[0]["description"]


async def test_check_as_a_reply_reports_and_never_acts(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        advert = server.push_message(group, users["Admin"], SCAM_EN)  # admins are not moderated...
        ask = server.push_message(group, users["Bob"], "/check", reply_to=advert)  # ...but can be checked
        await server.wait_for_calls("sendMessage")
        await server.wait_idle()
        [answer] = answers_to(server, ask)
        assert "Verdict: scam" in answer and "claudecheap" in answer
        assert len(server.sent_messages()) == 1  # the answer only: no warning, no notice
        assert [c.method for c in server.calls if c.method in ("deleteMessage", "banChatMember")] == []
        assert [i.source for i in await bot.store.list()] == ["check"]  # logged for admins, not an action


async def test_check_with_text_and_in_private_chat(server, world, engine, tmp_path):
    group, users = world
    private = server.private_chat(users["Alice"])
    async with running_bot(server, engine, tmp_path / "lg.db"):
        ask = server.push_message(group, users["Bob"], "/check@leekguard_test_bot hello, lunch at noon?")
        dm = server.push_message(private, users["Alice"], "Sora invite code, only $20, DM @sora_invites")
        fwd = server.push_message(private, users["Alice"], "ChatGPT Plus 共享账号 38元/月 联系 @seller",
                                  forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "Z"})
        await server.wait_for_calls("sendMessage", 3)
        assert "Verdict: no scam signs" in answers_to(server, ask)[0]
        assert "Verdict: scam" in answers_to(server, dm)[0]
        assert "诈骗" in answers_to(server, fwd)[0]  # a Chinese advert is answered in Chinese


async def test_check_is_rate_limited_per_user(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db"):
        asks = [server.push_message(group, users["Bob"], f"/check is offer {i} real?") for i in range(6)]
        await server.wait_for_calls("sendMessage", 6)
        slow = [("Too many checks" in a or "检查太频繁" in a) for a in (answers_to(server, m)[0] for m in asks)]
        assert sum(slow) == 1  # 5 checks a minute per user
        other = server.push_message(group, users["Alice"], "/check is this real?")
        await server.wait_for_calls("sendMessage", 7)
        assert "检查太频繁" not in answers_to(server, other)[0]


async def notice_for(server, bot, scam_text, author):
    """Post a scam, wait for the admin notice (sent to the admin privately); returns (incident id, notice JSON)."""
    group = server.chats[GROUP_ID]
    server.push_message(group, author, scam_text)
    await server.wait_for_calls("sendMessage", where=lambda c: "reply_markup" in c.params)
    assert not any("reply_markup" in c.params for c in server.sent_messages(GROUP_ID))  # never in the group
    notice = next(c for c in server.sent_messages() if "reply_markup" in c.params).result
    [incident] = await bot.incidents(GROUP_ID)
    return incident.id, notice


async def test_buttons_only_work_for_admins_and_every_press_is_answered(server, world, engine, tmp_path):
    _, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        advert = "Gemini Ultra 共享账号 29元/月 联系 @gemini_seller"
        incident_id, notice = await notice_for(server, bot, advert, users["Alice"])
        refused = server.push_callback_query(users["Bob"], notice, f"confirm:{incident_id}")
        await server.wait_for_calls("answerCallbackQuery")
        assert server.callback_answers[refused]["show_alert"] is True
        assert "admin" in server.callback_answers[refused]["text"].lower() or "管理员" in \
            server.callback_answers[refused]["text"]
        assert (await bot.store.get(incident_id)).state == "open"

        pressed = server.push_callback_query(users["Admin"], notice, f"confirm:{incident_id}")
        await server.wait_for_calls("answerCallbackQuery", 2)
        assert server.callback_answers[pressed].get("show_alert") in (None, False)
        assert (await bot.store.get(incident_id)).state == "confirmed"
        [edit] = await server.wait_for_calls("editMessageText")
        assert "@admin" in edit.result["text"] and edit.params["reply_markup"] == notice["reply_markup"]

        stale = server.push_callback_query(users["Admin"], notice, "confirm:999999")  # unknown incident
        await server.wait_for_calls("answerCallbackQuery", 3)
        assert server.callback_answers[stale]["show_alert"] is True


async def test_ban_button_bans_the_author_through_the_executor(server, world, engine, tmp_path):
    _, users = world
    server.make_bot_admin(GROUP_ID, can_restrict_members=True)
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        incident_id, notice = await notice_for(server, bot, "DeepSeek 官方内测邀请码 99元一个 私聊我", users["Alice"])
        server.push_callback_query(users["Admin"], notice, f"ban:{incident_id}")
        [ban] = await server.wait_for_calls("banChatMember")
        assert ban.params["user_id"] == users["Alice"]["id"]
        await server.wait_for_calls("answerCallbackQuery")
        assert server.member(GROUP_ID, users["Alice"]["id"])["status"] == "kicked"


async def test_undo_lifts_leekguards_mute_and_ban_back_to_the_chats_defaults(server, world, engine, tmp_path):
    group, users = world
    alice = users["Alice"]["id"]
    defaults = {p: p not in ("can_change_info", "can_pin_messages", "can_manage_topics")
                for p in MEMBER_PERMISSIONS if p != "can_edit_tag"}
    server.chat_permissions[GROUP_ID] = defaults  # members of this group may not pin or change its info
    server.make_bot_admin(GROUP_ID, can_delete_messages=True, can_restrict_members=True)
    chats = {f"telegram:{GROUP_ID}": {"scam": ["warn", "delete", "mute", "notify_admins"]}}
    async with running_bot(server, engine, tmp_path / "lg.db", chats=chats, language="en") as bot:
        advert = "Sora invite code, only $20, DM @sora_invites"
        incident_id, notice = await notice_for(server, bot, advert, users["Alice"])
        assert server.member(GROUP_ID, alice)["status"] == "restricted"
        pressed = server.push_callback_query(users["Admin"], notice, f"undo:{incident_id}")
        _, lift = await server.wait_for_calls("restrictChatMember", 2)
        assert lift.params["user_id"] == alice and lift.params["use_independent_chat_permissions"] is True
        assert lift.params["permissions"] == defaults  # the group's own defaults, not "everything"
        assert server.member(GROUP_ID, alice)["status"] == "member"
        [edit] = await server.wait_for_calls("editMessageText")
        assert "Lifted LeekGuard's mute of Alice." in edit.result["text"]
        assert "The deleted message cannot be restored." in edit.result["text"]
        await server.wait_for_calls("answerCallbackQuery")
        assert server.callback_answers[pressed].get("show_alert") in (None, False)

        server.push_callback_query(users["Admin"], notice, f"ban:{incident_id}")
        await server.wait_for_calls("banChatMember")
        # the admin types /undo once the button has answered: the ban is recorded by then (under load, an /undo
        # sent the moment Telegram took the ban could find it not yet recorded, and say there is nothing to undo)
        await server.wait_for_calls("answerCallbackQuery", 2)
        ask = server.push_message(group, users["Admin"], f"/undo {incident_id}")
        [unban] = await server.wait_for_calls("unbanChatMember")
        assert unban.params["user_id"] == alice and unban.params["only_if_banned"] is True
        assert server.member(GROUP_ID, alice)["status"] == "left"  # may join again
        await server.wait_for_calls("sendMessage", where=lambda c: c.params.get("reply_parameters", {}).get(
            "message_id") == ask["message_id"])
        assert "Lifted LeekGuard's ban of Alice." in answers_to(server, ask)[0]
        incident = await bot.store.get(incident_id)
        assert [(r["action"], r["status"]) for r in incident.action_results][-3:] == [
            ("unmute", "done"), ("ban", "done"), ("unban", "done")]


async def test_review_command_needs_an_admin(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        incident_id, _ = await notice_for(server, bot, "Midjourney 永久会员 低价出售 加微信 mj8888", users["Alice"])
        denied = server.push_message(group, users["Bob"], f"/review {incident_id} confirm")
        allowed = server.push_message(group, users["Admin"], f"/review {incident_id} confirm")
        await server.wait_for_calls("sendMessage", where=lambda c: c.params.get("reply_parameters", {}).get(
            "message_id") == allowed["message_id"])
        assert "admin" in answers_to(server, denied)[0].lower() or "管理员" in answers_to(server, denied)[0]
        assert (await bot.store.get(incident_id)).state == "confirmed"


async def test_settings_buttons_change_and_persist_the_policy(server, world, engine, tmp_path):
    group, users = world
    db = tmp_path / "lg.db"
    async with running_bot(server, engine, db) as bot:
        ask = server.push_message(group, users["Admin"], "/settings")
        await server.wait_for_calls("sendMessage")
        panel = next(c for c in server.sent_messages(GROUP_ID) if c.params["reply_parameters"]["message_id"]
                     == ask["message_id"])
        datas = [b["callback_data"] for row in panel.params["reply_markup"]["inline_keyboard"] for b in row]
        assert "set:dry_run:on" in datas and "set:mute_seconds:1h" in datas
        refused = server.push_callback_query(users["Bob"], panel.result, "set:dry_run:on")
        await server.wait_for_calls("answerCallbackQuery")
        assert server.callback_answers[refused]["show_alert"] is True
        server.push_callback_query(users["Admin"], panel.result, "set:dry_run:on")
        server.push_callback_query(users["Admin"], panel.result, "set:mute_seconds:1d")
        await server.wait_for_calls("answerCallbackQuery", 3)
        stored = await eventually(lambda: bot.store.get_chat_settings(f"telegram:{GROUP_ID}"))
        assert stored == {"dry_run": True, "mute_seconds": 86400}
        assert "dry_run: on" in server.calls_of("editMessageText")[-1].result["text"].replace("True", "on")
    async with running_bot(server, engine, db) as bot:  # after a restart
        assert (await bot.services.chat_settings.get(f"telegram:{GROUP_ID}")).dry_run is True


async def test_incidents_in_the_group_and_in_private(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        incident_id, _ = await notice_for(server, bot, "Sora invite code, only $20, DM @sora_invites", users["Alice"])
        in_group = server.push_message(group, users["Admin"], "/incidents 5")
        in_private = server.push_message(server.private_chat(users["Admin"]), users["Admin"], "/incidents")
        stranger = server.push_message(server.private_chat(users["Bob"]), users["Bob"], "/incidents")
        await server.wait_for_calls("sendMessage", 5)
        assert f"#{incident_id}" in answers_to(server, in_group)[0]
        assert f"#{incident_id}" in answers_to(server, in_private)[0]
        assert f"#{incident_id}" not in answers_to(server, stranger)[0]


async def test_undo_button_reopens_and_stats_help_start_answer(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        advert = "Midjourney 永久会员 低价出售 加微信 mj8888"
        incident_id, notice = await notice_for(server, bot, advert, users["Alice"])
        server.push_callback_query(users["Admin"], notice, f"confirm:{incident_id}")
        await server.wait_for_calls("answerCallbackQuery")
        server.push_callback_query(users["Admin"], notice, f"undo:{incident_id}")
        # undoing a confirmation unlearns the sample in a worker thread (slower on a busy 2-core runner)
        await server.wait_for_calls("answerCallbackQuery", 2, timeout=20)
        assert (await eventually(lambda: _state_is(bot, incident_id, "open"))) is True
        asks = {name: server.push_message(group, users["Bob"], f"/{name}") for name in ("stats", "help", "start")}
        await server.wait_for_calls("sendMessage", 5)
        stats, help_text, start = (answers_to(server, asks[n])[0] for n in ("stats", "help", "start"))
        assert "1" in stats and "LeekGuard" in start
        assert "/check" in help_text and "/settings" not in help_text  # Bob is no admin: admin commands hidden


async def _state_is(bot, incident_id, state):
    return (await bot.store.get(incident_id)).state == state


async def test_stats_agrees_with_incidents_and_the_chats_language_wins(server, world, engine, tmp_path):
    group, users = world
    chats = {f"telegram:{GROUP_ID}": {"language": "zh-Hans"}}  # a Chinese group
    async with running_bot(server, engine, tmp_path / "lg.db", chats=chats) as bot:
        scam = server.push_message(group, users["Alice"], "Sora beta invites, only $99, DM me @sora_inv")
        await server.wait_for_calls("sendMessage", where=lambda c: c.params.get("chat_id") == GROUP_ID)
        [warning] = answers_to(server, scam)
        assert "疑似诈骗" in warning  # an English scam in a Chinese group: the group's language
        ask = server.push_message(group, users["Bob"], "/check GPT-5 内测邀请码 99元一个 私聊我")
        await server.wait_for_calls("sendMessage", where=lambda c: c in server.sent_messages(GROUP_ID)
                                    and (c.params.get("reply_parameters") or {}).get("message_id") == ask["message_id"])
        stats = server.push_message(group, users["Bob"], "/stats")
        await server.wait_for_calls("sendMessage", where=lambda c: (c.params.get("reply_parameters") or {})
                                    .get("message_id") == stats["message_id"])
        [stats_text] = answers_to(server, stats)
        listed = await bot.store.list(chat=f"telegram:{GROUP_ID}") + await bot.store.list(
            chat=f"check:telegram:{GROUP_ID}")
    assert len(listed) == 2  # what /incidents lists: the incident and the /check result
    assert "事件数：1" in stats_text and "/check 查出问题的结果：1" in stats_text  # /stats counts both, apart


async def test_web_in_private_gives_a_sign_in_link_for_the_chats_one_administers(server, world, engine, tmp_path,
                                                                                monkeypatch):
    import re

    from bot.web_link import read_link

    token = "telegram-test-web-token-0123456789"
    monkeypatch.setenv("LEEKGUARD_WEB_TOKEN", token)
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        await notice_for(server, bot, "Sora invite code, only $20, DM @sora_invites", users["Alice"])
        mine = server.push_message(server.private_chat(users["Admin"]), users["Admin"], "/web")
        bob = server.push_message(server.private_chat(users["Bob"]), users["Bob"], "/web")
        in_group = server.push_message(group, users["Admin"], "/web")
        await server.wait_for_calls("sendMessage", 5)
        link = re.search(r"http://127\.0\.0\.1:8080/signin\?t=(\S+)", answers_to(server, mine)[0])
        assert link and read_link(token, link.group(1))["chats"] == [f"telegram:{GROUP_ID}"]
        assert "signin" not in answers_to(server, bob)[0] and "admins" in answers_to(server, bob)[0]
        assert "private chat" in answers_to(server, in_group)[0]
