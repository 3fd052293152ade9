"""Combine findings into one explainable score in [0, 1] and a label.

Every finding carries its contribution in log-odds: a rule its YAML prior plus the correction the classifier
learned for it, a signal its learned weight, the classifier finding the learned word weights and the baseline.
The contributions add up; the score is their logistic, so what the user is shown is exactly what decided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leekguard_types import CATEGORIES, Finding


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
    """Return (score in [0, 1], findings)."""
    z = sum(f.score for f in findings)
    z = max(-60.0, min(60.0, z))
    return 1.0 / (1.0 + math.exp(-z)), list(findings)


def categories_of(findings: list[Finding]) -> tuple[str, ...]:
    """Scam categories, strongest first. A pattern that fired counts even when the classifier learned to
    discount it (its move is common in ordinary talk too): a scam verdict always names the moves it saw."""
    weight: dict[str, float] = {}
    for f in findings:
        if f.detector in ("pattern", "structure", "resemblance", "image", "poster_hash") and f.category not in ("context", "signal"):
            weight[f.category] = max(weight.get(f.category, f.score), f.score)
    return tuple(sorted(weight, key=lambda c: -weight[c]))


# findings that stand for evidence of the writer's own offer: a rule, a price/contact/link signal, the offer's shape
_EVIDENCE = ("pattern", "signal")


def words_only_hold(findings: list[Finding], threshold: float, ceiling: float, held_at: float) -> Finding | None:
    """A finding that holds a verdict at log-odds `held_at` (below a public warning) when only the wording carries
    it past the scam `threshold` and not as far as `ceiling`: no rule and no signal counts for it and no offer shape was
    read. Wording is what one writer's samples teach best and another writer's messages bear out least
    (docs/decisions/words-only-verdicts.md). None when the verdict has evidence of its own, or needs no hold."""
    z = sum(f.score for f in findings)
    if not threshold <= z < ceiling:
        return None
    if any(f.score > 0 and f.detector in _EVIDENCE or f.detector == "structure" and f.category in CATEGORIES
           for f in findings):
        return None
    return Finding("classifier", "context", held_at - z,
                   "Only the wording resembles scams: no offer, price, contact or link of the writer's own, so it is "
                   "left for the admins to judge",
                   "只是措辞像骗局：没有本人的推销、报价、联系方式或链接，交由管理员判断", "classifier.words_only", "")
