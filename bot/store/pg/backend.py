"""PostgresBackend: the incident store on a PostgreSQL server, through psycopg 3 (async).

Every write is committed before record() answers (the server's synchronous_commit decides how durable a
commit is; the default survives a crash of the server and of the bot). A server that is down, restarting,
refusing connections or holding a lock longer than `lock_timeout` is a passing outage: the writes go to the
outbox and are retried with backoff on a new session. An error about the data itself is not retried.
"""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from bot.store.dburl import check_postgres_url, passwords_in, redact
from bot.store.dialect import POSTGRES
from bot.store.pg.conn import PgConnection
from bot.store.pg.schema import ensure_schema
from bot.store.types import StoreError

CONNECT_TIMEOUT = 10  # seconds: an unreachable host is reported, not waited on forever

# Errors after which the session itself is fine and the statement can simply be tried again later.
_WAIT_ONLY = (pg_errors.LockNotAvailable, pg_errors.QueryCanceled, pg_errors.TransactionRollback)
# Not OperationalError in psycopg's classes, yet about the server's state rather than the data.
_ALSO_TRANSIENT = (pg_errors.ReadOnlySqlTransaction, pg_errors.CannotConnectNow, pg_errors.AdminShutdown)


class PostgresBackend:
    kind = "postgresql"
    dialect = POSTGRES
    errors: tuple[type[BaseException], ...] = (psycopg.Error,)

    def __init__(self, url: str, *, lock_timeout_ms: int = 3000) -> None:
        try:
            check_postgres_url(url)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        self.target = url
        self.label = redact(url)
        self._secrets = passwords_in(url)
        self._lock_timeout_ms = int(lock_timeout_ms)

    def describe(self, exc: BaseException) -> str:
        """A driver message as one line, with no password in it."""
        text = " ".join(str(exc).split())
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return redact(text)

    def check_exists(self) -> None:
        """The database itself is the server's; its tables are created on first use."""

    async def connect(self) -> PgConnection:
        raw = await psycopg.AsyncConnection.connect(
            self.target, autocommit=True, cursor_factory=psycopg.AsyncClientCursor,
            connect_timeout=CONNECT_TIMEOUT, application_name="leekguard")
        try:
            # A write waits this long for a lock another session holds, then goes to the outbox (as SQLite's
            # busy_timeout does); the session's time zone never matters: times are epoch seconds.
            await raw.execute(f"SET lock_timeout = {self._lock_timeout_ms}")
        except BaseException:
            await raw.close()
            raise
        return PgConnection(raw)

    async def prepare(self, conn: PgConnection) -> None:
        await ensure_schema(conn, self.label)

    async def begin(self, conn: PgConnection) -> None:
        await conn.execute("BEGIN")

    def in_transaction(self, conn: PgConnection) -> bool:
        return conn.in_transaction

    def is_broken(self, conn: PgConnection) -> bool:
        return conn.broken

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError) + _ALSO_TRANSIENT)

    def needs_reopen(self, exc: BaseException | None) -> bool:
        return exc is not None and not isinstance(exc, _WAIT_ONLY)

    def unavailable(self, why: str) -> BaseException:
        return psycopg.OperationalError(self.describe(why))  # type: ignore[arg-type]

    async def has_table(self, conn: PgConnection, name: str) -> bool:
        rows = await conn.execute_fetchall("SELECT to_regclass(?) IS NOT NULL", (name,))
        return bool(rows and rows[0][0])

    async def set_secure_delete(self, conn: PgConnection, on: bool) -> None:
        """Deleted rows are gone for every query at once; the server reuses their space (autovacuum)."""

    async def checkpoint(self, conn: PgConnection) -> None:
        pass

    async def optimize(self, conn: PgConnection) -> None:
        pass  # the server's autovacuum keeps statistics

    async def backup(self, dest: str | os.PathLike, overwrite: bool) -> dict:
        raise StoreError("a PostgreSQL incident store is backed up with the server's tools "
                         f"(pg_dump {re.sub(r'[?].*$', '', self.label)} > leekguard.sql), not `leekguard db backup`")


def describe_error(exc: BaseException, url: str) -> str:
    """For callers without a backend at hand (the CLI's migrate): one line, password hidden."""
    return PostgresBackend(url).describe(exc) if url else " ".join(str(exc).split())
