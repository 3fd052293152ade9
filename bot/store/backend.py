"""What the incident store needs from a database, and the SQLite one (the default).

IncidentStore, its writer and the outbox are written once against this small interface; a backend supplies
connections, the schema check, the transaction start, how to tell a passing outage from bad data, and the
dialect's SQL. `backend_for()` picks one from what the `database` setting holds: a file path -> SQLite,
a postgresql:// URL -> PostgreSQL (bot/store/pg, needs the `postgres` extra).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from bot.store.backup import backup_database
from bot.store.dburl import is_postgres_url
from bot.store.dialect import SQLITE, Dialect
from bot.store.queue import is_transient, needs_reopen
from bot.store.schema import connect, ensure_schema
from bot.store.types import StoreError


class Backend(Protocol):
    kind: str  # "sqlite" | "postgresql"
    target: str  # what to connect to (a URL may hold a password: never print it)
    label: str  # the same, safe to show
    dialect: Dialect
    errors: tuple[type[BaseException], ...]  # every error the driver raises

    def describe(self, exc: BaseException) -> str: ...  # one line, no secret
    def check_exists(self) -> None: ...
    async def connect(self) -> Any: ...
    async def prepare(self, conn: Any) -> None: ...  # create or upgrade the schema
    async def begin(self, conn: Any) -> None: ...  # start a write transaction
    def in_transaction(self, conn: Any) -> bool: ...
    def is_broken(self, conn: Any) -> bool: ...  # the connection cannot be used again
    def is_transient(self, exc: BaseException) -> bool: ...  # the surroundings, not the data: retry later
    def needs_reopen(self, exc: BaseException | None) -> bool: ...
    def unavailable(self, why: str) -> BaseException: ...  # a transient error of this driver
    async def has_table(self, conn: Any, name: str) -> bool: ...
    async def set_secure_delete(self, conn: Any, on: bool) -> None: ...
    async def checkpoint(self, conn: Any) -> None: ...
    async def optimize(self, conn: Any) -> None: ...
    async def backup(self, dest: str | os.PathLike, overwrite: bool) -> dict: ...


class SqliteBackend:
    kind = "sqlite"
    dialect = SQLITE
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, path: str, busy_timeout_ms: int, synchronous: str) -> None:
        if path == ":memory:" or path.startswith("file:"):
            raise StoreError("the incident store needs a database file path")
        self.target = self.label = path
        self._busy_ms, self._synchronous = busy_timeout_ms, synchronous

    def describe(self, exc: BaseException) -> str:
        return str(exc)

    def check_exists(self) -> None:
        if not Path(self.target).exists():
            raise StoreError(f"database not found: {self.target}")

    async def connect(self) -> Any:
        return await connect(self.target, self._busy_ms, self._synchronous)

    async def prepare(self, conn: Any) -> None:
        await ensure_schema(conn, self.target)

    async def begin(self, conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front (waiting busy_timeout), so a WAL reader never has to
        # upgrade half-way and fail.
        await conn.execute("BEGIN IMMEDIATE")

    def in_transaction(self, conn: Any) -> bool:
        return conn.in_transaction

    def is_broken(self, conn: Any) -> bool:
        return False

    is_transient = staticmethod(is_transient)
    needs_reopen = staticmethod(needs_reopen)

    def unavailable(self, why: str) -> BaseException:
        return sqlite3.OperationalError(why)

    async def has_table(self, conn: Any, name: str) -> bool:
        async with conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) as cur:
            return await cur.fetchone() is not None

    async def set_secure_delete(self, conn: Any, on: bool) -> None:
        await conn.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")

    async def checkpoint(self, conn: Any) -> None:
        await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def optimize(self, conn: Any) -> None:
        await conn.execute("PRAGMA optimize")

    async def backup(self, dest: str | os.PathLike, overwrite: bool) -> dict:
        return await asyncio.to_thread(backup_database, self.target, dest, overwrite=overwrite)


def backend_for(target: str | os.PathLike, *, busy_timeout_ms: int, synchronous: str) -> Backend:
    """SQLite for a path, PostgreSQL for a postgresql:// (or postgres://) URL."""
    target = os.fspath(target)
    if is_postgres_url(target):
        from bot.store.pg.backend import PostgresBackend  # optional dependency: only when asked for

        return PostgresBackend(target, lock_timeout_ms=busy_timeout_ms)
    return SqliteBackend(target, busy_timeout_ms, synchronous)
