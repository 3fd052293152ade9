"""telegram.mode: webhook, end to end: real python-telegram-bot (its own webhook server), real engine and store,
the fake Bot API registering the webhook and posting updates to it as Telegram does."""

from __future__ import annotations

import logging
import socket

import pytest

from adapters.telegram.adapter import ALLOWED_UPDATES
from bot.runner import AdapterStopped
from fake_platforms.telegram_harness import running_bot

from fake_platforms.telegram_webhook import post_update

SCAM = "Sora内测账号 只要299 加V私聊 wx: abc123"
GROUP_ID = -1007777
SECRET = "Leek_guard-webhook-S3cret"


@pytest.fixture
def world(server):
    group = server.add_chat(GROUP_ID, title="AI 副业群")
    alice = server.add_user(700, "Alice", username="alice")
    admin = server.add_user(701, "Admin", username="admin")
    server.set_member(GROUP_ID, admin, "administrator", can_delete_messages=True)
    server.private_chat(admin)
    return group, alice


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webhook(port: int, **extra) -> dict:
    hook = {"port": port, "url_path": "tg/hook", "public_url": f"http://127.0.0.1:{port}/tg/hook",
            "secret_token": SECRET, **extra}
    return {"mode": "webhook", "webhook": hook}


def warnings_to(server, message) -> list:
    return [c for c in server.sent_messages(GROUP_ID)
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


async def test_webhook_is_registered_with_its_secret_and_a_scam_telegram_posts_gets_a_warning(
        server, world, engine, tmp_path):
    group, alice = world
    port = free_port()
    async with running_bot(server, engine, tmp_path / "lg.db", telegram=webhook(port)) as bot:
        [registered] = server.calls_of("setWebhook")
        assert registered.params["url"] == f"http://127.0.0.1:{port}/tg/hook"
        assert registered.params["secret_token"] == SECRET
        assert registered.params["allowed_updates"] == ALLOWED_UPDATES
        scam = server.push_message(group, alice, SCAM)  # the fake posts it to the webhook, secret attached
        await server.wait_for_calls("sendMessage", 2)  # the warning in the group and the admin's notice
        assert len(warnings_to(server, scam)) == 1
        [incident] = await bot.incidents(GROUP_ID)
        assert incident.verdict == "scam" and incident.message_id == str(scam["message_id"])
        assert [d.status for d in server.webhook.deliveries] == [200]
        assert server.calls_of("getUpdates", ok_only=False) == []  # no polling beside the webhook


async def test_a_post_without_the_secret_or_with_a_wrong_one_is_refused_and_nothing_happens(
        server, world, engine, tmp_path):
    group, alice = world
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    async with running_bot(server, engine, tmp_path / "lg.db", telegram=webhook(port)) as bot:
        scam = server.new_message(group, alice, SCAM)  # exists on "Telegram", so a warning could reply to it
        update = {"update_id": 900, "message": scam}
        assert await post_update(url, update, secret=None) == 403
        assert await post_update(url, update, secret="not-the-secret") == 403
        assert await post_update(url, update, secret=SECRET[:-1]) == 403
        await server.wait_idle()
        assert server.sent_messages() == [] and await bot.store.list() == []
        assert await post_update(url, update, secret=SECRET) == 200  # the same update, signed: handled
        await server.wait_for_calls("sendMessage", 2)
        assert len(warnings_to(server, scam)) == 1


async def test_workers_behind_a_proxy_register_once_and_each_serves_what_it_is_sent(
        server, world, engine, tmp_path):
    group, alice = world
    leader_port, worker_port = free_port(), free_port()
    serving_only = webhook(worker_port, set_webhook=False, public_url=None)
    async with running_bot(server, engine, tmp_path / "a.db", telegram=webhook(leader_port)), \
            running_bot(server, engine, tmp_path / "b.db", telegram=serving_only) as worker:
        [registered] = server.calls_of("setWebhook", ok_only=False)  # only the leader registered
        assert registered.params["url"] == f"http://127.0.0.1:{leader_port}/tg/hook"
        scam = server.new_message(group, alice, SCAM)
        # the proxy hands this update to the second worker, which never registered anything
        assert await post_update(f"http://127.0.0.1:{worker_port}/tg/hook", {"update_id": 901, "message": scam},
                                 secret=SECRET) == 200
        await server.wait_for_calls("sendMessage", 2)
        assert len(warnings_to(server, scam)) == 1
        [incident] = await worker.incidents(GROUP_ID)
        assert incident.message_id == str(scam["message_id"])


async def test_webhook_mode_without_a_secret_refuses_to_start_in_one_line(server, world, engine, tmp_path):
    no_secret = webhook(free_port(), secret_token=None)
    with pytest.raises(AdapterStopped) as stopped:
        async with running_bot(server, engine, tmp_path / "lg.db", telegram=no_secret):
            pass
    message = str(stopped.value)
    assert "\n" not in message
    assert message.startswith("telegram.mode is webhook but no secret token is set: set "
                              "LEEKGUARD_TELEGRAM_WEBHOOK_SECRET")
    assert server.calls == []  # refused before talking to Telegram


async def test_a_webhook_url_telegram_refuses_stops_the_adapter_with_its_answer(server, world, engine, tmp_path):
    plain_http = webhook(free_port(), public_url="http://bot.example.org/tg/hook")
    with pytest.raises(AdapterStopped, match="(?i)Telegram refused the webhook http://bot.example.org/tg/hook: "
                                             "bad webhook: an https url must be provided"):
        async with running_bot(server, engine, tmp_path / "lg.db", telegram=plain_http):
            pass


async def test_the_start_up_log_says_the_mode_and_never_the_secret(server, world, engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # PTB logs every Bot API call's parameters (setWebhook's secret) at DEBUG
    group, alice = world
    port = free_port()
    async with running_bot(server, engine, tmp_path / "lg.db", telegram=webhook(port)):
        server.push_message(group, alice, SCAM)
        await server.wait_for_calls("sendMessage", 2)
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert (f"telegram: webhook mode as @leekguard_test_bot: webhook server on http://127.0.0.1:{port}/tg/hook, "
            f"registered at http://127.0.0.1:{port}/tg/hook, secret token required") in text
    assert SECRET not in text and server.token not in text
    caplog.clear()
    async with running_bot(server, engine, tmp_path / "lg2.db"):  # the default: polling (deleteWebhook first)
        pass
    assert "telegram: polling mode as @leekguard_test_bot" in caplog.text
    assert server.webhook.url is None
