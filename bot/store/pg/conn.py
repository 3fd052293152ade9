"""A psycopg connection that speaks the part of aiosqlite's API the store's shared code uses.

`conn.execute(sql, params)` (awaited, or used in `async with`), `execute_fetchall`, `commit`, `close`: so
review.py, sql.py and the writer run unchanged on both databases. SQL is written with `?` placeholders;
they become psycopg's `%s` here. Values are bound on the client side (psycopg's ClientCursor, quoted by
libpq's rules), which lets `? IS NULL` work without type annotations, exactly as on SQLite.

PostgreSQL text cannot hold NUL characters: a NUL in a chat message is stored as U+FFFD (SQLite keeps it).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Sequence

import psycopg
from psycopg.pq import TransactionStatus

from bot.store.dialect import POSTGRES

_TOKENS = re.compile(r"'(?:[^']|'')*'|\$\$.*?\$\$|\?|%", re.DOTALL)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """`?` -> `%s` and a literal `%` -> `%%`, leaving quoted text and $$ bodies alone."""
    def swap(m: re.Match) -> str:
        tok = m.group(0)
        return "%s" if tok == "?" else "%%" if tok == "%" else tok

    return _TOKENS.sub(swap, sql)


def _clean(value: Any) -> Any:
    return POSTGRES.storable(value) if isinstance(value, str) else value


class PgConnection:
    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> "_Pending":
        return _Pending(self, sql, params)

    async def run(self, sql: str, params: Iterable[Any] | None = None) -> psycopg.AsyncCursor:
        cur = self.raw.cursor()
        if params is None or not (params := [_clean(v) for v in params]):
            await cur.execute(sql)  # type: ignore[arg-type]
        else:
            await cur.execute(translate(sql), params)  # type: ignore[arg-type]
        return cur

    async def execute_fetchall(self, sql: str, params: Iterable[Any] | None = None) -> list[tuple]:
        cur = await self.run(sql, params)
        try:
            return await cur.fetchall() if cur.description else []
        finally:
            await cur.close()

    async def commit(self) -> None:
        """Autocommit outside BEGIN ... COMMIT: a statement is committed when it returns."""

    async def close(self) -> None:
        await self.raw.close()

    @property
    def broken(self) -> bool:
        return self.raw.closed or self.raw.broken

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE


class _Pending:
    """What execute() returns: await it for the cursor, or `async with` it to close the cursor after."""

    def __init__(self, conn: PgConnection, sql: str, params: Sequence[Any] | None) -> None:
        self._conn, self._sql, self._params = conn, sql, params
        self._cur: psycopg.AsyncCursor | None = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._conn.run(self._sql, self._params).__await__()

    async def __aenter__(self) -> psycopg.AsyncCursor:
        self._cur = await self._conn.run(self._sql, self._params)
        return self._cur

    async def __aexit__(self, *exc: Any) -> None:
        if self._cur is not None:
            await self._cur.close()
