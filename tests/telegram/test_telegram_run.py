"""`leekguard run` as a user starts it: a real process, token and API URL from the environment, SIGTERM to stop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fake_platforms.telegram_server import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]


async def test_leekguard_run_moderates_telegram_and_stops_on_sigterm(tmp_path):
    async with FakeTelegramServer() as server:
        group, alice = server.add_chat(-1004242, title="AI 副业群"), server.add_user(4242, "Alice")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
               "TELEGRAM_API_FILE_URL": server.base_file_url, "LEEKGUARD_DB": str(tmp_path / "run.db"),
               "PYTHONPATH": str(ROOT)}
        env.pop("DISCORD_BOT_TOKEN", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await server.wait_for_calls("getUpdates", timeout=30)  # polling: the bot is up
            scam = server.push_message(group, alice, "ChatGPT Plus 共享账号 38元/月 联系 @seller")
            [warning, _] = await server.wait_for_calls("sendMessage", 2, timeout=15)
            assert warning.params["reply_parameters"]["message_id"] == scam["message_id"]
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()[-2000:]
        printed = (out + err).decode()
        assert server.token not in printed and server.token.split(":")[1] not in printed
        assert (tmp_path / "run.db").exists()
