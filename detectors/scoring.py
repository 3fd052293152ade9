"""Combine findings into one explainable score in [0, 1] and a label.

Positive pattern and signal weights combine by noisy-OR (each further piece of evidence adds less), and
each finding is credited with the marginal amount it added, so the contributions shown to users add up to
the score. The classifier adds or removes up to `classifier_weight`; context (a member warning others, a
question, news) subtracts, capped so that a seller cannot whitewash a pitch by adding the word "scam".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.events import Finding

MAX_CONTEXT_DISCOUNT = 0.6


@dataclass(frozen=True)
class Thresholds:
    scam: float = 0.70
    suspicious: float = 0.45

    def label(self, score: float) -> str:
        if score >= self.scam:
            return "scam"
        if score >= self.suspicious:
            return "suspicious"
        return "clean"


def combine(findings: list[Finding]) -> tuple[float, list[Finding]]:
    """Return (score, findings with `score` set to each one's contribution)."""
    positives = sorted((f for f in findings if f.score > 0 and f.detector != "classifier"), key=lambda f: -f.score)
    out: list[Finding] = []
    remaining = 1.0
    for f in positives:
        gain = remaining * f.score
        remaining -= gain
        out.append(replace(f, score=gain))
    total = 1.0 - remaining
    negatives = [f for f in findings if f.score < 0 and f.detector != "classifier"]
    discount = sum(f.score for f in negatives)
    if discount < -MAX_CONTEXT_DISCOUNT:
        scale = MAX_CONTEXT_DISCOUNT / -discount
        negatives = [replace(f, score=f.score * scale) for f in negatives]
        discount = -MAX_CONTEXT_DISCOUNT
    out.extend(negatives)
    total += discount
    for f in findings:
        if f.detector == "classifier":
            out.append(f)
            total += f.score
    return max(0.0, min(1.0, total)), out


def categories_of(findings: list[Finding]) -> tuple[str, ...]:
    weight: dict[str, float] = {}
    for f in findings:
        if f.score > 0 and f.detector in ("pattern", "image", "poster_hash") and f.category not in ("context", "signal"):
            weight[f.category] = weight.get(f.category, 0.0) + f.score
    return tuple(sorted(weight, key=lambda c: -weight[c]))
