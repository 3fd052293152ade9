"""IncidentStore: the durable incident log, on SQLite (aiosqlite, WAL mode; the default) or PostgreSQL (psycopg).

Which one: `open_store(path_or_url)` (or IncidentStore.open) takes a file path for SQLite and a
postgresql:// URL for PostgreSQL; bot/store/backend.py holds what differs, everything below is shared.

Moderation path: record() and set_action_results() go through one writer task that commits the writes
made at the same moment in one transaction (group commit), so each record() returns only after its
incident is durably committed, yet thousands per second fit. When the database cannot be written
(locked, full disk, read-only file) these writes go to the retry outbox (bot.store.queue) and record()
returns RecordResult(pending=True) at once, so moderation goes on.

Admin path (review, samples, exemptions, settings, purge, forget-user): direct transactions that raise a
clear StoreError when the database cannot be written. Reads use a second connection, so a long export or
a /incidents query never waits behind the writer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Iterable

from bot.store import review as rv
from bot.store.backend import Backend, backend_for
from bot.store.queue import WriteOp
from bot.store.sql import (
    INCIDENT_COLUMNS,
    IncidentFilter,
    incident_params,
    row_to_incident,
    select_for_stats,
    select_incidents,
)
from bot.store.text import clean_text, to_json
from bot.store.writer import Writer
from bot.store.types import (
    CloseReport,
    Exemption,
    ForgetResult,
    Incident,
    IncidentKey,
    NewIncident,
    RecordResult,
    ReviewResult,
    Sample,
    StoreClosed,
    StoreError,
    result_to_dict,
    to_epoch,
)

log = logging.getLogger("leekguard.store")

__all__ = ["IncidentStore", "open_store", "IncidentFilter", "NewIncident", "RecordResult", "Incident", "StoreError"]

PURGE_CHUNK = 2_000  # rows deleted per transaction, so a big purge never holds the lock for long
MAINTENANCE_EVERY = 6 * 3600.0
POSTER_TABLE = "poster_hashes"  # bot/images/posters.py keeps incidents' poster hashes in this file


def _days(value: timedelta | float | int) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(days=float(value))


class IncidentStore:
    def __init__(self, backend: Backend, *, retention_days: float | None, text_mode: str, excerpt_chars: int,
                 max_pending: int, max_pending_bytes: int, retry_max_wait: float) -> None:
        if text_mode not in ("full", "excerpt"):
            raise ValueError(f"text_mode must be 'full' or 'excerpt', not {text_mode!r}")
        self.backend = backend
        self.path = backend.target  # a file path, or a URL that may hold a password: show `label` instead
        self.label = backend.label
        self.retention_days = retention_days
        self.text_mode, self.excerpt_chars = text_mode, int(excerpt_chars)
        self._writer = Writer(backend, max_pending=max_pending, max_pending_bytes=max_pending_bytes,
                              retry_max_wait=retry_max_wait)
        self._rconn: Any = None  # reads never wait behind the writer (WAL; a second session on PostgreSQL)
        self._maintenance: asyncio.Task | None = None
        self._closing = False
        self._close_report: CloseReport | None = None

    # ---- life cycle ----

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike,
        retention_days: float | None = 180,
        text_mode: str = "full",
        excerpt_chars: int = 280,
        *,
        create: bool = True,
        busy_timeout_ms: int = 3000,
        synchronous: str = "FULL",
        max_pending: int = 10_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
        retry_max_wait: float = 5.0,
        maintenance: bool = True,
    ) -> "IncidentStore":
        """Open (and create or upgrade) the database: a file path (SQLite) or a postgresql:// URL.
        `create=False` refuses a missing SQLite file (CLI). retention_days None or 0: no automatic purge.
        synchronous FULL: a returned record() survives a power cut too (NORMAL: a process crash only;
        PostgreSQL commits durably as the server is configured). busy_timeout_ms: how long a write waits
        for a lock another process holds before it goes to the outbox."""
        backend = backend_for(path, busy_timeout_ms=int(busy_timeout_ms), synchronous=synchronous)
        if not create:
            backend.check_exists()
        store = cls(backend, retention_days=retention_days, text_mode=text_mode, excerpt_chars=excerpt_chars,
                    max_pending=max_pending, max_pending_bytes=max_pending_bytes, retry_max_wait=retry_max_wait)
        try:
            await store._writer.open()
            store._rconn = await backend.connect()
        except BaseException as exc:
            await store._writer.close()
            if store._rconn is not None:
                await store._rconn.close()
            if isinstance(exc, backend.errors):
                raise StoreError(f"cannot open database {backend.label}: {backend.describe(exc)}") from exc
            raise
        if maintenance and retention_days:
            store._maintenance = asyncio.get_running_loop().create_task(store._maintain(), name="leekguard-purge")
        return store

    async def __aenter__(self) -> "IncidentStore":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> CloseReport:
        """Finish the writes in flight, try a last flush of the outbox, report what could not be written."""
        if self._close_report is not None:
            return self._close_report
        self._closing = True
        if self._maintenance is not None:
            self._maintenance.cancel()
            with suppress(asyncio.CancelledError):
                await self._maintenance
        left = await self._writer.close()
        report = CloseReport(
            unwritten=tuple(op.incident for op in left if op.kind == "record" and op.incident is not None),
            unwritten_results=sum(1 for op in left if op.kind == "results"),
        )
        if not report.ok:
            log.error("incident store closed with %d incidents and %d action results NOT written (%s)",
                      len(report.unwritten), report.unwritten_results, self.last_error)
            for inc in report.unwritten:
                log.error("not written: %s chat %s message %s verdict %s", *inc.key, inc.verdict)
        if self._rconn is not None:
            with suppress(Exception):
                await self._rconn.close()
            self._rconn = None
        self._close_report = report
        return report

    def _check_open(self) -> None:
        if self._closing:
            raise StoreClosed("the incident store is closed")

    # ---- health ----

    @property
    def pending(self) -> int:
        """Writes waiting in memory for the database to come back."""
        return len(self._writer.outbox)

    @property
    def dropped(self) -> int:
        return self._writer.outbox.dropped_total

    @property
    def last_error(self) -> str | None:
        return self._writer.outbox.last_error

    async def wait_flushed(self, timeout: float | None = None) -> bool:
        """True once every pending write has reached the database (at once if none is pending)."""
        return await self._writer.outbox.wait_drained(timeout)

    # ---- moderation path ----

    async def record(self, incident: NewIncident) -> RecordResult:
        """Commit an incident before returning, deduped on (source, chat, message). Never fails because
        the database cannot be written: the incident is queued and RecordResult.pending is True."""
        self._check_open()
        params = incident_params(incident, self.text_mode, self.excerpt_chars, time.time())
        d = self.backend.dialect
        params = {k: d.storable(v) if isinstance(v, str) else v for k, v in params.items()}
        key = (params["source"], params["chat_id"], params["message_id"])  # as stored: answers match by key
        return await self._writer.submit(WriteOp("record", key, params=params, incident=incident))

    async def set_action_results(self, incident: int | IncidentKey | RecordResult, results: Iterable[Any]) -> bool:
        """Store what happened to each decided action (ActionResult or dict). `incident`: the id, or for
        a pending record its RecordResult / key. True once committed, False when queued for retry."""
        self._check_open()
        payload = to_json([result_to_dict(r) for r in results])
        if isinstance(incident, RecordResult):
            incident = incident.id if incident.id is not None else incident.key
        if isinstance(incident, tuple):
            d = self.backend.dialect
            key = (d.storable(clean_text(incident[0])), d.storable(clean_text(incident[1])),
                   d.storable(clean_text(incident[2])))
            return await self._writer.submit(WriteOp("results", key, results_json=payload))
        return await self._writer.submit(WriteOp("results", ("", "", ""), results_json=payload,
                                                 target_id=int(incident)))

    # ---- admin path: direct transactions with clear errors ----

    @asynccontextmanager
    async def _admin_tx(self, what: str) -> AsyncIterator[Any]:
        self._check_open()
        try:
            async with self._writer.tx() as conn:
                yield conn
        except self.backend.errors as exc:
            raise StoreError(f"cannot {what}: {self.backend.describe(exc)}") from exc

    async def review(self, incident_id: int, decision: str, by: str | None = None, note: str | None = None,
                     *, learn: bool = True) -> ReviewResult:
        """confirm / dismiss (or reopen) an incident; a review also stores the learned sample
        (confirmed -> scam, dismissed -> clean) and removes an earlier review's opposite sample."""
        async with self._admin_tx(f"review incident #{incident_id}") as conn:
            return await rv.review(conn, incident_id, decision, time.time(), by=by, note=note, learn=learn)

    async def add_sample(self, text: str, label: str, incident_id: int | None = None, by: str | None = None, *,
                         chat_key: str | None = None, author_key: str | None = None) -> Sample:
        async with self._admin_tx("add sample") as conn:
            return await rv.insert_sample(conn, text, label, time.time(), incident_id=incident_id,
                                          chat_key=chat_key, author_key=author_key, by=by)

    async def remove_sample(self, sample_id: int) -> Sample | None:
        """Returns the removed sample (so the engine can unlearn it), or None if there was none."""
        async with self._admin_tx(f"remove sample #{sample_id}") as conn:
            return await rv.remove_sample(conn, sample_id)

    async def add_exemption(self, chat_key: str, rule_id: str, by: str | None = None, *,
                            incident_id: int | None = None, note: str | None = None) -> Exemption:
        async with self._admin_tx("add exemption") as conn:
            return await rv.add_exemption(conn, chat_key, rule_id, time.time(), by=by, incident_id=incident_id,
                                          note=note)

    async def remove_exemption(self, chat_key: str, rule_id: str) -> bool:
        async with self._admin_tx("remove exemption") as conn:
            return await rv.remove_exemption(conn, chat_key, rule_id)

    async def set_chat_settings(self, chat_key: str, settings: dict, by: str | None = None) -> None:
        async with self._admin_tx("save chat settings") as conn:
            await rv.set_chat_settings(conn, chat_key, settings, time.time(), by)

    async def purge(self, older_than: timedelta | float | datetime) -> int:
        """Delete incidents created before now - older_than (days, or a timedelta), or before a datetime.
        Learned samples are kept (they are training data, not the incident log)."""
        cutoff = to_epoch(older_than) if isinstance(older_than, datetime) else time.time() - _days(older_than).total_seconds()
        total = 0
        while True:
            async with self._admin_tx("purge incidents") as conn:
                cur = await conn.execute(
                    "DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE created_at < ? LIMIT ?)",
                    (cutoff, PURGE_CHUNK),
                )
                n = cur.rowcount
            total += n
            if n < PURGE_CHUNK:
                return total

    async def forget_user(self, platform: str, user_id: str) -> ForgetResult:
        """Erase one person's messages: their incidents, the samples learned from them and the poster hashes
        of their pictures (bot/images/posters.py's table in this file; a running bot stops matching them at its
        next refresh). secure_delete overwrites the freed pages and the WAL is truncated, so nothing of theirs
        lingers in the file."""
        author_key = f"{clean_text(platform)}:{clean_text(user_id)}"
        theirs = (clean_text(platform), clean_text(user_id))
        async with self._admin_tx("forget user") as conn:
            await self.backend.set_secure_delete(conn, True)
            try:
                posters = 0
                if await self.backend.has_table(conn, POSTER_TABLE):  # created only once image checks ran
                    cur = await conn.execute(
                        f"DELETE FROM {POSTER_TABLE} WHERE incident_id IN "
                        "(SELECT id FROM incidents WHERE source = ? AND author_id = ?)", theirs)
                    posters = cur.rowcount
                cur = await conn.execute("DELETE FROM incidents WHERE source = ? AND author_id = ?", theirs)
                incidents = cur.rowcount
                cur = await conn.execute("DELETE FROM samples WHERE author_key = ?", (author_key,))
                samples = cur.rowcount
            finally:
                await self.backend.set_secure_delete(conn, False)
        with suppress(*self.backend.errors):
            await self._writer.checkpoint()
        return ForgetResult(incidents=incidents, samples=samples, posters=posters)

    async def _maintain(self) -> None:
        """Retention: purge at start-up, then every few hours; a failure is logged and retried next time."""
        while True:
            try:
                n = await self.purge(self.retention_days or 0)
                if n:
                    log.info("retention: purged %d incidents older than %s days", n, self.retention_days)
            except StoreError as exc:
                log.warning("retention purge postponed: %s", exc)
            await asyncio.sleep(MAINTENANCE_EVERY)

    async def backup(self, path: str | os.PathLike, *, overwrite: bool = True) -> dict:
        """Consistent copy of the live database (SQLite online backup); writers are not blocked.
        On PostgreSQL a StoreError says to use the server's own tools (pg_dump)."""
        return await self.backend.backup(path, overwrite)

    # ---- reads ----

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Any]:
        self._check_open()
        try:
            if self._rconn is None or self.backend.is_broken(self._rconn):
                await self._reconnect_reader()
            yield self._rconn
        except self.backend.errors as exc:
            raise StoreError(f"cannot read the incident database: {self.backend.describe(exc)}") from exc

    async def _reconnect_reader(self) -> None:
        """A database server that restarted ended our session: the next read opens a new one."""
        old, self._rconn = self._rconn, None
        if old is not None:
            with suppress(Exception):
                await old.close()
        self._rconn = await self.backend.connect()

    async def _read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        params = tuple(params)
        try:
            async with self._reading() as conn:
                return list(await conn.execute_fetchall(sql, params))
        except StoreError:
            if self._rconn is None or not self.backend.is_broken(self._rconn):
                raise
        async with self._reading() as conn:  # the session had ended (server restart): once more on a new one
            return list(await conn.execute_fetchall(sql, params))

    async def get(self, incident_id: int) -> Incident | None:
        rows = await self._read(f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (int(incident_id),))
        return row_to_incident(rows[0]) if rows else None

    async def list(self, chat: str | None = None, state: str | None = None, category: str | None = None,
                   author: str | None = None, since: datetime | float | None = None, limit: int | None = 50,
                   *, offset: int = 0, verdict: str | None = None, until: datetime | float | None = None,
                   search: str | None = None, after: tuple[float, int] | None = None) -> list[Incident]:
        """Newest first. chat / author: 'platform:id' or a bare id. since / until: datetime or epoch.
        search: text the message contains. after: (created_at epoch, id) of the last row of the previous page
        (keyset paging: a deep page costs what the first one does)."""
        f = IncidentFilter(chat=chat, state=state, category=category, author=author, verdict=verdict, since=since,
                           until=until, search=search)
        sql, params = select_incidents(f, limit, offset, after, self.backend.dialect)
        return [row_to_incident(r) for r in await self._read(sql, params)]

    async def iter_incidents(self, f: IncidentFilter | None = None, *, page: int = 500,
                             limit: int | None = None) -> AsyncIterator[Incident]:
        """Stream matching incidents newest first, `page` rows at a time (keyset paging: constant memory,
        no long read transaction)."""
        f = f or IncidentFilter()
        after: tuple[float, int] | None = None
        sent = 0
        while limit is None or sent < limit:
            n = page if limit is None else min(page, limit - sent)
            sql, params = select_incidents(f, n, 0, after, self.backend.dialect)
            rows = await self._read(sql, params)
            for r in rows:
                yield row_to_incident(r)
            sent += len(rows)
            if len(rows) < n:
                return
            after = (rows[-1][16], rows[-1][0])

    async def stats(self, chat: str | None = None, since: datetime | float | None = None) -> dict[str, Any]:
        """Counts per category, state, verdict, chat (the 20 busiest) and UTC day (newest day first)."""
        inner, params = select_for_stats(IncidentFilter(chat=chat, since=since), self.backend.dialect)
        day = self.backend.dialect.utc_day.format("created_at")

        async def counts(sql: str) -> dict[str, int]:
            return {str(k): int(n) for k, n in await self._read(sql, params)}

        q = f"WITH m AS ({inner})"
        return {
            "total": sum((await counts(f"{q} SELECT 'all', count(*) FROM m")).values()),
            "by_state": await counts(f"{q} SELECT state, count(*) FROM m GROUP BY state ORDER BY 2 DESC"),
            "by_verdict": await counts(f"{q} SELECT verdict, count(*) FROM m GROUP BY verdict ORDER BY 2 DESC"),
            "by_category": await counts(
                f"{q} SELECT c.category, count(*) FROM m JOIN incident_categories c ON c.incident_id = m.id "
                "GROUP BY c.category ORDER BY 2 DESC"),
            "by_chat": await counts(
                f"{q} SELECT i.source || ':' || i.chat_id, count(*) FROM m JOIN incidents i ON i.id = m.id "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 20"),
            "by_day": await counts(
                f"{q} SELECT {day}, count(*) FROM m GROUP BY 1 ORDER BY 1 DESC"),
        }

    async def review_log(self, incident_id: int) -> list[dict[str, Any]]:
        """Every review of the incident (confirm, dismiss, reopen), oldest first."""
        async with self._reading() as conn:
            return await rv.review_log(conn, incident_id)

    async def list_samples(self, label: str | None = None, after_id: int | None = None) -> list[Sample]:
        async with self._reading() as conn:
            return await rv.list_samples(conn, label, after_id)

    async def list_exemptions(self, chat_key: str | None = None) -> list[Exemption]:
        async with self._reading() as conn:
            return await rv.list_exemptions(conn, chat_key)

    async def get_chat_settings(self, chat_key: str) -> dict | None:
        async with self._reading() as conn:
            return await rv.get_chat_settings(conn, chat_key)

async def open_store(path_or_url: str | os.PathLike, **options: Any) -> IncidentStore:
    """The incident store named by `path_or_url`: a SQLite file path, or a postgresql:// URL (the `postgres`
    extra). Same API and behaviour on both; `options` as for IncidentStore.open."""
    return await IncidentStore.open(path_or_url, **options)
