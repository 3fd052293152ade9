"""`leekguard scan --record`: write flagged messages to the incident log (source "scan").

The store dedupes on (source, chat_id, message_id), and a scan derives all three from the export itself, so
scanning the same export twice finds the incidents already there instead of adding them again.

created_at is the time of recording, not the message's time: the store's retention purge goes by created_at,
and a scan of last year's history must not be purged the moment it is recorded.
Records are sent in batches of concurrent calls, which the store commits together (group commit).

With --images, the poster hashes of a recorded message's photos are remembered with its incident (the
poster_hashes table of bot/images/posters.py, as the bot does): once an admin confirms the incident, the bot
recognises copies of the poster.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any

import click

from bot.scan.scanner import ScanResult

log = logging.getLogger(__name__)
SOURCE = "scan"
BATCH = 256  # flagged messages held before they are written together


class ScanError(click.ClickException):
    exit_code = 2


@dataclass
class RecordTally:
    database: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    queued: int = 0  # written in the background (the database was busy); still counted as recorded
    failed: int = 0  # could not be recorded at all
    errors: list[str] | None = None
    posters: int = 0  # poster hashes remembered with their incidents (--images)
    posters_missed: int = 0  # ... that could not be (incident not written yet, or the table not writable)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def describe(self) -> str:
        line = (f"incident log {self.database}: {self.new} new, {self.updated} updated, "
                f"{self.unchanged} already recorded")
        if self.queued:
            line += f", {self.queued} written after a retry"
        if self.failed:
            line += f", {self.failed} NOT recorded ({'; '.join((self.errors or [])[:3])})"
        if self.posters or self.posters_missed:
            line += f"; {self.posters} poster hash(es) remembered"
            if self.posters_missed:
                line += f", {self.posters_missed} not (see the log)"
        return line


def incident_chat_id(result: ScanResult) -> str:
    rec = result.record
    if rec.chat_id:
        return f"{rec.platform}:{rec.chat_id}"
    return "file:" + os.path.abspath(rec.source)


def new_incident(result: ScanResult):
    from bot.store.types import NewIncident

    rec, verdict = result.record, result.verdict
    assert verdict is not None
    return NewIncident(
        source=SOURCE,
        chat_id=incident_chat_id(result),
        chat_title=rec.chat_title or os.path.basename(rec.source),
        message_id=rec.message_id,
        author_id=rec.sender_id,
        author_name=rec.sender,
        text=rec.text,
        text_hash=verdict.text_hash,
        verdict=verdict.label,
        score=float(verdict.score),
        categories=tuple(verdict.categories),
        findings=[f.to_dict() for f in verdict.findings],
        actions=[],  # a scan decides nothing: admins review with `leekguard incidents`
    )


async def learn_from_existing_log(engine, config) -> str | None:
    """Without --record: when the incident log exists, apply what admins taught the engine (learned samples,
    per-chat rule exemptions) so the scan judges as the bot would. Returns a warning, or None."""
    from bot.learning import load_learned
    from bot.store.service import IncidentStore

    from bot.store.dburl import is_postgres_url, redact

    path = config.database
    if not is_postgres_url(path) and not os.path.isfile(path):
        return None
    try:
        store = await IncidentStore.open(path, create=False, maintenance=False)
    except Exception as e:
        return (f"learned samples not applied (cannot open {redact(path)}: {e}); "
                "scanning with the shipped patterns")
    try:
        await load_learned(engine, store)
    except Exception as e:
        return f"learned samples not applied ({e}); scanning with the shipped patterns"
    finally:
        await store.close()
    return None


class Recorder:
    def __init__(self, store, tally: RecordTally) -> None:
        self._store = store
        self.tally = tally
        self._batch: list[tuple[Any, ScanResult]] = []  # (NewIncident, the result it came from)
        self._posters: Any = None  # bot.images.posters.PosterStore, opened with the first poster to remember

    @classmethod
    async def open(cls, config) -> "Recorder":
        from bot.store.dburl import redact
        from bot.store.service import IncidentStore

        path = config.database
        try:
            # no retention purge from a one-off scan: the running bot does that
            store = await IncidentStore.open(path, retention_days=config.store.retention_days,
                                             text_mode=config.store.text, excerpt_chars=config.store.excerpt_chars,
                                             maintenance=False)
        except Exception as e:  # a bad path, a locked or newer database: say so before reading anything
            raise ScanError(f"cannot open the incident log {redact(path)}: {e}") from e
        return cls(store, RecordTally(redact(path)))

    async def apply_learning(self, engine) -> str | None:
        """Apply learned samples and exemptions; returns a warning instead of failing the scan."""
        from bot.learning import load_learned

        try:
            await load_learned(engine, self._store)
        except Exception as e:
            return f"learned samples not applied ({e}); scanning with the shipped patterns"
        return None

    async def record(self, result: ScanResult) -> None:
        self._batch.append((new_incident(result), result))
        if len(self._batch) >= BATCH:
            await self.flush()

    async def flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        outcomes = await asyncio.gather(*(self._store.record(inc) for inc, _ in batch), return_exceptions=True)
        self._count(outcomes)
        for res, (_, result) in zip(outcomes, batch):
            if result.posters:
                await self._remember_posters(res, result)

    async def _remember_posters(self, res: Any, result: ScanResult) -> None:
        """The photos' hashes under the incident's id; not matched until an admin confirms the incident."""
        incident_id = None if isinstance(res, BaseException) else res.id
        if incident_id is None:  # not recorded, or queued for a retry: no id to file them under
            self.tally.posters_missed += len(result.posters)
            return
        categories = result.verdict.categories if result.verdict else ()
        done = 0
        try:
            if self._posters is None:
                from bot.images.posters import PosterStore

                self._posters = await PosterStore.open(self._store.path)
            for h in result.posters:
                await self._posters.remember(incident_id, incident_chat_id(result), h,
                                             categories[0] if categories else "group_recruiting")
                done += 1
        except Exception:  # the incident stands; only copies of this poster will not be recognised
            log.warning("poster hash of incident %s not remembered", incident_id, exc_info=True)
        self.tally.posters += done
        self.tally.posters_missed += len(result.posters) - done

    def _count(self, outcomes: list) -> None:
        t = self.tally
        for res in outcomes:
            if isinstance(res, BaseException):
                t.failed += 1
                t.errors = (t.errors or []) + [str(res)]
            elif res.dropped:
                t.failed += 1
            elif res.pending:
                t.queued += 1
            elif res.created:
                t.new += 1
            elif res.changed:
                t.updated += 1
            else:
                t.unchanged += 1

    async def close(self) -> RecordTally:
        try:
            await self.flush()
            if self._store.pending:  # the database was busy: give the store's retries a moment to land
                await self._store.wait_flushed(timeout=30)
        finally:
            if self._posters is not None:
                await self._posters.close()
            report = await self._store.close()
        unwritten = len(report.unwritten)
        if unwritten:
            self.tally.failed += unwritten
            self.tally.queued = max(0, self.tally.queued - unwritten)
            self.tally.errors = (self.tally.errors or []) + [f"{unwritten} still queued when the database closed"]
        return self.tally
