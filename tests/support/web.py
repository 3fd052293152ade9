"""Helpers for the web console tests: a seeded incident database and `leekguard web` served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from click.testing import CliRunner

from bot.store.service import IncidentStore
from cli.main import main
from tests.support.incidents import days_ago, finding, incident

TOKEN = "test-token-0123456789abcdef"
HOSTILE_TEXT = ("<script>alert('xss')</script><img src=x onerror=alert(1)> Sora内测账号 只要299 "
                "\u202egnp.exe \"quotes\" & 'apostrophes'")
HOSTILE_NAME = "<b>boss</b>\u202eevil"
HOSTILE_CHAT = "<iframe src=//evil>群"


def seed(path: Path) -> dict[str, int]:
    """Four incidents: a hostile scam (telegram -100), a suspicious fake API offer (discord 9), a plain scam in
    chat -200 three days ago, and a clean one. Returns their ids by name."""

    async def build() -> dict[str, int]:
        async with await IncidentStore.open(path) as s:
            ids = {}
            ids["hostile"] = (await s.record(incident(
                message_id="h", text=HOSTILE_TEXT, author_name=HOSTILE_NAME, chat_title=HOSTILE_CHAT,
                findings=[finding(start=HOSTILE_TEXT.index("Sora"), end=HOSTILE_TEXT.index("Sora") + 8)],
                created_at=days_ago(0.1)))).id
            ids["api"] = (await s.record(incident(
                message_id="a", source="discord", chat_id="9", chat_title="dev server", author_id="7",
                author_name="keyseller", verdict="suspicious", categories=("fake_api",), text="cheap gpt api key 中转",
                findings=[finding(rule="fake_api.relay", start=0, end=17, text="cheap gpt api key",
                                  category="fake_api")], created_at=days_ago(1)))).id
            ids["course"] = (await s.record(incident(
                message_id="c", chat_id="-200", chat_title="副业群", author_id="43", author_name="张老师",
                categories=("paid_course",), text="零基础月入过万 AI 课程 报名", created_at=days_ago(3),
                findings=[finding(rule="paid_course.income", start=0, end=7, text="零基础月入过万",
                                  category="paid_course")]))).id
            ids["clean"] = (await s.record(incident(
                message_id="k", verdict="clean", score=0.1, categories=(), findings=[], text="大家好 hello",
                created_at=days_ago(2)))).id
            return ids

    return asyncio.run(build())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: Path, token: str | None = TOKEN, *args: str) -> Iterator[str]:
    """`leekguard web` in a child process on a free loopback port; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "LEEKGUARD_WEB_TOKEN"}
    if token:
        env["LEEKGUARD_WEB_TOKEN"] = token
    proc = subprocess.Popen([sys.executable, "-m", "cli", "web", "--db", str(db), "--port", str(port), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"leekguard web exited: {proc.stderr.read()}")
            try:
                httpx.get(url + "/login", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(url: str, token: str = TOKEN) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False)
    page = client.get("/login")
    r = client.post("/login", data={"token": token, "csrf": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    return client


def cli_show(db: Path, incident_id: int) -> dict:
    res = CliRunner().invoke(main, ["incidents", "show", str(incident_id), "--db", str(db), "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def cli_samples(db: Path) -> list[dict]:
    res = CliRunner().invoke(main, ["samples", "list", "--db", str(db), "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)
