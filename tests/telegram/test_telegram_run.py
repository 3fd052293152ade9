"""`leekguard run` as a user starts it: a real process, token and API URL from the environment, SIGTERM to stop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fake_platforms.telegram_server import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]


def _env(server: FakeTelegramServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
           "TELEGRAM_API_FILE_URL": server.base_file_url, "LEEKGUARD_DB": str(tmp_path / "run.db"),
           "PYTHONPATH": str(ROOT), **extra}
    env.pop("DISCORD_BOT_TOKEN", None)
    return env


async def _start(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _stop(proc: asyncio.subprocess.Process) -> str:
    """SIGTERM, as a service manager stops it; returns everything it printed, and checks it exited cleanly."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()[-2000:]
    return (out + err).decode()


async def test_leekguard_run_moderates_telegram_and_stops_on_sigterm(tmp_path):
    async with FakeTelegramServer() as server:
        group, alice = server.add_chat(-1004242, title="AI 副业群"), server.add_user(4242, "Alice")
        proc = await _start(tmp_path, _env(server, tmp_path))
        try:
            await server.wait_for_calls("getUpdates", timeout=30)  # polling: the bot is up
            scam = server.push_message(group, alice, "ChatGPT Plus 共享账号 38元/月 联系 @seller")
            [warning, _] = await server.wait_for_calls("sendMessage", 2, timeout=15)
            assert warning.params["reply_parameters"]["message_id"] == scam["message_id"]
        finally:
            printed = await _stop(proc)
        assert server.token not in printed and server.token.split(":")[1] not in printed
        assert (tmp_path / "run.db").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_leekguard_run_in_webhook_mode_takes_its_secret_from_the_environment(tmp_path):
    secret = "run-webhook_SECRET-42"
    async with FakeTelegramServer() as server:
        group, alice = server.add_chat(-1004343, title="AI 副业群"), server.add_user(4343, "Alice")
        port = _free_port()
        (tmp_path / "leekguard.yaml").write_text(
            f"telegram:\n  mode: webhook\n  webhook:\n    port: {port}\n    url_path: hook\n"
            f"    public_url: http://127.0.0.1:{port}/hook\n", encoding="utf-8")
        proc = await _start(tmp_path, _env(server, tmp_path, LEEKGUARD_TELEGRAM_WEBHOOK_SECRET=secret))
        try:
            [registered] = await server.wait_for_calls("setWebhook", timeout=30)
            assert registered.params["secret_token"] == secret
            scam = server.push_message(group, alice, "ChatGPT Plus 共享账号 38元/月 联系 @seller")
            [warning, _] = await server.wait_for_calls("sendMessage", 2, timeout=15)
            assert warning.params["reply_parameters"]["message_id"] == scam["message_id"]
        finally:
            printed = await _stop(proc)
        assert "webhook mode" in printed and f"http://127.0.0.1:{port}/hook" in printed
        assert secret not in printed and server.token not in printed


async def test_leekguard_run_refuses_webhook_mode_without_a_secret_in_one_line(tmp_path):
    (tmp_path / "leekguard.yaml").write_text("telegram: {mode: webhook, webhook: {public_url: 'https://x.org/h'}}\n",
                                             encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123456789:TEST-token_abcdefghijklmnopqrstuvwxyz",
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot", "LEEKGUARD_DB": str(tmp_path / "run.db"),
           "PYTHONPATH": str(ROOT)}
    for var in ("DISCORD_BOT_TOKEN", "LEEKGUARD_TELEGRAM_WEBHOOK_SECRET"):
        env.pop(var, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    lines = [line for line in (out + err).decode().splitlines() if "secret token" in line]
    assert len(lines) == 1 and "telegram adapter stopped: telegram.mode is webhook but no secret token is set" \
        in lines[0], (out + err).decode()[-2000:]
    assert "Traceback" not in (out + err).decode()
