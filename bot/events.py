"""Platform-neutral types shared by adapters, the pipeline, the detection engine and the store.

Everything here is immutable by contract: adapters build these objects, nobody mutates them (use
dataclasses.replace). Most are frozen dataclasses; the three the engine builds for every message (Span,
Finding, Verdict) are plain slotted dataclasses, hashable by value, because building a frozen one costs five
times as much and `check --jsonl` makes tens of thousands per second.
Nothing in this module (or anywhere under bot/ and detectors/) imports a chat-platform package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Label = Literal["scam", "suspicious", "clean"]
LABELS: tuple[str, ...] = ("scam", "suspicious", "clean")

CATEGORIES: tuple[str, ...] = (
    "fake_access",
    "paid_course",
    "group_recruiting",
    "fake_api",
    "fake_authority",
    "anxiety_funnel",
    "fake_generated",
)


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    name: str = ""
    username: str | None = None
    is_bot: bool = False
    # Filled by the adapter when it knows (chat admin / moderator role); guards use it.
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image attached to a message; `ref` is whatever the adapter needs to fetch it."""

    ref: str
    size: int | None = None
    mime: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Message:
    platform: str  # "telegram" | "discord" | "console" | "scan" | "check"
    chat_id: str
    message_id: str
    author: Author
    text: str
    chat_title: str = ""
    date: datetime | None = None
    reply_to_text: str | None = None  # quoted text of the message this one replies to
    reply_to_message_id: str | None = None
    forwarded: bool = False
    edited: bool = False
    is_private: bool = False
    images: tuple[ImageRef, ...] = ()
    link: str | None = None  # permalink, where the platform has one


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see the module docstring
class Span:
    """Evidence: [start, end) offsets into the ORIGINAL text, and the quoted original text."""

    start: int
    end: int
    text: str


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see the module docstring
class Finding:
    detector: str  # "pattern", "signal", "classifier", "context", "image", "poster_hash"
    category: str  # one of CATEGORIES, or "context" / "signal" for non-category evidence
    score: float  # contribution to the verdict, in log-odds (negative = evidence against a scam)
    reason: str  # one line, English
    reason_zh: str  # one line, Chinese
    rule: str  # pattern id, signal id or classifier name
    source: str = ""  # seed article file name (and phrase) the rule was derived from
    evidence: tuple[Span, ...] = ()
    origin: str = "text"  # "text", "reply", "image:ocr", "image:qr"

    def to_dict(self) -> dict:
        # Built by hand: dataclasses.asdict deep-copies and is the slowest part of `check --jsonl`.
        return {
            "detector": self.detector, "category": self.category, "score": round(self.score, 4),
            "reason": self.reason, "reason_zh": self.reason_zh, "rule": self.rule, "source": self.source,
            "evidence": [{"start": s.start, "end": s.end, "text": s.text} for s in self.evidence],
            "origin": self.origin,
        }


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see the module docstring
class Verdict:
    label: Label
    score: float
    categories: tuple[str, ...]
    findings: tuple[Finding, ...]
    text_hash: str  # sha256 of the normalised text: the same advert re-posted hashes alike
    lang: str  # "zh-Hans" | "zh-Hant" | "en"
    error: str | None = None  # set when a detector failed and the verdict is partial

    @property
    def is_hit(self) -> bool:
        return self.label != "clean"

    @property
    def positive_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.score > 0)

    def to_dict(self) -> dict:
        return {
            "verdict": self.label,
            "score": round(self.score, 4),
            "categories": list(self.categories),
            "lang": self.lang,
            "text_hash": self.text_hash,
            "findings": [f.to_dict() for f in self.findings],
            **({"error": self.error} if self.error else {}),
        }


# ---- actions: data decided by bot.policy, carried out only by an adapter ----

# unmute / unban: never decided by the policy; carried out by Undo to lift a mute / ban LeekGuard did (bot/undo.py)
ActionKind = Literal["warn", "delete", "mute", "ban", "notify_admins", "unmute", "unban"]


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    seconds: int | None = None  # mute duration
    silent: bool = False  # repeated advert: act without another warning

    def describe(self) -> str:
        if self.kind == "mute" and self.seconds:
            return f"mute {self.seconds}s"
        return self.kind.replace("_", " ")


ActionStatus = Literal["done", "failed", "dry-run", "skipped"]


@dataclass(frozen=True, slots=True)
class ActionResult:
    action: Action
    status: ActionStatus
    detail: str = ""

    def to_dict(self) -> dict:
        return {"action": self.action.kind, "seconds": self.action.seconds, "status": self.status, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Button:
    """A platform-neutral button: adapters render it (inline keyboard, discord.ui.Button)."""

    label: str
    # "<verb>:<incident id>", e.g. "confirm:12", "dismiss:12", "ban:12", "undo:12"
    action: str
    style: Literal["primary", "danger", "secondary", "success"] = "secondary"


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command handler or the pipeline wants said; adapters only render it."""

    text: str  # plain text, complete on its own (console prints it as is)
    title: str = ""
    fields: tuple[tuple[str, str], ...] = ()  # (name, value) pairs for embeds / HTML bold labels
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = False  # only the asker sees it, where the platform can do that
    highlight: tuple[Span, ...] = ()  # spans of `quote` to emphasise
    quote: str = ""  # original text the highlight spans refer to
    extra: dict = field(default_factory=dict, compare=False)
