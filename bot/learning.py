"""Apply what admins taught (learned samples, per-chat rule exemptions) from the store to an Engine.

The store keeps these apart from the shipped seeds; the engine starts from the seeds and is brought up to
date here. Reviews made elsewhere (the `leekguard incidents review` CLI, another adapter) only write the
database, so a running bot calls `refresh()` now and then (or after its own reviews) to pick them up:

    sync = await load_learned(engine, store)     # start-up: everything learned so far
    ...
    change = await sync.refresh()                # later: learn new samples, unlearn removed ones,
                                                 # exempt / unexempt rules changed by someone else

Each sample is applied exactly once however often refresh() runs, so it is safe to call after every review.
A failing engine call is logged and skipped: one bad sample must not stop the bot. Engine calls run in a
worker thread (the Engine guards itself with a lock): learning tokenises the text (the first time, jieba loads
its dictionary) and unlearning replays the other reviews, and the event loop must keep serving chats meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("leekguard.learning")


@dataclass(frozen=True, slots=True)
class SyncChange:
    learned: int = 0
    unlearned: int = 0
    exempted: int = 0
    unexempted: int = 0

    @property
    def any(self) -> bool:
        return bool(self.learned or self.unlearned or self.exempted or self.unexempted)


class LearnedSync:
    """Keeps an engine in step with the samples and exemptions tables."""

    def __init__(self, engine: Any, store: Any) -> None:
        self.engine, self.store = engine, store
        self._samples: dict[int, tuple[str, str]] = {}  # sample id -> (text, label) applied to the engine
        self._exemptions: set[tuple[str, str]] = set()  # (chat_key, rule_id) applied
        # one refresh at a time: the periodic one and a review's own could otherwise both learn a new sample
        self._lock = asyncio.Lock()

    async def refresh(self) -> SyncChange:
        async with self._lock:
            return await self._refresh()

    async def _refresh(self) -> SyncChange:
        samples = {s.id: (s.text, s.label) for s in await self.store.list_samples()}
        exemptions = {(e.chat_key, e.rule_id) for e in await self.store.list_exemptions()}
        learned = unlearned = exempted = unexempted = 0
        for sid in [i for i in self._samples if i not in samples]:
            if await self._call("unlearn", *self._samples[sid]):
                unlearned += 1
            del self._samples[sid]  # given up either way: retrying an unlearn could double it
        for sid, (text, label) in samples.items():
            if sid not in self._samples and await self._call("learn", text, label):
                self._samples[sid] = (text, label)
                learned += 1
        for key in self._exemptions - exemptions:
            await self._call("unexempt", *key)
            self._exemptions.discard(key)
            unexempted += 1
        for key in exemptions - self._exemptions:
            if await self._call("exempt", *key):
                self._exemptions.add(key)
                exempted += 1
        change = SyncChange(learned, unlearned, exempted, unexempted)
        if change.any:
            log.info("learning: +%d / -%d samples, +%d / -%d rule exemptions", learned, unlearned, exempted,
                     unexempted)
        return change

    async def _call(self, method: str, *args: str) -> bool:
        try:
            await asyncio.to_thread(getattr(self.engine, method), *args)
        except Exception:
            log.exception("engine.%s failed for %r", method, args[:1])
            return False
        return True


async def load_learned(engine: Any, store: Any) -> LearnedSync:
    """Start-up: apply every learned sample and rule exemption; keep the returned sync for refreshes."""
    sync = LearnedSync(engine, store)
    await sync.refresh()
    return sync
