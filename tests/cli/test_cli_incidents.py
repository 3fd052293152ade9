"""`leekguard incidents | db | samples` as an admin uses them: real click app, real database file."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from bot.store.service import IncidentStore
from cli.main import main
from tests.support.incidents import days_ago, finding, incident

EVIL = "Sora内测账号 只要299 \x1b[31mRED\x1b[0m 加V私聊"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "lg.db"

    async def build():
        async with await IncidentStore.open(path) as s:
            a = await s.record(incident(message_id="a", text=EVIL, author_name="=cmd|' /C calc'!A0",
                                        findings=[finding(), finding(rule="$price", start=14, end=17, text="299",
                                                                     category="signal", score=0.1, detector="signal")],
                                        categories=("fake_access", "paid_course"), created_at=days_ago(1)))
            await s.set_action_results(a.id, [{"action": "warn", "status": "failed", "detail": "Forbidden"}])
            await s.record(incident(message_id="b", source="discord", chat_id="9", author_id="7", verdict="suspicious",
                                    categories=("fake_api",), text="cheap gpt api key", created_at=days_ago(3)))
            await s.record(incident(message_id="c", chat_id="-200", author_id="43", created_at=days_ago(100),
                                    text="老消息"))

    asyncio.run(build())
    return path


def run(*args, env=None, input=None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def ok(*args, **kw):
    result = run(*args, **kw)
    assert result.exit_code == 0, result.output
    return result


def js(*args):
    return json.loads(ok(*args, "--json").stdout)


def test_list_table_and_filters(db):
    out = ok("incidents", "list", "--db", str(db)).stdout
    assert "3 incident(s)" in out and "老消息" in out and "\x1b" not in out  # the ESC from the chat is shown, inert
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db))] == ["a", "b", "c"]
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db), "--chat", "telegram:-100")] == ["a"]
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db), "--chat", "9")] == ["b"]
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db), "--category", "paid_course")] == ["a"]
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db), "--author", "telegram:43")] == ["c"]
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db), "--since", "7d")] == ["a", "b"]
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db), "--since", "2000-01-01",
                                        "--limit", "1")] == ["a"]
    assert js("incidents", "list", "--db", str(db), "--state", "confirmed") == []
    assert "no incidents match" in ok("incidents", "list", "--db", str(db), "--state", "dismissed").stdout


def test_show_highlights_evidence_and_neutralises_terminal_escapes(db):
    out = ok("incidents", "show", "1", "--db", str(db), env={"FORCE_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "\x1b[31mRED" not in out and "\\x1b[31mRED" in out  # the chat's ESC sequence cannot colour our terminal
    # evidence spans are styled (bold black on yellow), the text around them is not
    assert "\x1b[1;30;43mSora内测账号\x1b[0m" in out and "\x1b[1;30;43m299\x1b[0m" in out
    assert "fake_access.sora_account" in out and "Forbidden" in out and "售卖账号" in out
    data = js("incidents", "show", "1", "--db", str(db))
    assert data["text"] == EVIL and data["action_results"][0]["status"] == "failed"
    assert data["findings"][0]["evidence"][0] == {"start": 0, "end": 8, "text": "Sora内测账号"}


def test_review_learns_and_exempts(db):
    res = js("incidents", "review", "1", "confirm", "--by", "alice", "--note", "sold fake Sora", "--db", str(db))
    assert res["incident"]["state"] == "confirmed" and res["sample"]["label"] == "scam"
    out = ok("incidents", "review", "1", "dismiss", "--exempt", "fake_access.sora_account", "--db", str(db)).stdout
    assert "confirmed -> dismissed" in out and "rule fake_access.sora_account exempted in telegram:-100" in out
    samples = js("samples", "list", "--db", str(db))
    assert [(s["label"], s["incident_id"]) for s in samples] == [("clean", 1)]
    assert samples[0]["added_by"].startswith("cli:")
    con = sqlite3.connect(db)
    assert con.execute("SELECT chat_key, rule_id FROM rule_exemptions").fetchall() == [
        ("telegram:-100", "fake_access.sora_account")]
    con.close()
    for rule in ("no.such.rule", "$price"):  # unknown, or a signal (the engine exempts pattern rules only)
        bad = run("incidents", "review", "1", "dismiss", "--exempt", rule, "--db", str(db))
        assert bad.exit_code == 2 and "can be exempted: fake_access.sora_account" in bad.stderr
    assert run("incidents", "review", "1", "confirm", "--exempt", "fake_access.sora_account",
               "--db", str(db)).exit_code == 2


def test_export_jsonl_and_csv(db, tmp_path):
    lines = ok("incidents", "export", "--format", "jsonl", "--db", str(db)).stdout.splitlines()
    assert [json.loads(x)["message_id"] for x in lines] == ["a", "b", "c"]
    assert json.loads(lines[0])["text"] == EVIL  # exact, control characters included

    out = tmp_path / "out.csv"
    ok("incidents", "export", "--format", "csv", "-o", str(out), "--category", "paid_course", "--db", str(db))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 1 and rows[0]["text"] == EVIL and rows[0]["categories"] == "fake_access;paid_course"
    assert rows[0]["author_name"] == "'=cmd|' /C calc'!A0"  # a spreadsheet shows it, does not run it
    assert rows[0]["chat_id"] == "-100"  # ids are not touched

    ok("incidents", "export", "--format", "csv", "-o", str(out), "--raw", "--bom", "--db", str(db))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["author_name"] == "=cmd|' /C calc'!A0" and len(rows) == 3


def test_export_streams_past_one_page(tmp_path):
    path = tmp_path / "many.db"

    async def build():
        when = days_ago(1)  # equal times everywhere: paging must break ties by id
        async with await IncidentStore.open(path) as s:
            await asyncio.gather(*(s.record(incident(message_id=str(i), created_at=when)) for i in range(1234)))

    asyncio.run(build())
    lines = ok("incidents", "export", "--db", str(path)).stdout.splitlines()
    assert sorted(json.loads(x)["message_id"] for x in lines) == sorted(str(i) for i in range(1234))


def test_stats(db):
    s = js("incidents", "stats", "--db", str(db))
    assert s["total"] == 3 and s["by_category"] == {"fake_access": 2, "paid_course": 1, "fake_api": 1}
    assert s["by_state"] == {"open": 3} and s["by_verdict"] == {"scam": 2, "suspicious": 1}
    assert js("incidents", "stats", "--db", str(db), "--chat", "discord:9")["by_category"] == {"fake_api": 1}
    assert js("incidents", "stats", "--db", str(db), "--since", "2d")["total"] == 1
    out = ok("incidents", "stats", "--db", str(db)).stdout
    assert "per category" in out and "per day (UTC)" in out


def test_purge_and_forget_user(db):
    refused = run("incidents", "purge", "--older-than", "90d", "--db", str(db))
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert js("incidents", "purge", "--older-than", "90d", "--yes", "--db", str(db))["purged"] == 1
    assert run("incidents", "purge", "--older-than", "soon", "--yes", "--db", str(db)).exit_code == 2
    a = js("incidents", "list", "--db", str(db), "--chat", "telegram:-100")[0]["id"]
    asyncio.run(_remember_poster(db, a))  # a picture of theirs the bot's image checks hashed
    gone = js("incidents", "forget-user", "telegram:42", "--yes", "--db", str(db))
    assert (gone["incidents"], gone["samples"], gone["posters"]) == (1, 0, 1)
    assert asyncio.run(_poster_incidents(db)) == []
    assert [i["message_id"] for i in js("incidents", "list", "--db", str(db))] == ["b"]
    bad = run("incidents", "forget-user", "42", "--yes", "--db", str(db))
    assert bad.exit_code == 2 and "PLATFORM:USER_ID" in bad.stderr


async def _remember_poster(db, incident_id):
    from bot.images.posters import PosterStore
    from detectors.images.poster_hash import PosterHash

    posters = await PosterStore.open(db)
    try:
        await posters.remember(incident_id, "telegram:-100", PosterHash(1, 2), confirmed=True)
    finally:
        await posters.close()


async def _poster_incidents(db):
    from bot.images.posters import PosterStore

    posters = await PosterStore.open(db)
    try:
        return [k.incident_id for k in await posters.confirmed()]
    finally:
        await posters.close()


def test_backup_and_samples(db, tmp_path):
    copy = tmp_path / "copy.db"
    info = js("db", "backup", str(copy), "--db", str(db))
    assert info["incidents"] == 3
    assert run("db", "backup", str(copy), "--db", str(db)).exit_code == 2  # exists: needs --force
    ok("db", "backup", str(copy), "--force", "--db", str(db))
    assert len(js("incidents", "list", "--db", str(copy))) == 3

    ok("incidents", "review", "1", "confirm", "--db", str(db))
    ok("incidents", "review", "2", "dismiss", "--db", str(db))
    exported = ok("samples", "export", "--label", "scam", "--db", str(db)).stdout.splitlines()
    assert [json.loads(x)["text"] for x in exported] == [EVIL]
    sid = json.loads(exported[0])["id"]
    assert "learned samples" in ok("samples", "list", "--db", str(db)).stdout
    removed = js("samples", "remove", str(sid), "--db", str(db))
    assert [s["id"] for s in removed["removed"]] == [sid]
    again = run("samples", "remove", str(sid), "--db", str(db))
    assert again.exit_code == 2 and f"no sample #{sid}" in again.stderr
    assert [s["label"] for s in js("samples", "list", "--db", str(db))] == ["clean"]


def test_database_from_env_and_from_config(db, tmp_path):
    assert len(json.loads(ok("incidents", "list", "--json", env={"LEEKGUARD_DB": str(db)}).stdout)) == 3
    cfg = tmp_path / "lg.yaml"
    cfg.write_text(f"database: {db}\n", encoding="utf-8")
    out = ok("--config", str(cfg), "incidents", "list", "--json", env={"LEEKGUARD_DB": None}).stdout
    assert len(json.loads(out)) == 3


@pytest.mark.parametrize("args, message", [
    (["incidents", "list", "--db", "/nonexistent/lg.db"], "database not found: /nonexistent/lg.db"),
    (["incidents", "list", "--since", "last tuesday"], "neither an age"),
    (["incidents", "show", "999"], "no incident #999"),
    (["incidents", "review", "999", "confirm"], "no incident #999"),
    (["incidents", "list", "--state", "maybe"], "Invalid value for '--state'"),
    (["incidents", "show", "abc"], "is not a valid integer"),
])
def test_errors_are_one_clear_line_with_status_2(db, args, message):
    if "--db" not in args:
        args = [*args, "--db", str(db)]
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_newer_database_is_refused_clearly(tmp_path):
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 7")
    con.close()
    result = run("incidents", "list", "--db", str(path))
    assert result.exit_code == 2 and "newer than this LeekGuard understands" in result.stderr
