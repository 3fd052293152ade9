"""Platform-neutral scanning of exported chat history: every message through the engine, and a summary.

    scanner = Scanner(engine)
    summary = ScanSummary()
    for item in scanner.scan(records):       # records: ExportRecord / ReadProblem items from adapters.exports
        summary.add(item)                    # ScanResult or ReadProblem

No output and no store here: cli.scan drives progress, rows, the report and the incident log.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Protocol

from leekguard_types import ExportRecord, ReadProblem, Verdict

MAX_TEXT = 32_000  # longer texts are cut before analysis: no chat platform allows messages this long
REPLY_CACHE = 5_000  # recent messages remembered so that a reply can be judged with the text it answers
REPLY_TEXT = 1_000  # ... each cut to this many characters: at most a few MB however big the export
KEEP_PROBLEMS = 200  # problems listed in full; beyond that only counted
UNCATEGORISED = "other"


class Analyzer(Protocol):
    def analyze(self, text: str, reply_to_text: str | None = None, chat_key: str | None = None) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class ScanResult:
    record: ExportRecord
    verdict: Verdict | None  # None: not analysed (a service notice, or a message with no text)
    text: str = ""  # the text analysed (evidence spans point into it)
    reply_text: str | None = None
    # poster hashes (detectors.images.poster_hash.PosterHash) of the photos `scan --images` analysed:
    # `--record` remembers them with the incident, so confirming it makes copies known (as the bot does)
    posters: tuple = ()

    @property
    def flagged(self) -> bool:
        return self.verdict is not None and self.verdict.is_hit

    @property
    def primary_category(self) -> str:
        cats = self.verdict.categories if self.verdict else ()
        return cats[0] if cats else UNCATEGORISED


def chat_key(record: ExportRecord) -> str | None:
    """The key the bot would use for this chat ("telegram:-100123"), so per-chat exemptions apply to scans too."""
    if record.chat_id and record.platform in ("telegram", "discord"):
        return f"{record.platform}:{record.chat_id}"
    return None


def as_utc(moment: datetime) -> datetime:
    """Exports without a zone (Telegram's plain `date`) are taken as UTC so that times can be compared."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class Job:
    """A message ready for the engine: its text, the text it replies to, and its chat's key."""

    record: ExportRecord
    text: str
    reply_text: str | None
    chat_key: str | None


def finish(job: Job, verdict: Verdict | str) -> ScanResult | ReadProblem:
    """The engine's answer (or the error it raised, as text) turned into a result."""
    if isinstance(verdict, str):
        return ReadProblem(job.record.source, job.record.position, f"analysis failed ({verdict})")
    return ScanResult(job.record, verdict, job.text, job.reply_text)


def analyze(engine: Analyzer, job: Job) -> Verdict | str:
    return analyze_text(engine, job.text, job.reply_text, job.chat_key)


def analyze_text(engine: Analyzer, text: str, reply_text: str | None, key: str | None) -> Verdict | str:
    try:
        return engine.analyze(text, reply_to_text=reply_text, chat_key=key)
    except Exception as e:  # the engine promises not to raise; if it does, report and go on
        return f"{type(e).__name__}: {e}"


class Scanner:
    """Turns export items into results, in input order. With a pool (bot.scan.pool.EnginePool) the engine
    runs in worker processes; reply context and everything else stay in this process."""

    def __init__(self, engine: Analyzer, reply_cache: int = REPLY_CACHE, pool=None) -> None:
        self._engine = engine
        self._recent: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._recent_max = reply_cache
        self._pool = pool

    def scan(self, items: Iterable[ExportRecord | ReadProblem]) -> Iterator[ScanResult | ReadProblem]:
        prepared = (self.prepare(item) for item in items)
        if self._pool is not None:
            yield from self._pool.scan(prepared)
            return
        for item in prepared:
            yield finish(item, analyze(self._engine, item)) if isinstance(item, Job) else item

    def scan_one(self, record: ExportRecord) -> ScanResult | ReadProblem:
        item = self.prepare(record)
        return finish(item, analyze(self._engine, item)) if isinstance(item, Job) else item

    def prepare(self, item: ExportRecord | ReadProblem) -> Job | ScanResult | ReadProblem:
        """A Job for the engine, or the final result when there is nothing to analyse."""
        if isinstance(item, ReadProblem):
            return item
        if item.service or not item.text.strip():
            return ScanResult(item, None)
        text = item.text[:MAX_TEXT]
        reply_text = None
        if item.reply_to_id is not None:
            reply_text = self._recent.get((item.source, item.chat_id, item.reply_to_id))
        self._remember(item, text)
        return Job(item, text, reply_text, chat_key(item))

    def _remember(self, record: ExportRecord, text: str) -> None:
        self._recent[(record.source, record.chat_id, record.message_id)] = text[:REPLY_TEXT]
        if len(self._recent) > self._recent_max:
            self._recent.popitem(last=False)


@dataclass
class FileStats:
    path: str
    format: str
    messages: int = 0
    flagged: int = 0
    complete: bool = True  # False when reading stopped early (truncated, unreadable)


@dataclass
class ScanSummary:
    messages: int = 0  # messages read (service notices not included)
    service: int = 0  # joins, pins, renames...: read, not analysed
    no_text: int = 0  # stickers, photos without caption...: read, nothing to analyse
    analysed: int = 0
    flagged: int = 0
    by_verdict: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)  # a message may count under several categories
    senders: Counter = field(default_factory=Counter)  # sender key -> flagged messages
    sender_names: dict[str, str] = field(default_factory=dict)
    first_flagged: datetime | None = None
    last_flagged: datetime | None = None
    per_day: dict[date, Counter] = field(default_factory=dict)  # day -> primary category -> flagged count
    flagged_undated: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    problem_count: int = 0
    fatal_problems: int = 0
    files: dict[str, FileStats] = field(default_factory=dict)

    def add_file(self, path: str, fmt: str) -> None:
        self.files.setdefault(path, FileStats(path, fmt))

    def add(self, item: ScanResult | ReadProblem) -> None:
        if isinstance(item, ReadProblem):
            self.add_problem(item)
            return
        rec = item.record
        stats = self.files.get(rec.source)
        if rec.service:
            self.service += 1
            return
        self.messages += 1
        if stats:
            stats.messages += 1
        if item.verdict is None:
            self.no_text += 1
            return
        self.analysed += 1
        if not item.flagged:
            return
        self.flagged += 1
        if stats:
            stats.flagged += 1
        self.by_verdict[item.verdict.label] += 1
        for cat in item.verdict.categories or (UNCATEGORISED,):
            self.by_category[cat] += 1
        who = rec.sender_id or rec.sender or "(unknown)"
        self.senders[who] += 1
        if rec.sender and who not in self.sender_names:
            self.sender_names[who] = rec.sender
        if rec.time is None:
            self.flagged_undated += 1
            return
        moment = as_utc(rec.time)
        if self.first_flagged is None or moment < self.first_flagged:
            self.first_flagged = moment
        if self.last_flagged is None or moment > self.last_flagged:
            self.last_flagged = moment
        self.per_day.setdefault(moment.date(), Counter())[item.primary_category] += 1

    def add_problem(self, problem: ReadProblem) -> None:
        self.problem_count += 1
        if problem.fatal:
            self.fatal_problems += 1
            stats = self.files.get(problem.source)
            if stats:
                stats.complete = False
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(problem)

    def top_senders(self, n: int = 10) -> list[tuple[str, str, int]]:
        """(sender key, display name, flagged messages), most first."""
        return [(k, self.sender_names.get(k, k), c) for k, c in self.senders.most_common(n)]

    @property
    def had_errors(self) -> bool:
        return self.problem_count > 0
