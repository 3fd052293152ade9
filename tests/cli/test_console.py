"""The console adapter and `leekguard run`: in-process transcripts, and real subprocesses fed by a pipe."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter, LineSource, read_entries, split_speaker
from bot.chat_settings import ChatSettingsService
from bot.config import Config
from bot.runner import AdapterStopped, Services, supervise
from bot.store.service import IncidentStore
from cli.wiring import choose_adapters
from tests.support.bot_core import real_engine

ROOT = Path(__file__).resolve().parents[2]
SCAM = "出售Sora内测账号，只要299，加V私聊 sora888"


# ---- input parsing ----

@pytest.mark.parametrize("line, speaker, text", [
    ("alice: hello", "alice", "hello"),
    ("王小明: 你好", "王小明", "你好"),
    ("see https://openai.com/sora now", None, "see https://openai.com/sora now"),
    ("note:no space", None, "note:no space"),
    ("/check hi", "you", "/check hi"),
    ("two words: hi", None, "two words: hi"),
])
def test_who_speaks(line, speaker, text):
    who, said = split_speaker(line)
    assert (who.name if who else None, said) == (speaker, text)


async def entries_of(text: str):
    return [(e.speaker.name, e.text) async for e in read_entries(LineSource(io.StringIO(text), False))]


async def test_continuation_lines_and_pasted_blocks_make_one_message():
    text = 'alice: line one \\\nline two\n\n"""\nblock 1\nblock 2\n"""\nbob: """\nb1\n"""\nplain\nlast \\\n'
    assert await entries_of(text) == [
        ("alice", "line one \nline two"),
        ("member", "block 1\nblock 2"),
        ("bob", "b1"),
        ("member", "plain"),
        ("member", "last "),  # input ended inside a continuation: what was typed is kept
    ]


# ---- in-process transcript ----

@pytest.fixture
async def services(tmp_path):
    store = await IncidentStore.open(tmp_path / "lg.db")
    config = Config.model_validate({"database": str(tmp_path / "lg.db"), "language": "en",
                                    "policy": {"scam": ["warn", "delete", "notify_admins"]}})
    yield Services(config=config, engine=real_engine(), store=store, chat_settings=ChatSettingsService(config, store))
    await store.close()


async def transcript(services: Services, text: str) -> list[str]:
    out = io.StringIO()
    await ConsoleAdapter(stdin=io.StringIO(text), stdout=out, interactive=False).run(services)
    return out.getvalue().splitlines()


async def test_console_transcript(services):
    lines = await transcript(services, "\n".join([
        "hello everyone",
        f"alice: {SCAM}",
        "/incidents",
        "/check",
        "/review 1 confirm",
        "bob: /incidents",
        "/settings set scam warn",
        "/help",
        "/quit",
        "never read",
    ]) + "\n")
    text = "\n".join(lines)
    assert lines[0] == "#1 member: hello everyone"
    assert lines[1] == f"#2 alice: {SCAM}"
    assert lines[2].startswith("[LeekGuard] ⚠️ LeekGuard: this looks like a scam")  # the chat's language wins
    assert "            The real Sora: https://sora.com (official site only)" in lines
    assert "[LeekGuard] deleted message #2 of alice" in lines
    assert any(line.startswith("[LeekGuard → admins] LeekGuard incident #1") for line in lines)
    assert "[Confirm scam: /button confirm:1]" in text
    assert "#1 " in text.split("you: /incidents")[1]  # the incident list
    assert "LeekGuard 检查 (#2)" in text  # /check alone checked alice's message, logged as a check
    assert "Incident #1 confirmed as a scam by you" in text
    assert "bob: /incidents\n[LeekGuard] Only admins of this chat can do that." in text
    assert "[LeekGuard] scam is now warn." in lines
    assert "a line ending in \\" not in text and "End a line with \\" in text  # console help is shown
    assert "never read" not in text
    assert "\x1b[" not in text  # plain when not on a terminal
    incident = await services.store.get(1)
    assert (incident.source, incident.author_name, incident.state) == ("console", "alice", "confirmed")
    real_engine().unlearn(incident.text, "scam")  # the shared engine must not keep what this test taught


async def test_console_dry_run_says_what_it_would_do(services):
    lines = await transcript(services, f"/settings set dry_run on\nmallory: {SCAM}\n")
    assert "[LeekGuard] (dry-run) would warn mallory about message #2:" in lines
    assert "[LeekGuard] (dry-run) would delete message #2 of mallory" in lines
    assert not any("deleted message" in line for line in lines)


async def test_console_button_and_unknown_command(services):
    lines = await transcript(services, f"eve: {SCAM}\n/button ban:1\n/bogus\n")
    assert "[LeekGuard] banned eve" in lines
    assert "[LeekGuard] unknown command /bogus; /help lists the commands" in lines


class ClosingPipe(io.StringIO):
    """An output whose reader goes away after the first line (like `leekguard run < chat.txt | head -1`)."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


async def test_console_stops_quietly_when_its_output_goes_away(services):
    out = ClosingPipe()
    adapter = ConsoleAdapter(stdin=io.StringIO(f"hi\nalice: {SCAM}\nbob: {SCAM}\n"), stdout=out, interactive=False)
    await adapter.run(services)  # returns (no SystemExit, which would skip the store's shutdown)
    assert out.getvalue() == "#1 member: hi\n"
    assert [i.author_name for i in await services.store.list()] == ["alice"]  # bob was never read


# ---- the runner ----

def test_console_runs_when_no_token_is_set():
    assert [a.name for a in choose_adapters(Config())] == ["console"]


def test_platforms_with_a_token_run_and_an_unloadable_adapter_is_reported(monkeypatch, caplog):
    import cli.wiring as wiring

    both = Config.model_validate({"telegram": {"token": "t"}, "discord": {"token": "d"}})
    monkeypatch.setitem(wiring.PLATFORMS, "telegram", ("adapters.console", "ConsoleAdapter"))
    monkeypatch.setitem(wiring.PLATFORMS, "discord", ("adapters.no_such_module", "DiscordAdapter"))
    assert [type(a).__name__ for a in choose_adapters(both)] == ["ConsoleAdapter"]
    assert "cannot load adapters.no_such_module.DiscordAdapter" in caplog.text
    with pytest.raises(wiring.NoAdapter):
        choose_adapters(Config.model_validate({"discord": {"token": "d"}}))


class Flaky:
    name = "flaky"

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.runs = failures, error, 0

    async def run(self, services) -> None:
        self.runs += 1
        if self.runs <= self.failures:
            raise self.error


class Ticker:
    name = "ticker"

    def __init__(self) -> None:
        self.ticks = 0

    async def run(self, services) -> None:
        for _ in range(20):
            self.ticks += 1
            await asyncio.sleep(0.005)


async def test_a_failing_adapter_is_restarted_with_backoff_while_the_others_serve(caplog):
    services = Services(config=Config.model_validate({"telegram": {"token": "SECRET-123"}}), engine=None,
                        store=None, chat_settings=None)  # type: ignore[arg-type]
    flaky, ticker = Flaky(3, RuntimeError("502 from /botSECRET-123/getUpdates")), Ticker()
    started = time.monotonic()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(supervise(flaky, services, first_delay=0.01, max_delay=0.04))
        tg.create_task(supervise(ticker, services, first_delay=0.01))
    assert flaky.runs == 4 and ticker.ticks == 20
    assert time.monotonic() - started >= 0.01 + 0.02 + 0.04  # 1x, 2x, then capped
    assert "flaky adapter failed" in caplog.text and "SECRET-123" not in caplog.text


async def test_an_adapter_that_cannot_recover_is_not_restarted():
    services = Services(config=Config(), engine=None, store=None, chat_settings=None)  # type: ignore[arg-type]
    stopped = Flaky(5, AdapterStopped("token rejected"))
    await asyncio.wait_for(supervise(stopped, services, first_delay=0.01), 5)
    assert stopped.runs == 1


# ---- real subprocesses ----

def bot_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "LEEKGUARD_CONFIG", "LEEKGUARD_DB")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["LEEKGUARD_DB"] = str(tmp_path / "console.db")
    return env


def test_leekguard_run_reads_a_piped_chat_and_ends_cleanly_at_eof(tmp_path):
    (tmp_path / "leekguard.yaml").write_text("policy:\n  scam: [warn, delete]\n", encoding="utf-8")
    chat = f"hi all\nalice: {SCAM}\nbob: Selling Sora invite codes, only $50, DM @soraseller\n/incidents\n"
    done = subprocess.run([sys.executable, "-m", "cli", "run"], input=chat, capture_output=True, text=True,
                          cwd=tmp_path, env=bot_env(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[LeekGuard] ⚠️ LeekGuard提醒" in out and "[LeekGuard] ⚠️ LeekGuard: this looks like a scam" in out
    assert "[LeekGuard] deleted message #2 of alice" in out and "deleted message #3 of bob" in out
    assert "\x1b[" not in out and "Traceback" not in done.stderr

    async def incidents():
        store = await IncidentStore.open(tmp_path / "console.db", create=False)
        try:
            return await store.list(chat="console:console")
        finally:
            await store.close()

    found = asyncio.run(incidents())
    assert sorted(i.author_name for i in found) == ["alice", "bob"], (found, done.stdout, done.stderr)


def test_leekguard_run_stops_cleanly_on_sigterm(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "cli", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=bot_env(tmp_path))
    try:
        proc.stdin.write(f"alice: {SCAM}\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        seen = ""
        while "[LeekGuard]" not in seen and time.monotonic() < deadline:
            seen += proc.stdout.readline()
        assert "[LeekGuard]" in seen  # it answered and still waits for input
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_leekguard_run_with_a_broken_config_exits_2(tmp_path):
    (tmp_path / "leekguard.yaml").write_text("policy:\n  sensitivity: extreme\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cli", "run"], input="", capture_output=True, text=True,
                          cwd=tmp_path, env=bot_env(tmp_path), timeout=60)
    assert done.returncode == 2
    assert "config error: policy.sensitivity: 'extreme' is not one of low, normal, high" in done.stderr
    assert "Traceback" not in done.stderr
