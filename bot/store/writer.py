"""The write side of the incident store: one connection, group commit, and the outbox behind it.

Moderation writes (record an incident, attach action results) are queued to one writer task, which
commits everything that arrived meanwhile in one transaction (group commit) and then answers each
caller. With synchronous=FULL every answered write is on disk, and thousands per second still fit.

When a transaction fails because of the database's surroundings (locked, full, read-only, I/O), the
writes go to the outbox (bot.store.queue) and their callers get a "pending" answer at once. While the
outbox holds anything, new moderation writes go straight behind them, so the order is kept and nobody
waits on a database that is known to be down.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from typing import Any, AsyncIterator

from bot.store.backend import Backend
from bot.store.queue import Outbox, WriteOp
from bot.store.sql import (
    INSERT_COLUMNS,
    SET_RESULTS_BY_ID,
    SET_RESULTS_BY_KEY,
    UPSERT_CHUNK,
    find_keys_sql,
    upsert_sql,
)
from bot.store.dialect import Dialect
from bot.store.types import RecordResult, StoreError

log = logging.getLogger("leekguard.store")

MAX_BATCH = 512  # writes per group-commit transaction


def pending_result(op: WriteOp, accepted: bool) -> Any:
    if op.kind == "results":
        return False
    return RecordResult(id=None, created=False, changed=False, pending=True, dropped=not accepted, key=op.key)


class Writer:
    def __init__(self, backend: Backend, *, max_pending: int, max_pending_bytes: int, retry_max_wait: float) -> None:
        self.backend = backend
        self.conn: Any = None
        self._lock = asyncio.Lock()  # one transaction at a time on the write connection
        self._queue: asyncio.Queue[WriteOp | None] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self.outbox = Outbox(self._write_pending, self.reopen, max_items=max_pending,
                             max_bytes=max_pending_bytes, max_wait=retry_max_wait,
                             transient=backend.is_transient, reopen_after=backend.needs_reopen)

    async def open(self) -> None:
        """Connect, create or upgrade the schema, start the writer task."""
        self.conn = await self.backend.connect()
        try:
            await self.backend.prepare(self.conn)
        except BaseException:
            await self.conn.close()
            self.conn = None
            raise
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="leekguard-store-writer")

    async def reopen(self) -> None:
        """A read-only or broken connection stays so; the retry loop asks for a fresh one."""
        async with self._lock:
            old, self.conn = self.conn, None
            if old is not None:
                with suppress(Exception):
                    await old.close()
            self.conn = await self.backend.connect()

    async def close(self) -> list[WriteOp]:
        """Finish the queued writes, try a last flush of the outbox; returns the writes left unwritten."""
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
            self._task = None
        left = await self.outbox.stop()
        if self.conn is not None:
            with suppress(*self.backend.errors):
                await self.backend.optimize(self.conn)
            with suppress(Exception):
                await self.conn.close()
            self.conn = None
        return left

    # ---- transactions ----

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Any]:
        """One write transaction (the backend's begin: SQLite takes the write lock up front)."""
        backend = self.backend
        async with self._lock:
            if self.conn is not None and backend.is_broken(self.conn):
                # a server restart ended the session: an admin's next command should not fail for that
                with suppress(Exception):
                    await self.conn.close()
                self.conn = None
            if self.conn is None:
                try:
                    self.conn = await backend.connect()
                except backend.errors as exc:
                    raise backend.unavailable(f"database unavailable: {exc}") from exc
            conn = self.conn
            await backend.begin(conn)
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                if backend.in_transaction(conn):
                    with suppress(*backend.errors):
                        await conn.execute("ROLLBACK")
                raise

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and truncate it (after forget-user: no stale copies)."""
        async with self._lock:
            if self.conn is not None:
                await self.backend.checkpoint(self.conn)

    # ---- moderation writes ----

    async def submit(self, op: WriteOp) -> Any:
        if self.outbox:
            return pending_result(op, self.outbox.add(op))
        op.future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(op)
        # shield: a caller that gives up waiting does not cancel a write already on its way
        return await asyncio.shield(op.future)

    def _divert(self, ops: list[WriteOp], error: BaseException | None) -> None:
        # Whatever still waits in the queue is older than any record() made from now on, which goes straight
        # to the outbox: move it there too, in the same step (no await), so the outbox keeps the order.
        ops = list(ops)
        while not self._queue.empty():
            nxt = self._queue.get_nowait()
            if nxt is None:  # close() asked the loop to stop: keep that for the loop to see
                self._queue.put_nowait(None)
                break
            ops.append(nxt)
        for op in ops:
            result = pending_result(op, self.outbox.add(op, error))
            if op.future is not None and not op.future.done():
                op.future.set_result(result)

    async def _loop(self) -> None:
        while True:
            op = await self._queue.get()
            if op is None:
                return
            batch, stop = [op], False
            while len(batch) < MAX_BATCH and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            try:
                await self._write_direct(batch)
            except Exception as exc:  # never let the writer die: that would hang every record()
                log.exception("incident store writer failed")
                for o in batch:
                    if o.future is not None and not o.future.done():
                        o.future.set_exception(StoreError(f"cannot record incident: {exc}"))
            if stop:
                return

    async def _write_direct(self, batch: list[WriteOp]) -> None:
        if self.outbox:
            self._divert(batch, None)
            return
        try:
            outcomes = await self._commit(batch)
        except self.backend.errors as exc:
            if self.backend.is_transient(exc):
                self._divert(batch, exc)
                return
            outcomes = None
        if outcomes is not None:
            for op, out in zip(batch, outcomes):
                op.future.set_result(out)
            return
        # Something in the batch is bad data, not a bad database: write one by one to isolate it.
        for i, op in enumerate(batch):
            try:
                (out,) = await self._commit([op])
            except self.backend.errors as exc:
                if self.backend.is_transient(exc):
                    self._divert(batch[i:], exc)
                    return
                log.error("incident store rejected a write for %s: %s", op.key, exc)
                op.future.set_exception(StoreError(f"cannot record incident {op.key}: {exc}"))
                continue
            op.future.set_result(out)

    async def _write_pending(self, ops: list[WriteOp]) -> None:
        """The outbox's writer: all ops in one transaction; an op that can never be written is dropped."""
        try:
            await self._commit(ops)
            return
        except self.backend.errors as exc:
            if self.backend.is_transient(exc):
                raise
        for op in ops:  # replaying ops already written is harmless: both kinds are idempotent
            try:
                await self._commit([op])
            except self.backend.errors as exc:
                if self.backend.is_transient(exc):
                    raise
                log.error("incident store dropped a queued write for %s: %s", op.key, exc)

    async def _commit(self, ops: list[WriteOp]) -> list[Any]:
        """All ops in one transaction, in order; runs of records go in multi-row statements."""
        async with self.tx() as conn:
            out: list[Any] = []
            i = 0
            while i < len(ops):
                if ops[i].kind != "record":
                    out.append(await _set_results(conn, ops[i]))
                    i += 1
                    continue
                # a run of records with distinct keys (a repeated message starts the next statement)
                j, keys = i, set()
                while j < len(ops) and j - i < UPSERT_CHUNK and ops[j].kind == "record" and ops[j].key not in keys:
                    keys.add(ops[j].key)
                    j += 1
                out.extend(await _upsert(conn, ops[i:j], self.backend.dialect))
                i = j
            return out


async def _upsert(conn: Any, ops: list[WriteOp], dialect: Dialect) -> list[RecordResult]:
    # Rows go in key order: two processes writing overlapping batches then take the key locks in the same
    # order and wait for each other instead of deadlocking (PostgreSQL). The answers are matched by key.
    params = [op.params[c] for op in sorted(ops, key=lambda o: o.key) for c in INSERT_COLUMNS]
    # execute_fetchall: one hop to the connection for the whole run (execute + fetch + close)
    done = {tuple(r[:3]): (r[3], r[4]) for r in await conn.execute_fetchall(upsert_sql(len(ops), dialect), params)}
    unchanged = [op.key for op in ops if op.key not in done]  # the same delivery again: find its id
    found: dict[tuple, int] = {}
    if unchanged:
        rows = await conn.execute_fetchall(find_keys_sql(len(unchanged)), [x for key in unchanged for x in key])
        found = {tuple(r[:3]): r[3] for r in rows}
    results = []
    for op in ops:
        if op.key in done:  # inserted (revision 0) or updated by an edit that changed the verdict
            rid, revision = done[op.key]
            results.append(RecordResult(id=rid, created=revision == 0, changed=revision > 0, pending=False,
                                        key=op.key))
        else:
            results.append(RecordResult(id=found.get(op.key), created=False, changed=False, pending=False,
                                        key=op.key))
    return results


async def _set_results(conn: Any, op: WriteOp) -> bool:
    if op.target_id is not None:
        await conn.execute(SET_RESULTS_BY_ID, (op.results_json, op.target_id))
    else:
        await conn.execute(SET_RESULTS_BY_KEY, (op.results_json, *op.key))
    return True
