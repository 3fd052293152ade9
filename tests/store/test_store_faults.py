"""Faults: a locked database, a full disk or a read-only file must not stop moderation; a crash loses nothing
that was committed."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bot.store.service import IncidentStore
from tests.support.incidents import count_rows, incident

ROOT = Path(__file__).resolve().parents[2]


def _child_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def locker(tmp_path):
    """Another connection that holds the database's write lock until released."""
    held: list[sqlite3.Connection] = []

    def lock(path) -> sqlite3.Connection:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        held.append(con)
        return con

    yield lock
    for con in held:
        con.close()


async def test_locked_database_queues_in_order_then_flushes(tmp_path, locker, caplog):
    path = tmp_path / "lg.db"
    store = await IncidentStore.open(path, busy_timeout_ms=50, retry_max_wait=0.1)
    first = await store.record(incident(text="before the lock"))
    con = locker(path)
    caplog.set_level(logging.WARNING, logger="leekguard.store")

    started = time.monotonic()
    incs = [incident(text=f"during the lock #{i}") for i in range(20)]
    results = [await store.record(inc) for inc in incs]
    duplicate = await store.record(incs[3])  # a redelivery while pending
    assert await store.set_action_results(results[0], [{"action": "warn", "status": "done"}]) is False
    assert time.monotonic() - started < 2, "moderation must not wait on a locked database"
    assert all(r.pending and r.id is None and not r.dropped for r in results + [duplicate])
    assert store.pending == 22 and "locked" in store.last_error
    assert (await store.get(first.id)).text == "before the lock"  # reads go on (WAL)

    await asyncio.sleep(0.3)  # several retries fail meanwhile...
    cannot_write = [r for r in caplog.records if "cannot write" in r.getMessage()]
    assert len(cannot_write) == 1, "the failure is logged once per burst"

    con.rollback()
    assert await store.wait_flushed(5)
    assert store.pending == 0
    rows = await store.list(limit=None)
    assert [r.text for r in reversed(rows)] == ["before the lock"] + [i.text for i in incs]  # in order
    assert [r.id for r in reversed(rows)] == sorted(r.id for r in rows)
    (by_key,) = [r for r in rows if r.message_id == incs[0].message_id]
    assert by_key.action_results == [{"action": "warn", "status": "done"}]
    assert len([r for r in caplog.records if "recovered" in r.getMessage()]) == 1
    assert (await store.record(incident())).pending is False  # back to direct writes
    assert (await store.close()).ok


async def test_concurrent_producers_keep_their_order_through_an_outage(tmp_path, locker):
    path = tmp_path / "lg.db"
    store = await IncidentStore.open(path, busy_timeout_ms=40, retry_max_wait=0.05)
    con = locker(path)
    calls: list[str] = []

    async def producer(k: int) -> None:
        for j in range(12):
            inc = incident(text=f"{k}-{j}")
            calls.append(inc.text)  # record() queues before its first await: this is the call order
            await store.record(inc)
            await asyncio.sleep(0.004 * (k + 1))

    await asyncio.gather(*(producer(k) for k in range(5)))
    con.rollback()
    assert await store.wait_flushed(5)
    stored = [r.text for r in sorted(await store.list(limit=None), key=lambda r: r.id)]
    assert stored == calls
    await store.close()


async def test_full_queue_drops_new_writes_not_old_ones(tmp_path, locker):
    path = tmp_path / "lg.db"
    store = await IncidentStore.open(path, busy_timeout_ms=20, retry_max_wait=0.05, max_pending=3)
    con = locker(path)
    results = [await store.record(incident(text=f"#{i}")) for i in range(5)]
    assert [r.dropped for r in results] == [False, False, False, True, True]
    assert store.dropped == 2
    con.rollback()
    assert await store.wait_flushed(5)
    assert sorted(r.text for r in await store.list()) == ["#0", "#1", "#2"]
    await store.close()


async def test_close_reports_what_could_not_be_written(tmp_path, locker, caplog):
    path = tmp_path / "lg.db"
    store = await IncidentStore.open(path, busy_timeout_ms=20, retry_max_wait=0.05)
    con = locker(path)
    stuck = await store.record(incident(message_id="stuck-1"))
    await store.set_action_results(stuck, [{"action": "warn", "status": "done"}])
    report = await store.close()
    assert not report.ok
    assert [i.message_id for i in report.unwritten] == ["stuck-1"] and report.unwritten_results == 1
    assert any("stuck-1" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    con.rollback()


async def test_full_disk_is_queued_and_retried(tmp_path):
    # SQLITE_FULL via max_page_count: the same error path as a full disk. The limit lives on the
    # connection, so the store's reopen-before-retry lifts it, as freeing space would.
    path = tmp_path / "lg.db"
    store = await IncidentStore.open(path, busy_timeout_ms=50, retry_max_wait=0.1)
    await store.record(incident())
    conn = store._writer.conn
    pages = (await conn.execute_fetchall("PRAGMA page_count"))[0][0]
    await conn.execute(f"PRAGMA max_page_count = {pages}")
    res = await store.record(incident(text="x" * 200_000))
    assert res.pending and "full" in store.last_error
    assert await store.wait_flushed(5)
    assert count_rows(path) == 2
    await store.close()


def test_read_only_file_then_writable_again(tmp_path):
    # A directory the unprivileged user can use (pytest's own tmp dir may be private to root).
    directory = tempfile.mkdtemp(prefix="lg-ro-")
    os.chmod(directory, 0o777)
    try:
        proc = subprocess.run([sys.executable, "-m", "tests.store.fault_scripts", "readonly", directory],
                              capture_output=True, text=True, timeout=60, env=_child_env(), cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["euid"] != 0, "the scenario must run unprivileged, or chmod means nothing"
        assert out["pending"] == [True, True, True]
        assert out["readable"] == ["before"] and out["still_pending"] == 3
        assert out["flushed"] and out["report_ok"]
        assert count_rows(Path(directory) / "lg.db") == 4
        assert "readonly" in proc.stderr  # the one warning of the burst names the cause
    finally:
        subprocess.run(["rm", "-rf", directory], check=False)


def test_sigkill_mid_burst_loses_nothing_committed(tmp_path):
    path = tmp_path / "lg.db"
    proc = subprocess.Popen([sys.executable, "-m", "tests.store.fault_scripts", "writer", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env(), cwd=ROOT)
    lines: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while len(lines) < 3000 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-burst: eight producers are writing right now
        rest, err = proc.communicate(timeout=20)
    lines += rest.splitlines(keepends=True)
    committed = {line.split()[2] for line in lines if line.startswith("OK ")}
    assert len(committed) >= 3000, err
    assert not any(line.startswith("PENDING") for line in lines)

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in con.execute("SELECT message_id FROM incidents")}
        orphans = con.execute("SELECT count(*) FROM incident_categories c LEFT JOIN incidents i "
                              "ON i.id = c.incident_id WHERE i.id IS NULL").fetchone()[0]
    finally:
        con.close()
    missing = committed - stored
    assert not missing, f"{len(missing)} incidents were reported committed but are gone"
    assert orphans == 0
