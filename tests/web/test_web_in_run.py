"""The console inside `leekguard run` (config `web.enabled`): a real bot process, its console chat records a scam,
the API reviews it, and the running engine learns it at once through the bot's own LearnedSync."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from tests.support.web import TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def _until(fn, timeout: float = 60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            got = await fn()
            if got:
                return got
        except httpx.TransportError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.2)


async def test_web_enabled_serves_beside_the_console_and_reviews_teach_the_running_engine(tmp_path):
    port = free_port()
    (tmp_path / "leekguard.yaml").write_text(f"web:\n  enabled: true\n  port: {port}\n", encoding="utf-8")
    env = {**os.environ, "LEEKGUARD_DB": str(tmp_path / "run.db"), "LEEKGUARD_WEB_TOKEN": TOKEN,
           "PYTHONPATH": str(ROOT)}
    for k in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "LEEKGUARD_CONFIG"):
        env.pop(k, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            assert (await _until(lambda: client.get("/api/incidents"))).status_code == 401  # up, and locked
            proc.stdin.write("alice: Sora内测账号 只要299 加V私聊 chatgpt plus 永久会员\n".encode())
            await proc.stdin.drain()

            async def listed():
                r = await client.get("/api/incidents", headers=AUTH)
                return r.json()["incidents"] if r.status_code == 200 else None

            [inc] = await _until(listed)
            assert inc["verdict"] == "scam" and inc["source"] == "console"
            r = await client.post(f"/api/incidents/{inc['id']}/review", headers=AUTH,
                                  json={"decision": "confirm", "note": "from the API"})
            assert r.status_code == 200 and r.json()["incident"]["state"] == "confirmed", r.text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    printed = (out + err).decode()
    assert proc.returncode == 0, printed[-3000:]
    assert "learning: +1 / -0 samples" in printed  # the running engine learned the review at once
    assert TOKEN not in printed
