"""Schema versions of the incident database and the forward migrations run at start-up.

The version lives in PRAGMA user_version; PRAGMA application_id marks the file as LeekGuard's.
A migration is a list of statements applied in one transaction together with the new version number,
so a crash half-way leaves the old version intact. Never edit a released migration: append a new one.
"""

from __future__ import annotations

import asyncio
import sqlite3

import aiosqlite

from bot.store.types import SchemaTooNew, StoreError

APPLICATION_ID = 0x4C4B4744  # "LKGD"

_V1_INCIDENT_LOG = [
    # AUTOINCREMENT: an id is never handed out twice, even after purge / forget-user deleted the newest,
    # so "#123" in an admin's notes and samples.incident_id keep pointing at the same incident or nothing.
    """CREATE TABLE incidents (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        source         TEXT NOT NULL,
        chat_id        TEXT NOT NULL,
        chat_title     TEXT NOT NULL DEFAULT '',
        message_id     TEXT NOT NULL,
        author_id      TEXT NOT NULL DEFAULT '',
        author_name    TEXT NOT NULL DEFAULT '',
        text           TEXT NOT NULL DEFAULT '',
        text_len       INTEGER NOT NULL DEFAULT 0,
        text_hash      TEXT NOT NULL DEFAULT '',
        verdict        TEXT NOT NULL,
        score          REAL NOT NULL DEFAULT 0,
        categories     TEXT NOT NULL DEFAULT '[]',
        findings       TEXT NOT NULL DEFAULT '[]',
        actions        TEXT NOT NULL DEFAULT '[]',
        action_results TEXT NOT NULL DEFAULT '[]',
        created_at     REAL NOT NULL,
        updated_at     REAL NOT NULL,
        state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'dismissed')),
        reviewed_by    TEXT,
        reviewed_at    REAL,
        review_note    TEXT,
        revision       INTEGER NOT NULL DEFAULT 0,
        history        TEXT NOT NULL DEFAULT '[]',
        UNIQUE (source, chat_id, message_id)
    )""",
    # SQLite appends the rowid to every index, so (x, created_at) also orders ties by id.
    "CREATE INDEX incidents_chat_time ON incidents (chat_id, created_at)",
    "CREATE INDEX incidents_state_time ON incidents (state, created_at)",
    "CREATE INDEX incidents_author_time ON incidents (author_id, created_at)",
    "CREATE INDEX incidents_time ON incidents (created_at)",
    # One row per (incident, category): filtering by category is an index range, not a JSON scan.
    """CREATE TABLE incident_categories (
        incident_id INTEGER NOT NULL,
        category    TEXT NOT NULL,
        chat_id     TEXT NOT NULL,
        created_at  REAL NOT NULL,
        PRIMARY KEY (incident_id, category)
    ) WITHOUT ROWID""",
    "CREATE INDEX incident_categories_time ON incident_categories (category, created_at)",
    "CREATE INDEX incident_categories_chat ON incident_categories (chat_id, category, created_at)",
    # Triggers keep incident_categories in step with incidents.categories, whoever writes.
    """CREATE TRIGGER incidents_categories_ai AFTER INSERT ON incidents BEGIN
        INSERT OR IGNORE INTO incident_categories (incident_id, category, chat_id, created_at)
        SELECT NEW.id, value, NEW.chat_id, NEW.created_at FROM json_each(NEW.categories);
    END""",
    """CREATE TRIGGER incidents_categories_au AFTER UPDATE OF categories ON incidents BEGIN
        DELETE FROM incident_categories WHERE incident_id = OLD.id;
        INSERT OR IGNORE INTO incident_categories (incident_id, category, chat_id, created_at)
        SELECT NEW.id, value, NEW.chat_id, NEW.created_at FROM json_each(NEW.categories);
    END""",
    """CREATE TRIGGER incidents_categories_ad AFTER DELETE ON incidents BEGIN
        DELETE FROM incident_categories WHERE incident_id = OLD.id;
    END""",
]

_V2_REVIEW_AND_LEARNING = [
    """CREATE TABLE chat_settings (
        chat_key   TEXT PRIMARY KEY,
        settings   TEXT NOT NULL,
        updated_at REAL NOT NULL,
        updated_by TEXT
    )""",
    # Texts learned from admin reviews, kept apart from the shipped seeds so they can be undone.
    """CREATE TABLE samples (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        text        TEXT NOT NULL,
        label       TEXT NOT NULL CHECK (label IN ('scam', 'clean')),
        incident_id INTEGER UNIQUE,
        chat_key    TEXT,
        author_key  TEXT,
        added_by    TEXT,
        added_at    REAL NOT NULL,
        origin      TEXT NOT NULL DEFAULT 'review'
    )""",
    "CREATE INDEX samples_author ON samples (author_key)",
    """CREATE TABLE rule_exemptions (
        chat_key    TEXT NOT NULL,
        rule_id     TEXT NOT NULL,
        added_by    TEXT,
        added_at    REAL NOT NULL,
        incident_id INTEGER,
        note        TEXT,
        PRIMARY KEY (chat_key, rule_id)
    )""",
]

# v3: a filter that is rare inside a big range (confirmed incidents of one category or of one busy chat)
# had to walk the whole range. The review state now sits in the category index too, kept in step by a
# trigger, and both common pairs have an index that answers them exactly, already in time order.
_V3_STATE_INDEXES = [
    "ALTER TABLE incident_categories ADD COLUMN state TEXT NOT NULL DEFAULT 'open'",
    "UPDATE incident_categories SET state = (SELECT i.state FROM incidents i WHERE i.id = incident_id)",
    "CREATE INDEX incident_categories_state ON incident_categories (category, state, created_at)",
    "CREATE INDEX incidents_state_chat_time ON incidents (state, chat_id, created_at)",
    "DROP TRIGGER incidents_categories_ai",
    "DROP TRIGGER incidents_categories_au",
    """CREATE TRIGGER incidents_categories_ai AFTER INSERT ON incidents BEGIN
        INSERT OR IGNORE INTO incident_categories (incident_id, category, chat_id, created_at, state)
        SELECT NEW.id, value, NEW.chat_id, NEW.created_at, NEW.state FROM json_each(NEW.categories);
    END""",
    """CREATE TRIGGER incidents_categories_au AFTER UPDATE OF categories ON incidents BEGIN
        DELETE FROM incident_categories WHERE incident_id = OLD.id;
        INSERT OR IGNORE INTO incident_categories (incident_id, category, chat_id, created_at, state)
        SELECT NEW.id, value, NEW.chat_id, NEW.created_at, NEW.state FROM json_each(NEW.categories);
    END""",
    """CREATE TRIGGER incidents_state_au AFTER UPDATE OF state ON incidents BEGIN
        UPDATE incident_categories SET state = NEW.state WHERE incident_id = NEW.id;
    END""",
]

# v4: the verdict filter (web console, `incidents list --verdict`) walked every row; now an index range.
_V4_VERDICT_INDEX = [
    "CREATE INDEX incidents_verdict_time ON incidents (verdict, created_at)",
]

# v5: every review is kept (who, when, which state, the note), not only the latest one on the incident row: the
# web console's review history. Reviews made before v5 enter it from the incident row. Deleting an incident
# (purge, forget-user) deletes its reviews.
_V5_REVIEW_LOG = [
    """CREATE TABLE reviews (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL,
        state       TEXT NOT NULL,
        reviewed_by TEXT,
        note        TEXT,
        at          REAL NOT NULL
    )""",
    "CREATE INDEX reviews_incident ON reviews (incident_id, id)",
    """INSERT INTO reviews (incident_id, state, reviewed_by, note, at)
       SELECT id, state, reviewed_by, review_note, reviewed_at FROM incidents WHERE reviewed_at IS NOT NULL""",
    """CREATE TRIGGER incidents_reviews_ad AFTER DELETE ON incidents BEGIN
        DELETE FROM reviews WHERE incident_id = OLD.id;
    END""",
]

MIGRATIONS: list[list[str]] = [_V1_INCIDENT_LOG, _V2_REVIEW_AND_LEARNING, _V3_STATE_INDEXES, _V4_VERDICT_INDEX,
                               _V5_REVIEW_LOG]
OWN_TABLES = ("incidents", "incident_categories", "chat_settings", "samples", "rule_exemptions", "reviews")
CURRENT_VERSION = len(MIGRATIONS)


async def connect(path: str, busy_timeout_ms: int, synchronous: str = "FULL") -> aiosqlite.Connection:
    """One configured connection. Autocommit mode: the store issues BEGIN IMMEDIATE / COMMIT itself."""
    pending = aiosqlite.connect(path, isolation_level=None)
    try:
        conn = await pending
    except BaseException:
        # aiosqlite stops its worker thread after a failed connect without waiting for it; if the event loop
        # ended first (a failed start-up, a CLI error) that thread would print a traceback. Wait for it.
        thread = getattr(pending, "_thread", None)
        if thread is not None and thread.is_alive():
            await asyncio.to_thread(thread.join, 5)
        raise
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # read-only or locked file: the mode is persistent, it was set when the file was created
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"bad synchronous mode {synchronous!r}")
        await conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        await conn.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        await conn.close()
        raise
    return conn


async def _scalar(conn: aiosqlite.Connection, sql: str) -> int:
    async with conn.execute(sql) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def schema_version(conn: aiosqlite.Connection) -> int:
    return await _scalar(conn, "PRAGMA user_version")


async def _check_identity(conn: aiosqlite.Connection, path: str) -> None:
    version = await schema_version(conn)
    app_id = await _scalar(conn, "PRAGMA application_id")
    if version > CURRENT_VERSION:
        raise SchemaTooNew(
            f"database {path} has schema version {version}, newer than this LeekGuard understands "
            f"(up to {CURRENT_VERSION}); upgrade LeekGuard or point `database` at another file"
        )
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(f"{path} is not a LeekGuard database (application_id {app_id:#x})")
    if version == 0 and app_id != APPLICATION_ID:
        # Unversioned file. Other LeekGuard parts may keep their own tables here (poster_hashes), so only
        # refuse when a table of ours already exists: its shape is unknown, and upgrading it would guess.
        async with conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (%s)" % ",".join("?" * len(OWN_TABLES)),
            OWN_TABLES,
        ) as cur:
            clash = [r[0] async for r in cur]
        if clash:
            raise StoreError(f"{path} has a table {clash[0]!r} without a LeekGuard schema version; "
                             "refusing to guess what it holds (is this another program's database?)")


async def ensure_schema(conn: aiosqlite.Connection, path: str, upto: int = CURRENT_VERSION) -> int:
    """Upgrade the database to `upto` (default: current). Refuse newer or foreign files. Returns the version."""
    # One read transaction for the checks: they must see one snapshot, or a second process that migrates
    # between our reads would look like a foreign table without a schema version.
    await conn.execute("BEGIN")
    try:
        await _check_identity(conn, path)
    finally:
        await conn.execute("COMMIT")
    version = await schema_version(conn)
    while version < upto:
        target = version + 1
        try:
            await conn.execute("BEGIN IMMEDIATE")
            # Another process may have migrated while we waited for the lock.
            version = await schema_version(conn)
            if version >= target:
                await conn.execute("ROLLBACK")
                continue
            for statement in MIGRATIONS[target - 1]:
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {target}")
            await conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            await conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise StoreError(f"cannot upgrade database {path} from schema v{version} to v{target}: {exc}") from exc
        version = target
    return version
