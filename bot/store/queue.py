"""The retry outbox: writes that could not reach the database yet, kept in memory in order and retried.

Moderation must not stop because the database is locked, the disk is full or the file is read-only.
The store diverts such writes here; a background task retries with exponential backoff (tenacity) and
flushes them in the order they were made. The queue is bounded (count and bytes): beyond that, new
writes are dropped and counted, never the older ones. The failure is logged once per burst, not once per
message, and the recovery once when the queue drains.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from tenacity import AsyncRetrying, retry_if_exception, wait_exponential, wait_random

from bot.store.types import IncidentKey, NewIncident

log = logging.getLogger("leekguard.store")

_NO_REOPEN = {"SQLITE_BUSY", "SQLITE_LOCKED"}  # the file is fine, someone else holds the lock


def is_transient(exc: BaseException) -> bool:
    """Errors of the database's surroundings (lock, disk, permissions, I/O) rather than of the data."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def needs_reopen(exc: BaseException | None) -> bool:
    """A read-only or broken connection stays so: reopen it before the next attempt; a lock just waits."""
    return exc is not None and getattr(exc, "sqlite_errorname", None) not in _NO_REOPEN


@dataclass(eq=False, slots=True)
class WriteOp:
    """One write of the moderation path: record an incident, or attach action results to one."""

    kind: str  # "record" | "results"
    key: IncidentKey
    params: dict[str, Any] | None = None  # record: bound parameters, already cleaned
    incident: NewIncident | None = None  # record: kept for the close report
    results_json: str | None = None  # results: JSON list
    target_id: int | None = None  # results: incident id, when it is known
    future: asyncio.Future | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        if self.params is not None:
            return 256 + sum(len(v) for v in self.params.values() if isinstance(v, str))
        return 128 + len(self.results_json or "")


class Outbox:
    def __init__(
        self,
        write: Callable[[list[WriteOp]], Awaitable[None]],
        reopen: Callable[[], Awaitable[None]],
        *,
        max_items: int = 10_000,
        max_bytes: int = 64 * 1024 * 1024,
        initial_wait: float = 0.05,
        max_wait: float = 5.0,
        chunk: int = 500,
        transient: Callable[[BaseException], bool] = is_transient,
        reopen_after: Callable[[BaseException | None], bool] = needs_reopen,
    ) -> None:
        self._write = write  # writes ops in one transaction; raises transient errors; idempotent
        self._reopen = reopen
        self._transient, self._reopen_after = transient, reopen_after  # the backend's view of its errors
        self._items: deque[WriteOp] = deque()
        self._bytes = 0
        self.max_items, self.max_bytes = max_items, max_bytes
        self._initial_wait, self._max_wait, self._chunk = initial_wait, max_wait, chunk
        self._task: asyncio.Task | None = None
        self._drained = asyncio.Event()
        self._drained.set()
        self._stopping = False
        # burst bookkeeping, for logging once per burst
        self._burst_start: float | None = None
        self._burst_written = 0
        self._burst_dropped = 0
        self.dropped_total = 0
        self.last_error: str | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, op: WriteOp, error: BaseException | None = None) -> bool:
        """Queue one op (in order). False when the queue is full and the op was dropped."""
        if error is not None:
            self.last_error = str(error)
        if self._burst_start is None:
            self._burst_start = time.monotonic()
            self._burst_written = self._burst_dropped = 0
            log.warning(
                "incident store cannot write (%s): keeping incidents in memory (up to %d) and retrying",
                self.last_error or "database unavailable",
                self.max_items,
            )
        if len(self._items) >= self.max_items or self._bytes + op.size > self.max_bytes:
            if self._burst_dropped == 0:
                log.error(
                    "incident store: pending queue full (%d items, %d bytes); new incidents are being dropped",
                    len(self._items),
                    self._bytes,
                )
            self._burst_dropped += 1
            self.dropped_total += 1
            return False
        self._items.append(op)
        self._bytes += op.size
        self._drained.clear()
        if self._task is None or self._task.done():
            if not self._stopping:
                self._task = asyncio.get_running_loop().create_task(self._run(), name="leekguard-store-retry")
        return True

    async def flush(self) -> None:
        """Write everything queued, oldest first; raises the first error and keeps what is left."""
        while self._items:
            chunk = [self._items[i] for i in range(min(self._chunk, len(self._items)))]
            await self._write(chunk)
            for op in chunk:
                self._items.popleft()
                self._bytes -= op.size
            self._burst_written += len(chunk)
        self._end_burst()

    def _end_burst(self) -> None:
        if self._burst_start is not None and not self._items:
            log.warning(
                "incident store recovered after %.1fs: wrote %d queued writes%s",
                time.monotonic() - self._burst_start,
                self._burst_written,
                f", dropped {self._burst_dropped}" if self._burst_dropped else "",
            )
            self._burst_start = None
            self.last_error = None
        if not self._items:
            self._drained.set()

    async def _before_retry(self, state: Any) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None:
            self.last_error = str(exc)
        if self._reopen_after(exc):
            try:
                await self._reopen()
            except Exception as reopen_exc:  # still broken; the next attempt will say so
                self.last_error = str(reopen_exc)

    async def _run(self) -> None:
        retrying = AsyncRetrying(
            # exponential backoff with a little jitter, so several bots on one file do not retry in step
            wait=wait_exponential(multiplier=self._initial_wait, max=self._max_wait) + wait_random(0, self._initial_wait),
            retry=retry_if_exception(self._transient),
            before_sleep=self._before_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self.flush()
        except asyncio.CancelledError:
            raise
        except Exception:  # not transient: the store's writer already isolates bad ops, so this is a bug
            log.exception("incident store: retry loop stopped; %d writes remain queued", len(self._items))

    async def wait_drained(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def stop(self, last_attempt: bool = True) -> list[WriteOp]:
        """Stop retrying; try one last flush; return the ops that could not be written."""
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._items and last_attempt:
            try:
                await self._reopen()
                await self.flush()
            except Exception as exc:
                self.last_error = str(exc)
        return list(self._items)
