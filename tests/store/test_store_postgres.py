"""The incident store on a real PostgreSQL server: migrations, faults, races, and the CLI's migrate command.

Behaviour shared with SQLite is tested on both backends in the other store tests (the `db` fixture); here is
what only a server has: it can stop and come back, another session can hold a lock, two processes can race,
and a URL can be wrong or its password refused.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from bot.store.service import IncidentStore, open_store
from bot.store.types import SchemaTooNew, StoreError
from cli.main import main
from tests.support.incidents import count_rows, incident
from fake_platforms.postgres import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as c:
        return [r[0] for r in c.execute("SELECT version FROM leekguard_schema ORDER BY version")]


# ---- migrations ----

async def test_two_processes_starting_at_once_migrate_once(pg_url):
    stores = await asyncio.gather(*(open_store(pg_url) for _ in range(4)))
    try:
        assert _versions(pg_url) == [5]
        results = await asyncio.gather(*(s.record(incident(message_id="same")) for s in stores))
        assert len({r.id for r in results}) == 1 and sum(r.created for r in results) == 1
    finally:
        for s in stores:
            await s.close()
    async with await open_store(pg_url):  # opening again changes nothing
        assert _versions(pg_url) == [5]


async def test_newer_schema_and_foreign_tables_are_refused(pg, pg_url):
    async with await open_store(pg_url):
        pass
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("INSERT INTO leekguard_schema VALUES (99, 0)")
    with pytest.raises(SchemaTooNew, match="version 99"):
        await open_store(pg_url)
    other = pg.new_database()
    with psycopg.connect(other, autocommit=True) as c:
        c.execute("CREATE TABLE incidents (id int)")
    with pytest.raises(StoreError, match="without a LeekGuard schema version"):
        await open_store(other)


# ---- errors a person sees ----

async def test_unreachable_server_bad_password_and_bad_url_are_one_clear_line(pg, pg_url):
    wrong_pw = pg_url.replace(PASSWORD, "not-the-password")
    with pytest.raises(StoreError) as err:
        await open_store(wrong_pw)
    assert "password authentication failed" in str(err.value) and "not-the-password" not in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(StoreError, match="cannot open database.*(refused|failed)") as err:
        await open_store(f"postgresql://lg:{PASSWORD}@127.0.0.1:1/lg")
    assert PASSWORD not in str(err.value)
    with pytest.raises(StoreError, match="no database name"):
        await open_store(f"postgresql://lg:{PASSWORD}@127.0.0.1:5432")


def test_cli_errors_hide_the_password(pg, pg_url):
    r = CliRunner().invoke(main, ["incidents", "list", "--db", pg_url.replace(PASSWORD, "wrongpw")])
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
    assert "wrongpw" not in r.stderr and "Traceback" not in r.stderr
    r = CliRunner().invoke(main, ["db", "backup", "x.db", "--db", pg_url])
    assert r.exit_code == 2 and "pg_dump" in r.stderr and PASSWORD not in r.stderr


# ---- faults ----

async def test_server_stopped_mid_run_holds_incidents_and_flushes_them_when_it_returns(pg, pg_url, caplog):
    store = await open_store(pg_url, retry_max_wait=0.3)
    try:
        before = await store.record(incident(message_id="before"))
        pg.stop()
        try:
            t0 = time.monotonic()
            during = [await store.record(incident(message_id=f"during-{i}")) for i in range(30)]
            again = await store.record(incident(message_id="during-3"))  # a redelivery while down
            assert time.monotonic() - t0 < 10, "moderation must not wait for the database"
            assert all(r.pending and not r.dropped for r in during + [again])
            assert store.pending == 31 and store.last_error
            await asyncio.sleep(0.5)
            assert store.pending == 31  # retried with backoff, still held
        finally:
            pg.start_again()
        assert await store.wait_flushed(30)
        assert store.pending == 0
        rows = await store.list(limit=None)
        assert sorted(i.message_id for i in rows) == sorted(["before"] + [f"during-{i}" for i in range(30)])
        assert (await store.record(incident(message_id="after"))).created  # a new session, writes go on
        assert (await store.get(before.id)).message_id == "before"  # reads reconnected too
    finally:
        report = await store.close()
    assert report.ok


async def test_a_held_lock_makes_writes_wait_then_queue_never_crash(pg_url):
    store = await open_store(pg_url, busy_timeout_ms=200, retry_max_wait=0.2)
    try:
        first = await store.record(incident(message_id="locked-row"))
        with psycopg.connect(pg_url) as other:  # another session: a table lock, held in an open transaction
            other.execute("LOCK TABLE incidents IN EXCLUSIVE MODE")
            results = [await store.record(incident(message_id=f"while-locked-{i}")) for i in range(5)]
            assert all(r.pending for r in results)
            assert "lock" in (store.last_error or "")
            assert [i.id for i in await store.list()] == [first.id]  # reads go on meanwhile
            other.rollback()
        assert await store.wait_flushed(20)
        assert count_rows(pg_url) == 6
    finally:
        await store.close()


async def test_two_writers_racing_on_one_message_leave_one_incident(pg_url):
    a, b = await open_store(pg_url), await open_store(pg_url)
    try:
        for n in range(40):
            inc = incident(message_id=f"race-{n}")
            ra, rb = await asyncio.gather(a.record(inc), b.record(inc))
            assert ra.id == rb.id and ra.created + rb.created == 1
        # batches that overlap in different orders: no deadlock lost, no duplicate
        incs = [incident(message_id=f"batch-{n}") for n in range(200)]
        await asyncio.gather(*(a.record(i) for i in incs), *(b.record(i) for i in reversed(incs)))
        assert await a.wait_flushed(20) and await b.wait_flushed(20)
    finally:
        await a.close()
        await b.close()
    assert count_rows(pg_url) == 240


def test_sigkill_mid_burst_loses_nothing_committed(pg_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.store.fault_scripts", "writer", pg_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while len(lines) < 1500 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
    finally:
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=20)
    lines += rest.splitlines(keepends=True)
    committed = {line.split()[2] for line in lines if line.startswith("OK ")}
    assert len(committed) >= 1500, err
    with psycopg.connect(pg_url) as c:
        stored = {r[0] for r in c.execute("SELECT message_id FROM incidents")}
        orphans = c.execute("SELECT count(*) FROM incident_categories c LEFT JOIN incidents i "
                            "ON i.id = c.incident_id WHERE i.id IS NULL").fetchone()[0]
    assert not committed - stored, "incidents reported committed are gone"
    assert orphans == 0


# ---- leekguard incidents migrate ----

async def _sqlite_store_with_everything(path: Path) -> dict:
    from bot.images.posters import PosterStore
    from detectors.images.poster_hash import PosterHash

    async with await IncidentStore.open(path) as s:
        ids = [(await s.record(incident(message_id=f"m{n}", text=f"text {n} \x00 nul"))).id for n in range(1203)]
        await s.review(ids[0], "confirm", by="alice", note="scam")
        await s.review(ids[1], "dismiss", by="bob")
        await s.add_sample("加V领取", "scam", by="cli")
        await s.add_exemption("telegram:-100", "$price", by="alice")
        await s.set_chat_settings("telegram:-100", {"language": "en"})
    posters = await PosterStore.open(path)
    await posters.remember(ids[0], "telegram:-100", PosterHash(0xABC, 0xDEF), confirmed=True)
    await posters.close()
    return {"ids": ids}


def test_migrate_copies_everything_is_idempotent_and_shows_progress(tmp_path, pg_url):
    src = tmp_path / "lg.db"
    made = asyncio.run(_sqlite_store_with_everything(src))
    runner = CliRunner()
    r = runner.invoke(main, ["incidents", "migrate", "--from", str(src), "--to", pg_url])
    assert r.exit_code == 0, r.output
    assert "incidents: 1,203/1,203" in r.stderr and PASSWORD not in r.output + r.stderr
    assert "incidents: 1203 copied" in r.stdout and "poster_hashes: 1 copied" in r.stdout

    def listing(db: str) -> list:
        out = runner.invoke(main, ["incidents", "list", "--limit", "5000", "--json", "--db", db])
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)

    assert listing(pg_url) == [json.loads(json.dumps(i).replace("\\u0000", "\ufffd")) for i in listing(str(src))]
    for args in (["incidents", "show", str(made["ids"][0]), "--json"], ["samples", "list", "--json"],
                 ["incidents", "stats", "--json"]):
        a = runner.invoke(main, [*args, "--db", str(src)])
        b = runner.invoke(main, [*args, "--db", pg_url])
        assert json.loads(a.stdout.replace("\\u0000", "\ufffd")) == json.loads(b.stdout), args

    again = runner.invoke(main, ["incidents", "migrate", "--from", str(src), "--to", pg_url, "--json"])
    report = json.loads(again.stdout)
    assert report["copied"]["incidents"] == 0 and report["skipped"]["incidents"] == 1203

    async def after() -> None:
        async with await open_store(pg_url) as s:
            assert await s.get_chat_settings("telegram:-100") == {"language": "en"}
            assert [e.rule_id for e in await s.list_exemptions()] == ["$price"]
            assert (await s.review_log(made["ids"][0]))[0]["reviewed_by"] == "alice"
            new = await s.record(incident(message_id="new"))
            assert new.id > max(made["ids"])  # ids continue after the copied ones
    asyncio.run(after())


def test_migrate_errors_are_clear(tmp_path, pg_url):
    runner = CliRunner()
    r = runner.invoke(main, ["incidents", "migrate", "--from", str(tmp_path / "none.db"), "--to", pg_url])
    assert r.exit_code == 2 and "must be an existing SQLite file" in r.stderr
    sqlite3.connect(tmp_path / "x.db").close()
    r = runner.invoke(main, ["incidents", "migrate", "--from", str(tmp_path / "x.db"), "--to", "other.db"])
    assert r.exit_code == 2 and "--to must be a PostgreSQL URL" in r.stderr
    r = runner.invoke(main, ["incidents", "migrate", "--from", str(tmp_path / "x.db"),
                             "--to", pg_url.replace(PASSWORD, "nope")])
    assert r.exit_code == 2 and "password authentication failed" in r.stderr and "nope" not in r.stderr


# ---- done when: two scans at once on PostgreSQL leave what one SQLite scan leaves ----

EXPORTS = ROOT / "tests" / "scan" / "data" / "exports"


def _scan(db: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LEEKGUARD_DB": db}
    env.pop("LEEKGUARD_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "cli", "scan", str(EXPORTS), "--record"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _incident_set(db: str) -> set[tuple]:
    out = CliRunner().invoke(main, ["incidents", "list", "--limit", "10000", "--json", "--db", db])
    assert out.exit_code == 0, out.output
    return {(i["source"], i["chat_id"], i["message_id"], i["verdict"], tuple(i["categories"]))
            for i in json.loads(out.stdout)}


def test_two_scans_at_once_on_postgresql_equal_one_sqlite_scan_and_the_cli_works_on_it(tmp_path, pg_url):
    sqlite_db = str(tmp_path / "one.db")
    runs = [_scan(sqlite_db, tmp_path), _scan(pg_url, tmp_path), _scan(pg_url, tmp_path)]
    for p in runs:
        out, err = p.communicate(timeout=300)
        assert p.returncode in (0, 1), err  # 1: something was flagged
        assert PASSWORD not in out + err
    expected = _incident_set(sqlite_db)
    assert expected and _incident_set(pg_url) == expected
    assert count_rows(pg_url) == len(expected)  # one incident per message, whoever recorded it first

    runner = CliRunner()
    first = json.loads(runner.invoke(main, ["incidents", "list", "--json", "--db", pg_url]).stdout)[0]
    r = runner.invoke(main, ["incidents", "review", str(first["id"]), "confirm", "--by", "mod", "--db", pg_url])
    assert r.exit_code == 0 and "open -> confirmed" in r.stdout and "learned sample" in r.stdout
    shown = json.loads(runner.invoke(main, ["incidents", "show", str(first["id"]), "--json", "--db", pg_url]).stdout)
    assert shown["state"] == "confirmed" and shown["reviewed_by"] == "mod"
    r = runner.invoke(main, ["incidents", "show", str(first["id"]), "--db", pg_url])
    assert r.exit_code == 0 and first["message_id"] in r.stdout
    r = runner.invoke(main, ["incidents", "export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--db", pg_url])
    assert r.exit_code == 0 and f"wrote {len(expected)} incident(s)" in r.stderr
    assert runner.invoke(main, ["incidents", "list", "--state", "confirmed", "--db", pg_url]).exit_code == 0
    stats = json.loads(runner.invoke(main, ["incidents", "stats", "--json", "--db", pg_url]).stdout)
    assert stats["total"] == len(expected) and stats["by_state"]["confirmed"] == 1
