"""Copy a SQLite incident store into PostgreSQL: `leekguard incidents migrate --from FILE --to URL`.

Both ends are first opened as stores (so the file is upgraded to the current schema and the server's schema
created), then every table of the file that the server also has is copied, in id order, a batch per
transaction, with the same ids (reviews, samples and exemptions keep pointing at their incidents).
Re-running is safe: a row already there (same id or same message) is left as it is and counted as skipped.
incident_categories is not copied: PostgreSQL's trigger derives it from each incident, as SQLite's does.
Afterwards the id sequences continue after the highest copied id.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.store.pg.backend import PostgresBackend
from bot.store.pg.conn import PgConnection

# In dependency order; tables another LeekGuard part keeps in the file (poster_hashes) come along.
TABLES = ("incidents", "reviews", "samples", "rule_exemptions", "chat_settings", "poster_hashes")
DERIVED = ("incident_categories",)
BATCH = 500

Progress = Callable[[str, int, int], None]  # (table, rows done, rows in the table)


@dataclass
class CopyReport:
    copied: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # already in PostgreSQL

    def to_dict(self) -> dict[str, Any]:
        return {"copied": self.copied, "skipped": self.skipped}


async def _target_columns(conn: PgConnection, table: str) -> list[str]:
    rows = await conn.execute_fetchall(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position", (table,))
    return [r[0] for r in rows]


async def copy_sqlite_to_postgres(src: sqlite3.Connection, url: str, *, progress: Progress | None = None,
                                  batch: int = BATCH, poster_schema: list[str] = ()) -> CopyReport:
    """Copy the (already opened and upgraded) SQLite store `src` into the PostgreSQL store at `url`.
    `poster_schema`: bot/images/posters.py's PG_SCHEMA (the store does not import the image checks)."""
    report = CopyReport()
    present = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn = await PostgresBackend(url).connect()
    try:
        if "poster_hashes" in present:
            for statement in poster_schema:
                await conn.execute(statement)
        for table in TABLES:
            if table not in present:
                continue
            wanted = await _target_columns(conn, table)
            have = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            cols = [c for c in have if c in wanted]
            where = " WHERE incident_id IN (SELECT id FROM incidents)" if table == "reviews" else ""
            total = src.execute(f"SELECT count(*) FROM {table}{where}").fetchone()[0]
            order = "id" if "id" in cols else "rowid"
            cur = src.execute(f"SELECT {', '.join(cols)} FROM {table}{where} ORDER BY {order}")
            done = copied = 0
            while rows := cur.fetchmany(batch):
                one = "(" + ", ".join("?" * len(cols)) + ")"
                sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([one] * len(rows))} "
                       "ON CONFLICT DO NOTHING RETURNING 1")
                await conn.execute("BEGIN")
                try:
                    copied += len(await conn.execute_fetchall(sql, [v for row in rows for v in row]))
                    await conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise
                done += len(rows)
                if progress is not None:
                    progress(table, done, total)
            report.copied[table], report.skipped[table] = copied, done - copied
            if "id" in cols:  # new ids continue after the copied ones (identity columns are never reused)
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"GREATEST((SELECT max(id) FROM {table}), 1))")
    finally:
        await conn.close()
    return report
