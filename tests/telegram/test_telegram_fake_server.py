"""The fake Bot API server behaves like Telegram as far as the real python-telegram-bot can tell."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberRestricted, ChatPermissions, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter

from fake_platforms.telegram_html import HTMLError, check_html


@pytest.fixture
async def bot(server):
    async with Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url) as b:
        yield b


async def test_get_me_and_wrong_token(server, bot):
    me = await bot.get_me()
    assert me.username == "leekguard_test_bot" and me.is_bot
    assert me.can_read_all_group_messages is False  # privacy mode on by default
    with pytest.raises(InvalidToken, match="(?i)rejected"):
        await Bot("999:wrong", base_url=server.base_url).initialize()


async def test_updates_parse_and_offsets_confirm(server, bot):
    group, alice = server.add_chat(-1001, title="AI fans"), server.add_user(7, "Alice", username="alice")
    first = server.push_message(group, alice, "hello")
    server.push_message(group, alice, "/check@leekguard_test_bot free GPT", reply_to=first)
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["hello", "/check@leekguard_test_bot free GPT"]
    assert updates[1].message.reply_to_message.text == "hello"
    assert updates[1].message.entities[0].type == "bot_command"
    assert updates[0].effective_user.username == "alice" and updates[0].effective_chat.type == "supergroup"
    # the same updates come again until an offset confirms them
    assert len(await bot.get_updates(timeout=0)) == 2
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert server.pending_updates == 0


async def test_long_poll_waits_and_wakes_on_push(server, bot):
    group, bob = server.add_chat(-1002), server.add_user(8, "Bob")
    started = time.perf_counter()
    assert await bot.get_updates(timeout=0.3) == ()
    assert time.perf_counter() - started >= 0.25
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    server.push_message(group, bob, "wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert updates[0].message.text == "wake up"


async def test_edited_callback_and_my_chat_member_updates(server, bot):
    group, admin = server.add_chat(-1003), server.add_user(9, "Ada")
    msg = server.push_message(group, admin, "v1")
    server.push_edited_message(msg, "v2")
    sent = await bot.send_message(group["id"], "notice")
    server.push_callback_query(admin, {"chat": group, "message_id": sent.message_id}, "confirm:1")
    server.push_my_chat_member(group, admin, "left", "administrator", can_delete_messages=True)
    updates = await bot.get_updates(timeout=0)
    kinds = [u.effective_message.text if u.effective_message else None for u in updates]
    assert kinds[:3] == ["v1", "v2", "notice"]
    assert updates[1].edited_message.edit_date is not None
    assert updates[2].callback_query.data == "confirm:1"
    change = updates[3].my_chat_member
    assert isinstance(change.new_chat_member, ChatMemberAdministrator)
    assert change.new_chat_member.can_delete_messages and not change.new_chat_member.can_restrict_members


async def test_faults_429_and_500_then_recovery(server, bot):
    server.add_chat(-1004)
    server.fail_next("sendMessage", status=429, retry_after=3)
    server.fail_next("sendMessage", status=500)
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(-1004, "x")
    assert err.value.retry_after in (3, __import__("datetime").timedelta(seconds=3))
    with pytest.raises(NetworkError):
        await bot.send_message(-1004, "x")
    assert (await bot.send_message(-1004, "x")).text == "x"
    assert [c.status for c in server.calls_of("sendMessage", ok_only=False)] == [429, 500, 200]


async def test_html_is_checked_like_telegram(server, bot):
    server.add_chat(-1005)
    sent = await bot.send_message(-1005, "<b>Warning</b> &lt;GPT&gt; &amp; co", parse_mode="HTML")
    assert sent.text == "Warning <GPT> & co"
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(-1005, "a <script> b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(-1005, "Tom & Jerry", parse_mode="HTML")
    assert check_html('<a href="https://openai.com">x</a>') == "x"
    with pytest.raises(HTMLError):
        check_html("<b>open")


async def test_moderation_needs_rights_and_changes_members(server, bot):
    group, spammer = server.add_chat(-1006), server.add_user(10, "Spam")
    msg = server.push_message(group, spammer, "buy GPT-5 keys")
    with pytest.raises(BadRequest, match="(?i)can't be deleted"):
        await bot.delete_message(group["id"], msg["message_id"])
    with pytest.raises(BadRequest, match="(?i)not enough rights"):
        await bot.ban_chat_member(group["id"], spammer["id"])
    server.make_bot_admin(group["id"])
    assert await bot.delete_message(group["id"], msg["message_id"])
    with pytest.raises(BadRequest, match="(?i)not found"):
        await bot.delete_message(group["id"], msg["message_id"])
    await bot.restrict_chat_member(group["id"], spammer["id"], ChatPermissions.no_permissions(),
                                   until_date=int(time.time()) + 60)
    member = await bot.get_chat_member(group["id"], spammer["id"])
    assert isinstance(member, ChatMemberRestricted) and not member.can_send_messages
    await bot.ban_chat_member(group["id"], spammer["id"])
    assert (await bot.get_chat_member(group["id"], spammer["id"])).status == "kicked"
    await bot.unban_chat_member(group["id"], spammer["id"], only_if_banned=True)
    assert (await bot.get_chat_member(group["id"], spammer["id"])).status == "left"
    admins = await bot.get_chat_administrators(group["id"])
    assert [a.user.id for a in admins] == [server.bot_user["id"]]


async def test_callback_answer_once_commands_files(server, bot):
    group, user = server.add_chat(-1007), server.add_user(11, "U")
    sent = await bot.send_message(group["id"], "n")
    qid = server.push_callback_query(user, {"chat": group, "message_id": sent.message_id}, "x")
    assert await bot.answer_callback_query(qid, "no", show_alert=True)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(qid, "again")
    assert server.callback_answers[qid]["text"] == "no"
    await bot.set_my_commands([("check", "Check a message")], language_code="zh")
    assert server.commands[("default", "zh")] == [{"command": "check", "description": "Check a message"}]
    file_id = server.add_file(b"\x89PNG fake", "photos/p1.png")
    tg_file = await bot.get_file(file_id)
    assert bytes(await tg_file.download_as_bytearray()) == b"\x89PNG fake"
    update = Update.de_json({"update_id": 1, "message": server.new_message(group, user, photo_file_id=file_id,
                                                                          caption="see")}, bot)
    assert update.message.caption == "see" and update.message.photo[-1].file_id == file_id
