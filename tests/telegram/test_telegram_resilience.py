"""Telegram misbehaving: 429 with retry_after, 500s, joining groups, and the token never reaching a log."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from fake_platforms.telegram_harness import running_bot
from fake_platforms.telegram_server import FakeTelegramServer

SCAM = "Sora内测账号 只要299 加V私聊 wx: abc123"
SCAM_2 = "ChatGPT Plus 共享账号 38元/月 联系 @seller"
GROUP_ID = -1007777


@pytest.fixture
def world(server):
    group = server.add_chat(GROUP_ID, title="AIGC 交流")
    alice, bob = server.add_user(301, "Alice"), server.add_user(302, "Bob")
    return group, alice, bob


async def test_429_is_waited_out_and_the_warning_still_arrives(server, world, engine, tmp_path):
    group, alice, _ = world
    async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}) as bot:
        server.fail_next("sendMessage", status=429, retry_after=1)
        scam = server.push_message(group, alice, SCAM)
        [warning] = await server.wait_for_calls("sendMessage", timeout=10)
        attempts = server.calls_of("sendMessage", ok_only=False)
        assert [c.status for c in attempts] == [429, 200]
        assert attempts[1].at - attempts[0].at >= 1.0  # retry_after honoured before retrying
        assert warning.params["reply_parameters"]["message_id"] == scam["message_id"]
        [incident] = await bot.incidents(GROUP_ID)
        assert incident.action_results[0]["status"] == "done"


async def test_the_bot_keeps_working_after_500s(server, world, engine, tmp_path):
    group, alice, bob = world
    async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}, poll_timeout=0.5) as bot:
        server.fail_next("sendMessage", status=500)
        first = server.push_message(group, alice, SCAM)
        [incident] = await bot.incidents(GROUP_ID)
        assert incident.action_results[0]["status"] == "failed"  # recorded on the incident, not lost
        assert "Internal Server Error" in incident.action_results[0]["detail"]
        server.fail_next("getUpdates", status=500)  # polling errors are retried by PTB after a pause
        await server.wait_for_calls("getUpdates", where=lambda c: c.status == 500, ok_only=False)
        second = server.push_message(group, bob, SCAM_2)
        [warning] = await server.wait_for_calls("sendMessage", timeout=10)
        assert warning.params["reply_parameters"]["message_id"] == second["message_id"]
        incidents = await bot.incidents(GROUP_ID, 2)
        assert [i.message_id for i in incidents] == [str(first["message_id"]), str(second["message_id"])]
        assert incidents[1].action_results[0]["status"] == "done"


async def test_added_to_a_group_it_introduces_itself_and_names_missing_rights(server, world, engine, tmp_path):
    group, alice, _ = world
    chats = {f"telegram:{GROUP_ID}": {"scam": ["warn", "delete", "mute"], "language": "en"}}
    async with running_bot(server, engine, tmp_path / "lg.db", chats=chats):
        server.push_my_chat_member(group, alice, "left", "member")
        [intro] = await server.wait_for_calls("sendMessage")
        lines = intro.result["text"].split("\n")
        assert "LeekGuard" in lines[0] and "/check" in lines[1]
        assert "Delete messages" in lines[2] and "Ban users" in lines[2]
        assert "privacy mode" in lines[3]  # privacy mode on and not an admin: it cannot see messages yet
        # promoted with only one of the rights: no second introduction
        server.push_my_chat_member(group, alice, "member", "administrator", can_delete_messages=True)
        await server.wait_idle()
        assert len(server.sent_messages()) == 1

        other = server.add_chat(-1008888, title="Another group")
        server.push_my_chat_member(other, alice, "left", "administrator", can_delete_messages=True,
                                   can_restrict_members=True)
        await server.wait_for_calls("sendMessage", 2)
        [intro2] = server.sent_messages(other["id"])
        assert len(intro2.result["text"].split("\n")) == 2  # Chinese by default, nothing missing
        assert "LeekGuard" in intro2.result["text"] and "管理员" in intro2.result["text"]


async def test_the_token_never_reaches_a_log(server, world, engine, tmp_path, caplog):
    group, alice, _ = world
    caplog.set_level(logging.DEBUG)
    chatty = {name: logging.getLogger(name).level for name in ("httpx", "telegram")}
    try:
        async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}, poll_timeout=0.2):
            assert logging.getLogger("httpx").level == logging.WARNING  # the adapter quietened httpx...
            for name in chatty:  # ...and even when someone turns it up again, the token is redacted
                logging.getLogger(name).setLevel(logging.DEBUG)
            server.fail_next("sendMessage", status=500)
            server.push_message(group, alice, SCAM)
            await server.wait_for_calls("getUpdates", 3)
    finally:
        for name, level in chatty.items():
            logging.getLogger(name).setLevel(level)
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "Set Bot API URL" in text  # python-telegram-bot did log its URL, which holds the token...
    assert server.token not in text and server.token.split(":")[1] not in text  # ...redacted
    assert "<redacted-token>" in text


async def test_a_failed_start_is_retried_by_the_runner_and_a_rejected_token_is_not(server, world, engine, tmp_path):
    from adapters.telegram.adapter import TelegramAdapter
    from bot.chat_settings import ChatSettingsService
    from bot.runner import Services, supervise
    from bot.store.service import IncidentStore
    from fake_platforms.telegram_harness import make_config

    group, alice, _ = world
    config = make_config(server, tmp_path / "lg.db", policy={"scam": ["warn"]})
    store = await IncidentStore.open(str(tmp_path / "lg.db"))
    services = Services(config=config, engine=engine, store=store, chat_settings=ChatSettingsService(config, store))
    try:
        server.fail_next("getMe", status=500)  # Telegram is down when the bot starts
        adapter = TelegramAdapter(poll_timeout=0.5)
        task = asyncio.create_task(supervise(adapter, services, first_delay=0.1))
        await asyncio.wait_for(adapter.ready.wait(), 10)
        assert [c.status for c in server.calls_of("getMe", ok_only=False)] == [500, 200]
        scam = server.push_message(group, alice, SCAM)
        [warning] = await server.wait_for_calls("sendMessage")
        assert warning.params["reply_parameters"]["message_id"] == scam["message_id"]
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

        wrong = make_config(FakeTelegramServer(token="42:" + "x" * 35), tmp_path / "lg.db")
        wrong = wrong.model_copy(update={"telegram": wrong.telegram.model_copy(update={"base_url": server.base_url})})
        rejected = Services(config=wrong, engine=engine, store=store, chat_settings=services.chat_settings)
        await asyncio.wait_for(supervise(TelegramAdapter(), rejected, first_delay=0.1), 10)  # returns: no retry
        assert len(server.calls_of("getMe", ok_only=False)) == 3
    finally:
        await store.close()


async def test_polling_errors_and_a_stop_mid_poll_are_one_line_each_without_a_traceback(server, world, engine,
                                                                                        tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with running_bot(server, engine, tmp_path / "lg.db", policy={"scam": ["warn"]}, poll_timeout=5):
        server.fail_next("getUpdates", status=500)  # a hiccup while polling
        await server.wait_for_calls("getUpdates", where=lambda c: c.status == 500, ok_only=False)
        await asyncio.sleep(0.2)  # back in a long poll
        server.fail_next("getUpdates", status=500)  # ...and the last getUpdates at the stop fails too
    telegram_records = [r for r in caplog.records if r.name.startswith(("telegram", "adapters.telegram"))]
    assert not [r for r in telegram_records if r.exc_info or r.exc_text], "a traceback was logged"
    assert sum("polling failed" in r.getMessage() for r in telegram_records) == 1
    assert sum("stopped during a long poll" in r.getMessage() for r in telegram_records) == 1
