"""Logistic regression over message features, with the pattern rules' YAML weights as fixed prior offsets.

Features are jieba/English tokens, the word lists and signals a message hits ("@contact", "$price") and the
rules that fired ("R:<rule id>"). Each fired rule also adds `PRIOR_SCALE * weight` from its YAML entry as a
fixed offset, so a new rule works before any sample exercises it and the learned weight only corrects it.

Trained with Adagrad SGD at load time (a few seconds on the shipped samples), updated online by admin reviews
(`learn` takes a few gradient steps on the new sample; `unlearn` goes back to the weights from before the first
review and replays the other reviews, which takes milliseconds where retraining took seconds). Pure Python: the
model is a dict of weights, so scoring one message is a handful of dict look-ups.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PRIOR_SCALE = 1.0  # YAML weight 0.55 -> +0.55 log-odds before any correction
LEARN_STEPS = 5  # Adagrad steps on one reviewed message


@dataclass(frozen=True, slots=True)
class Sample:
    features: tuple[str, ...]
    offset: float  # sum of fired rules' prior log-odds
    label: int  # 1 scam, 0 clean


def drop_rare(samples: Sequence[Sample], min_count: int, candidate: Callable[[str], bool]) -> list[Sample]:
    """The samples without the candidate features met in fewer than `min_count` of them. A word pair seen once
    teaches one sentence, not a way of writing; most pairs are seen once, and each costs memory in both models."""
    counts = Counter(f for s in samples for f in s.features if candidate(f))
    rare = {f for f, n in counts.items() if n < min_count}
    return [Sample(tuple(f for f in s.features if f not in rare), s.offset, s.label) if rare.intersection(s.features)
            else s for s in samples]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-min(z, 60.0)))
    e = math.exp(max(z, -60.0))
    return e / (1.0 + e)


class LogisticModel:
    def __init__(self, l2: float = 1e-3, epochs: int = 12, lr: float = 0.5, seed: int = 7):
        self.l2 = l2
        self.epochs = epochs
        self.lr = lr
        self.seed = seed
        self.weights: dict[str, float] = {}
        self.bias = 0.0
        # Adagrad's squared-gradient sums: only learning reads them. A model loaded from the cache starts without
        # them (about 7 MB for each model that a bot without reviews and `check` never use) and is handed them
        # by `restore_accumulators` before its first review.
        self._g2: dict[str, float] | None = {}
        self._g2_bias = 0.0
        self._learned: list[Sample] = []  # reviews learned online, in order
        self._before_reviews: tuple | None = None  # (bias, weights, g2, g2_bias) before the first of them
        # Sign constraints, feature -> (lowest, highest) weight: a scam pattern may be discounted down to
        # nothing but never learned into evidence AGAINST a scam (and a context pattern never into evidence
        # for one), however often members quote adverts in their warnings.
        self.bounds: dict[str, tuple[float, float]] = {}

    @property
    def trained(self) -> bool:
        return bool(self.weights)

    @property
    def settings(self) -> dict:
        return {"l2": self.l2, "epochs": self.epochs, "lr": self.lr, "seed": self.seed, "prior": PRIOR_SCALE}

    def state(self) -> dict:
        if self._g2 is None:
            raise RuntimeError("the model's accumulators were never restored: its state is incomplete")
        return {"bias": self.bias, "weights": self.weights, "g2": self._g2, "g2_bias": self._g2_bias}

    def load_state(self, state: dict) -> None:
        """Weights, bias and Adagrad's bias sum; the per-feature sums too when `state` has them ("g2"),
        otherwise `restore_accumulators` must hand them over before the model learns."""
        self.bias = float(state["bias"])
        self.weights = {str(k): float(v) for k, v in state["weights"].items()}
        self._g2 = None
        if "g2" in state:
            self.restore_accumulators(state["g2"])
        self._g2_bias = float(state["g2_bias"])

    @property
    def needs_accumulators(self) -> bool:
        return self._g2 is None

    def restore_accumulators(self, g2: dict) -> None:
        self._g2 = {str(k): float(v) for k, v in g2.items()}

    def fit(self, samples: Sequence[Sample]) -> None:
        """Train from scratch. Trained on a fresh model and swapped in at the end: training takes seconds, and
        a model that is already in use keeps answering with its old weights, not half-trained ones. The samples
        are not kept (about 20 MB that nothing reads again: reviews are learned online)."""
        fresh = LogisticModel(self.l2, self.epochs, self.lr, self.seed)
        fresh.bounds = self.bounds
        rng = random.Random(self.seed)
        order = list(range(len(samples)))
        for _ in range(self.epochs):
            rng.shuffle(order)
            for i in order:
                fresh._step(samples[i])
        self._g2, self._g2_bias = fresh._g2, fresh._g2_bias
        self.weights, self.bias = fresh.weights, fresh.bias
        self._learned, self._before_reviews = [], None

    def _step(self, s: Sample, l2: float | None = None) -> None:
        l2 = self.l2 if l2 is None else l2
        w = self.weights
        z = self.bias + s.offset + sum(w.get(f, 0.0) for f in s.features)
        grad = _sigmoid(z) - s.label
        self._g2_bias += grad * grad
        self.bias -= self.lr * grad / (math.sqrt(self._g2_bias) + 1e-8)
        bounds = self.bounds
        for f in s.features:
            cur = w.get(f, 0.0)
            g = grad + l2 * cur
            acc = self._g2.get(f, 0.0) + g * g
            self._g2[f] = acc
            new = cur - self.lr * g / (math.sqrt(acc) + 1e-8)
            if f in bounds:
                lo, hi = bounds[f]
                new = lo if new < lo else hi if new > hi else new
            w[f] = new

    def learn(self, sample: Sample) -> None:
        """Online update from one reviewed message: a few Adagrad steps, no retraining."""
        if self._g2 is None:
            raise RuntimeError("restore_accumulators() before learning: the model was loaded without them")
        if self._before_reviews is None:  # copied once, and only by a model that is taught at all
            self._before_reviews = (self.bias, dict(self.weights), dict(self._g2), self._g2_bias)
        self._learned.append(sample)
        self._learn_steps(sample)

    def _learn_steps(self, sample: Sample) -> None:
        for _ in range(LEARN_STEPS):  # the same on replay as when first learned
            # no weight decay here: on a message the model already gets right it would only shrink the
            # weights, so confirming a scam could lower its score
            self._step(sample, l2=0.0)

    def unlearn(self, sample: Sample) -> bool:
        """Forget one learned review: the weights from before the first review, with the other reviews
        replayed in order, exactly as if this one had never been learned. Built on a fresh model and swapped in
        at the end, so messages checked meanwhile keep the old weights. False if it was never learned."""
        try:
            self._learned.remove(sample)
        except ValueError:
            return False
        assert self._before_reviews is not None  # set by the learn() that added the sample
        bias, weights, g2, g2_bias = self._before_reviews
        fresh = LogisticModel(self.l2, self.epochs, self.lr, self.seed)
        fresh.bounds = self.bounds
        fresh.bias, fresh.weights, fresh._g2, fresh._g2_bias = bias, dict(weights), dict(g2), g2_bias
        for learned in self._learned:
            fresh._learn_steps(learned)
        self._g2, self._g2_bias = fresh._g2, fresh._g2_bias
        self.weights, self.bias = fresh.weights, fresh.bias
        return True

    def contributions(self, features: Sequence[str]) -> dict[str, float]:
        # In the features' own order (not a set's, which varies with the hash seed), each looked up once.
        get = self.weights.get
        return {f: v for f in features if (v := get(f)) is not None}

    @staticmethod
    def probability(logit: float) -> float:
        return _sigmoid(logit)
