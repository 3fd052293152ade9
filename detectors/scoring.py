"""Combine findings into one explainable score in [0, 1] and a label.

Every finding carries its contribution in log-odds: a rule its YAML prior plus the correction the classifier
learned for it, a signal its learned weight, the classifier finding the learned word weights and the baseline.
The contributions add up; the score is their logistic, so what the user is shown is exactly what decided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leekguard_types import Finding


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
