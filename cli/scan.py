"""`leekguard scan PATH...`: audit exported chat history with the detection engine.

Exit status: 0 nothing flagged, 1 something flagged, 2 an error (unreadable input, output or database).
An error wins over "flagged": a scan that could not read everything is not a clean bill of health.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from adapters.exports import ExportFile, ReadProblem, find_exports
from bot.scan.record import Recorder, RecordTally, ScanError, learn_from_existing_log
from bot.scan.report import ReportCollector, write_report
from bot.scan.rows import CsvRows, JsonlRows, wanted
from bot.scan.scanner import ScanResult, Scanner, ScanSummary
from bot.scan.summary import print_problems, print_summary

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
_PROGRESS_EVERY = 256  # records between progress-bar refreshes
AUTO_JOBS_BYTES = 4 * 1024 * 1024  # below this, starting worker processes costs more than it saves


@dataclass
class RunOptions:
    rows: list = field(default_factory=list)  # CsvRows / JsonlRows
    include_all: bool = False
    collector: ReportCollector | None = None  # keeps what the HTML report will show
    jobs: int = 1
    images: bool = False  # analyse the photos the export includes (bot/scan/images.py)
    photos: str = ""  # what became of them, for the summary


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write a self-contained HTML report (summary, chart, every flagged message).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write flagged messages as CSV rows.")
@click.option("--jsonl", "jsonl_path", type=click.Path(dir_okay=False), help="Write flagged messages as JSON lines.")
@click.option("--all", "include_all", is_flag=True, help="With --csv / --jsonl: clean messages too.")
@click.option("--record", is_flag=True,
              help="Also write findings to the incident log (source 'scan'); a second scan does not duplicate them.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option("--jobs", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Worker processes for the engine; 0 = one per CPU (up to 4) for inputs over 4 MB, else 1.")
@click.option("--images", is_flag=True,
              help="Also analyse the photos the export includes (QR codes, poster text, known scam posters); "
                   "needs the 'images' extra.")
@click.pass_context
def scan(ctx: click.Context, paths: tuple[str, ...], report_path: str | None, csv_path: str | None,
         jsonl_path: str | None, include_all: bool, record: bool, progress: bool | None, jobs: int,
         images: bool) -> None:
    """Scan exported chats for AI-hype scams.

    PATH may be a Telegram Desktop export (result.json), a DiscordChatExporter JSON export, JSON lines
    ({"id", "text", ...} per line), a text file (one message per line), or a folder holding any of them.
    Formats are recognised by content, not by file name.
    """
    out = Console(highlight=False, soft_wrap=True)  # long lines stay whole: scripts grep them
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    files, problems, skipped = find_exports(list(paths))
    summary = ScanSummary()
    for problem in problems:
        summary.add_problem(problem)
    if not files:
        print_problems(err, summary)
        ctx.exit(EXIT_ERROR)
    if images:
        from detectors.images.settings import missing_extras

        if missing_extras():
            err.print(f"--images needs the 'images' extra (missing: {', '.join(missing_extras())}; "
                      "pip install 'leekguard[images]')", style="red", markup=False)
            ctx.exit(EXIT_ERROR)

    from bot.config import load_config  # imported here so that `leekguard --help` stays fast
    config = load_config((ctx.obj or {}).get("config_path"))
    engine = _load_engine(config)
    if progress is None:
        progress = err.is_terminal

    opts = RunOptions(include_all=include_all, collector=ReportCollector() if report_path else None,
                      jobs=_workers(jobs, files), images=images)
    report_written = False
    with contextlib.ExitStack() as stack:
        try:  # every output is opened before the scan, so a bad path fails at once, not after an hour
            for path, kind in ((csv_path, CsvRows), (jsonl_path, JsonlRows)):
                if path:
                    fh: IO[str] = stack.enter_context(open(path, "w", encoding="utf-8", newline=""))
                    opts.rows.append(kind(fh))
            report = stack.enter_context(open(report_path, "w", encoding="utf-8")) if report_path else None
        except OSError as e:
            err.print(f"cannot write {e.filename}: {e.strerror}", style="red", markup=False)
            ctx.exit(EXIT_ERROR)
        started = time.perf_counter()
        with StopOnInterrupt() as stop:
            tally = asyncio.run(_run(files, engine, summary, opts, config, record, progress, err, stop))
        elapsed = time.perf_counter() - started
        if report is not None:
            try:
                write_report(report, summary, opts.collector)
                report_written = True
            except OSError as e:
                summary.add_problem(ReadProblem(report_path, "", f"report not written: {e.strerror}", fatal=True))

    print_summary(out, summary, elapsed, skipped)
    if opts.photos:
        out.print(opts.photos)
    if tally is not None:
        out.print(tally.describe())
    if report_written:
        out.print(f"report: {report_path}")
    print_problems(err, summary)
    if summary.had_errors or (tally is not None and not tally.ok):
        ctx.exit(EXIT_ERROR)
    ctx.exit(EXIT_FLAGGED if summary.flagged else EXIT_CLEAN)


def _workers(requested: int, files: list[ExportFile]) -> int:
    from bot.scan.pool import can_fork

    if not can_fork():
        return 1
    if requested:
        return requested
    big = sum(f.size for f in files) >= AUTO_JOBS_BYTES
    return min(os.cpu_count() or 1, 4) if big else 1


def _load_engine(config):
    from cli.heap import settle_after_load
    from detectors.engine import DetectionSettings, Engine
    try:
        engine = Engine.load(DetectionSettings.from_config(config))
    except Exception as e:  # broken seed pack: one clear line, exit 2
        raise ScanError(f"cannot load the detection engine: {e}") from e
    engine.warm_up()  # a scan reads many messages: jieba is loaded before the first
    settle_after_load()
    return engine


class StopOnInterrupt:
    """The first Ctrl-C ends the scan cleanly: what was read is reported, recorded and written, exit status 2
    (click's own handling would exit 1, which means "flagged"). A second Ctrl-C stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> "StopOnInterrupt":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _start_pool(engine, jobs: int, err: Console):
    from bot.scan.pool import EnginePool

    try:
        return EnginePool(engine, jobs)
    except OSError as e:  # no processes to be had: scan here, slower
        err.print(f"worker processes not started ({e}); scanning in one process", style="yellow", markup=False)
        return None


async def _run(files: list[ExportFile], engine, summary: ScanSummary, opts: RunOptions, config, record: bool,
               show_progress: bool, err: Console, stop: StopOnInterrupt) -> RecordTally | None:
    # judge as the bot would: with the samples and per-chat exemptions admins taught it
    if record:
        recorder = await Recorder.open(config)
        warning = await recorder.apply_learning(engine)
    else:
        recorder = None
        warning = await learn_from_existing_log(engine, config)
    if warning:
        err.print(warning, style="yellow", markup=False)
    pool = images = None
    try:
        if opts.jobs > 1:
            pool = _start_pool(engine, opts.jobs, err)  # forked now, before the progress bar's thread
        if opts.images:  # its threads start on the first photo, after the fork
            from bot.scan.images import ExportImages

            images = await ExportImages.open(config, engine)
        scanner = Scanner(engine, pool=pool)
        for result in _scan_files(files, scanner, summary, show_progress, err, stop):
            if images is not None:
                result = await images.apply(result)
            summary.add(result)
            for sink in opts.rows:
                if wanted(result, opts.include_all):
                    sink.write(result)
            if opts.collector is not None:
                opts.collector.add(result)
            if recorder is not None and result.flagged:
                await recorder.record(result)
    finally:
        if pool is not None:
            pool.close()
        if images is not None:
            opts.photos = images.describe()
            await images.close()
        tally = await recorder.close() if recorder is not None else None
    return tally


def _scan_files(files: list[ExportFile], scanner: Scanner, summary: ScanSummary, show_progress: bool,
                err: Console, stop: StopOnInterrupt) -> Iterator[ScanResult]:
    """Every ScanResult, in file order; problems go to the summary; the progress bar follows bytes read."""
    total = sum(f.size for f in files) or 1
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                   TextColumn("{task.fields[messages]} messages, {task.fields[flagged]} flagged"),
                   TimeRemainingColumn(), console=err, transient=True, disable=not show_progress)
    done = 0
    with bar:
        task = bar.add_task("scanning", total=total, messages=0, flagged=0)
        for export in files:
            summary.add_file(export.path, export.format)
            bar.update(task, description=_short(export.path))
            for n, item in enumerate(scanner.scan(export)):
                if isinstance(item, ReadProblem):
                    summary.add_problem(item)
                else:  # counted by the caller, once photos were looked at too
                    if n % _PROGRESS_EVERY == 0:
                        bar.update(task, completed=done + export.pos, messages=summary.messages,
                                   flagged=summary.flagged)
                    yield item
                if stop.requested:
                    summary.add_problem(ReadProblem(export.path, f"byte {export.pos}",
                                                    "interrupted (Ctrl-C): the rest of the input was not read",
                                                    fatal=True))
                    return
            done += export.size
            bar.update(task, completed=done, messages=summary.messages, flagged=summary.flagged)


def _short(path: str, width: int = 32) -> str:
    return path if len(path) <= width else "…" + path[-(width - 1):]

