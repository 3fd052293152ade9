"""Run the engine for `leekguard scan` in worker processes, keeping results in input order.

Workers are forked from the scanning process after the engine is loaded (and taught what admins taught it),
so they start at once and share its memory pages. Messages go to them in batches; at most a few batches are
in flight, so memory stays bounded however big the export. If a worker dies, the rest is analysed here.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from adapters.exports.records import ReadProblem
from bot.scan import Analyzer, Job, ScanResult, analyze, analyze_text, finish

BATCH = 256  # messages per task: large enough that pickling is cheap next to the analysis
_MAX_ITEMS = 4 * BATCH  # ... and a bound on non-message items (service notices) riding along

_engine: Analyzer | None = None  # the forked workers' engine


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the scanning process's to handle


def _analyze_batch(jobs: list[tuple[str, str | None, str | None]]) -> list:
    assert _engine is not None
    return [analyze_text(_engine, text, reply, key) for text, reply, key in jobs]


def analyze_in_pool(engine: Analyzer, workers: int,
                    prepared: Iterable[Job | ScanResult | ReadProblem]) -> Iterator[ScanResult | ReadProblem]:
    global _engine
    _engine = engine
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker)
    window: deque[tuple[Future | None, list]] = deque()
    broken = False

    def submit(chunk: list) -> None:
        nonlocal broken
        args = [(j.text, j.reply_text, j.chat_key) for j in chunk if isinstance(j, Job)]
        future = None
        if args and not broken:
            try:
                future = pool.submit(_analyze_batch, args)
            except BrokenProcessPool:
                broken = True
        window.append((future, chunk))

    def drain() -> Iterator[ScanResult | ReadProblem]:
        nonlocal broken
        future, chunk = window.popleft()
        verdicts: list = []
        if future is not None:
            try:
                verdicts = future.result()
            except BrokenProcessPool:
                broken = True
                future = None
        answers = iter(verdicts)
        for item in chunk:
            if isinstance(item, Job):
                yield finish(item, next(answers) if future is not None else analyze(engine, item))
            else:
                yield item

    try:
        chunk: list = []
        jobs = 0
        for item in prepared:
            chunk.append(item)
            jobs += isinstance(item, Job)
            if jobs >= BATCH or len(chunk) >= _MAX_ITEMS:
                submit(chunk)
                chunk, jobs = [], 0
                while len(window) > 2 * workers:
                    yield from drain()
        if chunk:
            submit(chunk)
        while window:
            yield from drain()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _engine = None
