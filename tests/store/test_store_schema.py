"""Schema versions: a new file is created, an older one upgraded in place, a newer or foreign one refused."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import aiosqlite
import pytest

from bot.store.schema import APPLICATION_ID, CURRENT_VERSION, ensure_schema
from bot.store.service import IncidentStore
from bot.store.types import SchemaTooNew, StoreError
from tests.support.incidents import incident


def pragma(path, name):
    con = sqlite3.connect(path)
    try:
        return con.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        con.close()


async def test_new_file_gets_current_schema_and_wal(tmp_path):
    path = tmp_path / "lg.db"
    async with await IncidentStore.open(path):
        pass
    assert pragma(path, "user_version") == CURRENT_VERSION == 5
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "journal_mode") == "wal"


@pytest.mark.parametrize("from_version", [1, 2])
async def test_older_database_is_upgraded_and_keeps_its_incidents(tmp_path, from_version):
    path = tmp_path / "old.db"
    conn = await aiosqlite.connect(path, isolation_level=None)  # what an earlier release created
    await ensure_schema(conn, str(path), upto=from_version)
    now = time.time()
    for mid, state in (("reviewed", "confirmed"), ("fresh", "open")):
        await conn.execute(
            "INSERT INTO incidents (source, chat_id, message_id, verdict, score, text, categories, created_at, "
            "updated_at, state) VALUES ('telegram', '-100', ?, 'scam', 0.9, '老数据', '[\"paid_course\"]', ?, ?, ?)",
            (mid, now, now, state))
    await conn.close()
    assert pragma(path, "user_version") == from_version

    async with await IncidentStore.open(path) as store:
        assert pragma(path, "user_version") == CURRENT_VERSION
        # v3 copied the review state into the category index (backfill), so this is an exact index lookup
        (confirmed,) = await store.list(category="paid_course", state="confirmed")
        assert confirmed.message_id == "reviewed" and confirmed.text == "老数据"
        (fresh,) = await store.list(category="paid_course", state="open")
        r = await store.review(fresh.id, "dismiss", by="admin")  # v2 tables exist; v3 trigger follows reviews
        assert r.sample.text == "老数据"
        assert [i.message_id for i in await store.list(category="paid_course", state="dismissed")] == ["fresh"]
        assert (await store.record(incident())).created


async def test_newer_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE incidents (id INTEGER PRIMARY KEY, something_new TEXT)")
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew, match=r"schema version 99, newer than this LeekGuard understands \(up to 5\)"):
        await IncidentStore.open(path)
    assert pragma(path, "user_version") == 99


async def test_foreign_databases_are_refused(tmp_path):
    other_app = tmp_path / "other.db"
    con = sqlite3.connect(other_app)
    con.execute("PRAGMA application_id = 1234")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a LeekGuard database"):
        await IncidentStore.open(other_app)

    unversioned = tmp_path / "unversioned.db"
    con = sqlite3.connect(unversioned)
    con.execute("CREATE TABLE incidents (id INTEGER PRIMARY KEY, whatever TEXT)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="without a LeekGuard schema version"):
        await IncidentStore.open(unversioned)


async def test_other_leekguard_tables_in_the_file_are_fine(tmp_path):
    # The poster store keeps its own table in the same file and may create it first.
    path = tmp_path / "lg.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE poster_hashes (id INTEGER PRIMARY KEY, phash TEXT)")
    con.commit()
    con.close()
    async with await IncidentStore.open(path) as store:
        assert (await store.record(incident())).created


async def test_two_processes_opening_a_new_file_at_once_migrate_once(tmp_path):
    path = tmp_path / "lg.db"
    stores = await asyncio.gather(*(IncidentStore.open(path) for _ in range(4)))
    for s in stores:
        assert (await s.record(incident())).created
    for s in stores:
        await s.close()
    assert pragma(path, "user_version") == CURRENT_VERSION


async def test_missing_file_is_refused_when_not_creating(tmp_path):
    with pytest.raises(StoreError, match="database not found"):
        await IncidentStore.open(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()
    with pytest.raises(StoreError, match="cannot open database"):
        await IncidentStore.open(tmp_path / "no-such-dir" / "lg.db")


async def test_v4_database_gets_the_review_log_with_its_earlier_reviews(tmp_path):
    path = tmp_path / "v4.db"
    conn = await aiosqlite.connect(path, isolation_level=None)
    await ensure_schema(conn, str(path), upto=4)
    now = time.time()
    await conn.execute(
        "INSERT INTO incidents (source, chat_id, message_id, verdict, score, text, created_at, updated_at, state, "
        "reviewed_by, reviewed_at, review_note) VALUES ('telegram', '-100', 'm', 'scam', 0.9, 'x', ?, ?, "
        "'confirmed', 'telegram:1 (Ann)', ?, 'old note')", (now, now, now))
    await conn.close()
    async with await IncidentStore.open(path) as store:
        (inc,) = await store.list()
        assert [(r["state"], r["reviewed_by"], r["note"]) for r in await store.review_log(inc.id)] == [
            ("confirmed", "telegram:1 (Ann)", "old note")]
        await store.review(inc.id, "open", by="web:admin", note="undo")
        assert [r["state"] for r in await store.review_log(inc.id)] == ["confirmed", "open"]
        assert await store.purge(datetime.now(timezone.utc) + timedelta(days=1)) == 1
        assert await store.review_log(inc.id) == []  # an incident's reviews go with it
