"""The Telegram adapter end to end: real python-telegram-bot, real engine, real store, fake Bot API server.

Each test reads like a chat: somebody posts, the bot answers (or does not), the incident log says why.
"""

from __future__ import annotations

import time

import pytest

from detectors.engine import Engine
from tests.fakes.telegram_harness import running_bot
from tests.fakes.telegram_server import FakeTelegramServer

SCAM = "Sora内测账号 只要299 加V私聊 wx: abc123"
SCAM_EN = "GPT-5 API key unlimited, only $9.9, DM me on telegram @cheapgpt"
CLEAN = "anyone tried the new Sora video model? the official demo looks great"
GROUP_ID = -1001234


@pytest.fixture(scope="module")
def engine():
    return Engine.load()


@pytest.fixture
async def server():
    async with FakeTelegramServer() as s:
        yield s


@pytest.fixture
def world(server):
    group = server.add_chat(GROUP_ID, title="AI 学习群")
    users = {name: server.add_user(100 + i, name, username=name.lower()) for i, name in
             enumerate(["Alice", "Bob", "Carol", "Admin"])}
    server.set_member(GROUP_ID, users["Admin"], "administrator", can_delete_messages=True)
    return group, users


def warnings_to(server, message) -> list:
    return [c for c in server.sent_messages(message["chat"]["id"])
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


async def test_scam_gets_a_warning_reply_and_an_incident(server, world, engine, tmp_path):
    group, users = world
    async with running_bot(server, engine, tmp_path / "lg.db") as bot:
        scam = server.push_message(group, users["Alice"], SCAM)
        await server.wait_for_calls("sendMessage", 2)  # default policy: warn + notify admins (in the group)
        warning, notice = server.sent_messages(GROUP_ID)
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

