"""Run the engine for `leekguard scan` in worker processes, keeping results in input order.

Workers are forked from the scanning process once the engine is loaded and taught what admins taught it, so
they start at once and share its memory pages. They are forked when the pool is made, before the progress bar
or anything else starts a thread. Messages go to them in batches with at most a few batches in flight, so
memory stays bounded however big the export. If a worker dies, its batch and the rest are analysed here.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.scan.scanner import Analyzer, Job, ScanResult, analyze, analyze_text, finish
from leekguard_types import ReadProblem

BATCH = 256  # messages per task: large enough that pickling is cheap next to the analysis
_MAX_ITEMS = 4 * BATCH  # ... and a bound on non-message items (service notices) riding along

_engine: Analyzer | None = None  # the forked workers' engine


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the scanning process's to handle


def _ready() -> bool:
    return _engine is not None


def _analyze_batch(jobs: list[tuple[str, str | None, str | None]]) -> list:
    assert _engine is not None
    return [analyze_text(_engine, text, reply, key) for text, reply, key in jobs]


class EnginePool:
    def __init__(self, engine: Analyzer, workers: int) -> None:
        global _engine
        self.engine, self.workers = engine, workers
        _engine = engine
        # the fork context starts every worker at the first submit: do it now, while no other thread runs
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_init_worker)
        self.broken = False
        try:
            self._pool.submit(_ready).result()
        except BrokenProcessPool:
            self.broken = True

    def close(self) -> None:
        global _engine
        self._pool.shutdown(wait=True, cancel_futures=True)
        _engine = None

    def __enter__(self) -> "EnginePool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _submit(self, chunk: list) -> Future | None:
        args = [(j.text, j.reply_text, j.chat_key) for j in chunk if isinstance(j, Job)]
        if not args or self.broken:
            return None
        try:
            return self._pool.submit(_analyze_batch, args)
        except BrokenProcessPool:
            self.broken = True
            return None

    def _results(self, future: Future | None, chunk: list) -> Iterator[ScanResult | ReadProblem]:
        verdicts = None
        if future is not None:
            try:
                verdicts = iter(future.result())
            except BrokenProcessPool:
                self.broken = True
        for item in chunk:
            if isinstance(item, Job):
                yield finish(item, next(verdicts) if verdicts is not None else analyze(self.engine, item))
            else:
                yield item

    def scan(self, prepared: Iterable[Job | ScanResult | ReadProblem]) -> Iterator[ScanResult | ReadProblem]:
        window: deque[tuple[Future | None, list]] = deque()
        chunk: list = []
        jobs = 0
        for item in prepared:
            chunk.append(item)
            jobs += isinstance(item, Job)
            if jobs >= BATCH or len(chunk) >= _MAX_ITEMS:
                window.append((self._submit(chunk), chunk))
                chunk, jobs = [], 0
                while len(window) > 2 * self.workers:
                    yield from self._results(*window.popleft())
        if chunk:
            window.append((self._submit(chunk), chunk))
        while window:
            yield from self._results(*window.popleft())
