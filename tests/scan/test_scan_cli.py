"""`leekguard scan` end to end: the real CLI, the real detection engine, the real incident store."""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.store.service import IncidentStore
from cli.main import main
import cli.scan as cli_scan
from detectors.engine import Engine
from tests.support.exports import MarkerEngine, telegram_export, tg_message

DATA = Path(__file__).parent / "data" / "exports"
DISCORD_ADVERT = "1200000000000000002"  # "Selling GPT-4 API keys ... DM me now"
DISCORD_CLEAN = "1200000000000000004"  # "Has anyone tried the new Gemini model ..."


@pytest.fixture(scope="module")
def real_engine():
    return Engine.load()


@pytest.fixture
def cli(monkeypatch, tmp_path, real_engine):
    """Run `leekguard ...` in a clean directory with its own database; the engine is loaded once per module."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEEKGUARD_DB", str(tmp_path / "leekguard.db"))
    monkeypatch.delenv("LEEKGUARD_CONFIG", raising=False)
    engine = {"engine": real_engine}
    monkeypatch.setattr(cli_scan, "_load_engine", lambda config: engine["engine"])

    def run(*args: str, use: object | None = None):
        if use is not None:
            engine["engine"] = use
        return CliRunner().invoke(main, ["scan", *args], catch_exceptions=False)
    return run


def test_scan_of_every_fixture_flags_the_adverts(cli, tmp_path):
    res = cli(str(DATA), "--csv", "flagged.csv", "--jsonl", "flagged.jsonl", "--report", "report.html")
    assert res.exit_code == 1, res.output
    assert "Scanned 5 file(s)" in res.stdout
    assert "Messages read: 20 (18 analysed, 2 with no text; 3 service notices not counted)" in res.stdout
    assert "Flagged:" in res.stdout and "Top senders of flagged messages" in res.stdout
    assert "First flagged: 2025-" in res.stdout
    rows = list(csv.DictReader(open(tmp_path / "flagged.csv", encoding="utf-8")))
    assert list(rows[0])[:8] == ["source", "message_id", "sender", "time", "verdict", "score", "categories",
                                 "evidence"]
    flagged = {r["message_id"]: r for r in rows}
    advert = flagged[DISCORD_ADVERT]
    assert advert["verdict"] == "scam" and advert["sender"] == "CheapGPT Shop"
    assert advert["source"] == str(DATA / "discord_export.json") and advert["evidence"]
    assert "m2" in flagged  # the Sora access resale in the JSONL export
    assert DISCORD_CLEAN not in flagged and "1200000000000000001" not in flagged  # clean; a join notice
    jrows = [json.loads(line) for line in open(tmp_path / "flagged.jsonl", encoding="utf-8")]
    assert {r["message_id"] for r in jrows} == set(flagged)
    assert all(r["verdict"] in ("scam", "suspicious") for r in jrows)
    page = (tmp_path / "report.html").read_text("utf-8")
    assert 'id="flagged-chart"' in page and page.count('<article class="msg') == len(rows)
    assert 'href="https://discord.com/channels/880000000000000001/880000000000000042/1200000000000000002"' in page


def test_all_includes_clean_messages_but_not_service_notices(cli, tmp_path):
    res = cli(str(DATA / "discord_export.json"), "--all", "--jsonl", "all.jsonl")
    assert res.exit_code == 1
    rows = {r["message_id"]: r for r in map(json.loads, open(tmp_path / "all.jsonl", encoding="utf-8"))}
    assert DISCORD_CLEAN in rows and rows[DISCORD_CLEAN]["verdict"] == "clean"
    assert "1200000000000000001" not in rows and len(rows) == 4


def test_clean_history_exits_0(cli, tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("早上好\n今天的分享会几点开始？\nThanks, the slides were great.\n", "utf-8")
    res = cli(str(path), "--report", "report.html")
    assert res.exit_code == 0, res.output
    assert "Messages read: 3" in res.stdout and "Flagged: 0" in res.stdout
    page = (tmp_path / "report.html").read_text("utf-8")
    assert "Nothing was flagged." in page and "No dated flagged messages to chart." in page


@pytest.mark.parametrize("content, expected", [
    (None, "no such file or folder"),
    (b"", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
])
def test_unreadable_input_exits_2_naming_the_file(cli, tmp_path, content, expected):
    path = tmp_path / "input.json"
    if content is not None:
        path.write_bytes(content)
    res = cli(str(path))
    assert res.exit_code == 2
    assert f"{path}: {expected}" in res.stderr


def test_truncated_export_reports_what_it_read_and_exits_2(cli, tmp_path):
    raw = (DATA / "telegram_result.json").read_bytes()
    path = tmp_path / "result.json"
    path.write_bytes(raw[:raw.index(b'"id": 108')])
    res = cli(str(path), "--no-progress", use=MarkerEngine())
    assert res.exit_code == 2
    assert "Messages read: 5" in res.stdout  # 102-106 were read before the cut (101 is a service notice)
    assert f"{path}: byte " in res.stderr and "truncated or malformed JSON" in res.stderr
    assert "partly read" in res.stderr


def test_error_wins_over_flagged(cli, tmp_path):
    good = telegram_export(tmp_path / "a.json", [tg_message(1, "[scam:fake_access]")])
    res = cli(str(good), str(tmp_path / "nope.txt"), use=MarkerEngine())
    assert res.exit_code == 2 and "Flagged: 1" in res.stdout and "nope.txt: no such file" in res.stderr
    res = cli(str(good), use=MarkerEngine())
    assert res.exit_code == 1


def test_unwritable_outputs_exit_2(cli, tmp_path):
    good = telegram_export(tmp_path / "a.json", [tg_message(1, "hello")])
    res = cli(str(good), "--csv", str(tmp_path / "no" / "such" / "dir.csv"), use=MarkerEngine())
    assert res.exit_code == 2 and "cannot write" in res.stderr
    res = cli(str(good), "--report", str(tmp_path / "no" / "r.html"), use=MarkerEngine())
    assert res.exit_code == 2 and "cannot write" in res.stderr and "r.html" in res.stderr
    assert "Messages read" not in res.stdout  # refused before scanning


def _incidents(db: Path) -> list:
    async def go():
        store = await IncidentStore.open(str(db), create=False, maintenance=False)
        try:
            return await store.list(limit=1000)
        finally:
            await store.close()
    return asyncio.run(go())


def test_record_twice_does_not_duplicate(cli, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(DATA, export)
    first = cli(str(export), "--record")
    assert first.exit_code == 1, first.output
    incidents = _incidents(tmp_path / "leekguard.db")
    assert incidents and all(i.source == "scan" and i.state == "open" for i in incidents)
    n = len(incidents)
    assert f"{n} new, 0 updated, 0 already recorded" in first.stdout
    keys = {(i.chat_id, i.message_id) for i in incidents}
    assert ("discord:880000000000000042", DISCORD_ADVERT) in keys
    advert = next(i for i in incidents if i.message_id == DISCORD_ADVERT)
    assert advert.author_name == "CheapGPT Shop" and advert.findings and advert.actions == []

    second = cli(str(export), "--record")
    assert second.exit_code == 1
    assert f"0 new, 0 updated, {n} already recorded" in second.stdout
    assert len(_incidents(tmp_path / "leekguard.db")) == n


def test_record_to_an_unopenable_database_exits_2_before_scanning(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LEEKGUARD_DB", str(tmp_path))  # a folder, not a database file
    res = cli(str(DATA / "chat.txt"), "--record", use=MarkerEngine())
    assert res.exit_code == 2 and "cannot open the incident log" in res.stderr
    assert "Messages read" not in res.stdout


def test_rule_exemptions_in_the_incident_log_apply_to_scans(cli, tmp_path):
    """An admin who exempted a chat from a rule gets the same judgement from a scan as from the bot."""
    db = tmp_path / "leekguard.db"
    first = cli(str(DATA / "discord_export.json"), "--record", use=Engine.load())  # engines here get taught
    assert first.exit_code == 1
    advert = next(i for i in _incidents(db) if i.message_id == DISCORD_ADVERT)
    assert advert.rules

    async def exempt():
        store = await IncidentStore.open(str(db), create=False, maintenance=False)
        try:
            for rule in advert.rules:
                await store.add_exemption("discord:880000000000000042", rule, by="admin")
        finally:
            await store.close()
    asyncio.run(exempt())
    second = cli(str(DATA / "discord_export.json"), "--all", "--jsonl", "rows.jsonl", use=Engine.load())
    assert second.exit_code in (0, 1), second.output
    rows = {r["message_id"]: r for r in map(json.loads, open(tmp_path / "rows.jsonl", encoding="utf-8"))}
    # the exempted pattern rules no longer count: their evidence is gone and the score drops (signals and the
    # classifier still speak: an exemption silences a rule, it does not whitelist the message)
    before = {sp["text"] for f in advert.findings if f["score"] > 0 for sp in f["evidence"] if sp["text"].strip()}
    after = set(rows[DISCORD_ADVERT]["evidence"])
    assert after < before, (before, after)


def test_ctrl_c_ends_the_scan_cleanly_with_status_2(cli, tmp_path):
    """Ctrl-C mid-scan: what was read is summarised and recorded, the database is closed, exit status 2."""
    import os
    import signal

    class InterruptedEngine(MarkerEngine):
        def analyze(self, text, **kw):
            if len(self.calls) == 3:
                os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C while message 4 is analysed
            return super().analyze(text, **kw)

    export = telegram_export(tmp_path / "result.json",
                             [tg_message(i, f"[scam:fake_access] {i}") for i in range(1, 11)])
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN when pytest itself runs as a background job
    res = cli(str(export), "--record", use=InterruptedEngine())
    assert res.exit_code == 2
    assert "Messages read: 4" in res.stdout and "4 new" in res.stdout
    assert "interrupted (Ctrl-C)" in res.stderr
    assert len(_incidents(tmp_path / "leekguard.db")) == 4
    assert signal.getsignal(signal.SIGINT) is handler_before  # handler restored


def test_worker_processes_write_the_same_rows(cli, tmp_path):
    one = cli(str(DATA), "--jobs", "1", "--all", "--csv", "one.csv")
    two = cli(str(DATA), "--jobs", "2", "--all", "--csv", "two.csv")
    assert one.exit_code == two.exit_code == 1
    assert (tmp_path / "one.csv").read_text("utf-8") == (tmp_path / "two.csv").read_text("utf-8")
