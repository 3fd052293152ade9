"""Data the incident store takes and gives back: plain frozen dataclasses, no SQL here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Literal

from bot.actions import Action, ActionResult
from leekguard_types import Finding, Message, Verdict

ReviewState = Literal["open", "confirmed", "dismissed"]
REVIEW_STATES: tuple[str, ...] = ("open", "confirmed", "dismissed")
SampleLabel = Literal["scam", "clean"]
SOURCES: tuple[str, ...] = ("telegram", "discord", "console", "scan", "check")

# (source, chat_id, message_id): one platform message, the dedupe key of an incident.
IncidentKey = tuple[str, str, str]


class StoreError(Exception):
    """A store problem worth showing to an admin as one clear line."""


class SchemaTooNew(StoreError):
    pass


class NotFound(StoreError):
    pass


class StoreClosed(StoreError):
    pass


def to_epoch(value: datetime | float | int | None) -> float:
    """Datetimes are stored as UTC epoch seconds; a naive datetime is taken as UTC."""
    if value is None:
        return datetime.now(timezone.utc).timestamp()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return float(value)


def from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


def split_key(value: str, known: Iterable[str] = SOURCES) -> tuple[str | None, str]:
    """'telegram:-100123' -> ('telegram', '-100123'); '-100123' -> (None, '-100123')."""
    head, sep, tail = value.partition(":")
    if sep and head in known:
        return head, tail
    return None, value


def action_to_dict(action: Action | dict) -> dict:
    if isinstance(action, dict):
        return dict(action)
    return {"action": action.kind, "seconds": action.seconds, "silent": action.silent}


def result_to_dict(result: ActionResult | dict) -> dict:
    return dict(result) if isinstance(result, dict) else result.to_dict()


@dataclass(frozen=True, slots=True)
class NewIncident:
    """What the pipeline (or a scan / check) asks the store to record."""

    source: str
    chat_id: str
    message_id: str
    verdict: str
    score: float
    text: str = ""
    text_hash: str = ""
    chat_title: str = ""
    author_id: str = ""
    author_name: str = ""
    categories: tuple[str, ...] = ()
    findings: list[dict] = field(default_factory=list)  # Finding.to_dict() each
    actions: list[dict] = field(default_factory=list)  # decided actions, action_to_dict() each
    created_at: datetime | float | None = None  # default: now

    @property
    def key(self) -> IncidentKey:
        return (str(self.source), str(self.chat_id), str(self.message_id))

    @classmethod
    def from_verdict(
        cls, msg: Message, verdict: Verdict, actions: Iterable[Action | dict] = (), source: str | None = None
    ) -> "NewIncident":
        """Convenience for the pipeline: one call from the shared event types."""
        return cls(
            source=source or msg.platform,
            chat_id=str(msg.chat_id),
            chat_title=msg.chat_title,
            message_id=str(msg.message_id),
            author_id=str(msg.author.id),
            author_name=msg.author.name or msg.author.username or "",
            text=msg.text,
            text_hash=verdict.text_hash,
            verdict=verdict.label,
            score=float(verdict.score),
            categories=tuple(verdict.categories),
            findings=[f.to_dict() if isinstance(f, Finding) else dict(f) for f in verdict.findings],
            actions=[action_to_dict(a) for a in actions],
            created_at=msg.date,
        )


@dataclass(frozen=True, slots=True)
class RecordResult:
    id: int | None  # None while pending
    created: bool  # a new incident row
    changed: bool  # an existing incident whose verdict / categories changed (an edit)
    pending: bool  # not written yet: queued in memory and retried in the background
    dropped: bool = False  # the pending queue was full: this incident could not even be queued
    key: IncidentKey | None = None  # pass to set_action_results() when id is None


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    source: str
    chat_id: str
    chat_title: str
    message_id: str
    author_id: str
    author_name: str
    text: str
    text_len: int  # length of the original text (the stored one may be an excerpt)
    text_hash: str
    verdict: str
    score: float
    categories: tuple[str, ...]
    findings: list[dict]
    actions: list[dict]
    action_results: list[dict]
    created_at: datetime
    updated_at: datetime
    state: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    revision: int  # how many times an edit changed the verdict
    history: list[dict]  # earlier verdicts of this message, oldest first

    @property
    def chat_key(self) -> str:
        return f"{self.source}:{self.chat_id}"

    @property
    def author_key(self) -> str:
        return f"{self.source}:{self.author_id}"

    @property
    def is_excerpt(self) -> bool:
        return len(self.text) < self.text_len

    @property
    def rules(self) -> tuple[str, ...]:
        """Rules that pushed towards a scam verdict (candidates for a per-chat exemption)."""
        seen: dict[str, None] = {}
        for f in self.findings:
            if f.get("rule") and float(f.get("score") or 0) > 0:
                seen.setdefault(str(f["rule"]), None)
        return tuple(seen)

    @property
    def exemptable_rules(self) -> tuple[str, ...]:
        """Rules a per-chat exemption can switch off: the engine exempts pattern findings only."""
        seen: dict[str, None] = {}
        for f in self.findings:
            if f.get("detector") == "pattern" and f.get("rule") and float(f.get("score") or 0) > 0:
                seen.setdefault(str(f["rule"]), None)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id,
            "source": self.source,
            "chat_id": self.chat_id,
            "chat_title": self.chat_title,
            "message_id": self.message_id,
            "author_id": self.author_id,
            "author_name": self.author_name,
            "text": self.text,
            "text_len": self.text_len,
            "text_hash": self.text_hash,
            "verdict": self.verdict,
            "score": self.score,
            "categories": list(self.categories),
            "findings": self.findings,
            "actions": self.actions,
            "action_results": self.action_results,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "state": self.state,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": iso(self.reviewed_at),
            "review_note": self.review_note,
            "revision": self.revision,
            "history": self.history,
        }


@dataclass(frozen=True, slots=True)
class Sample:
    """A text learned from an admin review (kept apart from the shipped seeds)."""

    id: int
    text: str
    label: str  # "scam" | "clean"
    incident_id: int | None
    chat_key: str | None
    author_key: str | None
    added_by: str | None
    added_at: datetime
    origin: str  # "review" | "manual"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "label": self.label,
            "incident_id": self.incident_id,
            "chat_key": self.chat_key,
            "author_key": self.author_key,
            "added_by": self.added_by,
            "added_at": self.added_at.isoformat(),
            "origin": self.origin,
        }


@dataclass(frozen=True, slots=True)
class Exemption:
    chat_key: str
    rule_id: str
    added_by: str | None
    added_at: datetime
    incident_id: int | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "chat_key": self.chat_key,
            "rule_id": self.rule_id,
            "added_by": self.added_by,
            "added_at": self.added_at.isoformat(),
            "incident_id": self.incident_id,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class ReviewResult:
    incident: Incident
    previous_state: str
    sample: Sample | None  # the sample this review added (engine.learn it)
    replaced: Sample | None  # an earlier review's sample it removed (engine.unlearn it)


@dataclass(frozen=True, slots=True)
class ForgetResult:
    incidents: int
    samples: int
    posters: int = 0  # poster hashes of their incidents' pictures


@dataclass(frozen=True, slots=True)
class CloseReport:
    """What close() could not write: empty when everything reached the database."""

    unwritten: tuple[NewIncident, ...] = ()
    unwritten_results: int = 0  # action-result updates that were still queued

    @property
    def ok(self) -> bool:
        return not self.unwritten and not self.unwritten_results
