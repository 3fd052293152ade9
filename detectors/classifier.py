"""A Naive Bayes classifier over message tokens, trained from the seed samples and updated online.

Bernoulli-style (each token counted once per message) with Laplace smoothing: robust on short chat lines,
cheap to update when an admin confirms or dismisses an incident (no retraining, no restart).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prediction:
    p_scam: float
    log_odds: float
    top_tokens: tuple[tuple[str, float], ...]  # tokens that pushed hardest towards the prediction


class NaiveBayes:
    def __init__(self, alpha: float = 1.0, temperature: float = 3.0):
        self.alpha = alpha
        self.temperature = temperature  # NB is overconfident: temper its log-odds before the sigmoid
        self.docs = {"scam": 0, "clean": 0}
        self.counts: dict[str, Counter] = {"scam": Counter(), "clean": Counter()}
        self._llr_cache: dict[str, float] = {}

    def fit(self, samples: Iterable[tuple[Iterable[str], str]]) -> None:
        for toks, label in samples:
            self._add(toks, label, +1)

    def learn(self, toks: Iterable[str], label: str) -> None:
        self._add(toks, label, +1)

    def unlearn(self, toks: Iterable[str], label: str) -> None:
        self._add(toks, label, -1)

    def _add(self, toks: Iterable[str], label: str, sign: int) -> None:
        if label not in self.docs:
            raise ValueError(f"label must be 'scam' or 'clean', not {label!r}")
        counter = self.counts[label]
        for t in set(toks):
            counter[t] += sign
            if counter[t] <= 0:
                del counter[t]
        self.docs[label] = max(0, self.docs[label] + sign)
        self._llr_cache.clear()

    def _llr(self, token: str) -> float | None:
        cached = self._llr_cache.get(token)
        if cached is not None:
            return cached
        s = self.counts["scam"].get(token, 0)
        c = self.counts["clean"].get(token, 0)
        if s == 0 and c == 0:
            return None  # never seen: says nothing either way
        a = self.alpha
        value = math.log((s + a) / (self.docs["scam"] + 2 * a)) - math.log((c + a) / (self.docs["clean"] + 2 * a))
        self._llr_cache[token] = value
        return value

    @property
    def trained(self) -> bool:
        return self.docs["scam"] > 0 and self.docs["clean"] > 0

    def predict(self, toks: Iterable[str]) -> Prediction:
        contributions: list[tuple[str, float]] = []
        total = 0.0
        for t in set(toks):
            v = self._llr(t)
            if v is not None:
                total += v
                contributions.append((t, v))
        z = max(-30.0, min(30.0, total / self.temperature))
        p = 1.0 / (1.0 + math.exp(-z))
        sign = 1 if total >= 0 else -1
        contributions.sort(key=lambda tv: -sign * tv[1])
        return Prediction(p, total, tuple(contributions[:4]))
