"""What the detection engine answers: a Verdict made of Findings, each with evidence Spans; labels, categories.

Immutable by contract: nobody mutates them (use dataclasses.replace). The three the engine builds for every
message (Span, Finding, Verdict) are plain slotted dataclasses, hashable by value, not frozen ones, because
building a frozen one costs five times as much and `check --jsonl` makes tens of thousands per second.
Nothing here imports a chat-platform package or any module of LeekGuard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "error": the engine failed on the message. That is no verdict: nothing is said or done about the message.
Label = Literal["scam", "suspicious", "clean", "error"]
LABELS: tuple[str, ...] = ("scam", "suspicious", "clean")  # what the engine can conclude

CATEGORIES: tuple[str, ...] = (
    "fake_access",
    "paid_course",
    "group_recruiting",
    "fake_api",
    "fake_authority",
    "anxiety_funnel",
    "fake_generated",
)


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
        return self.label in ("scam", "suspicious")

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
