"""Quality metrics over a labelled corpus: precision, recall, F1, false-positive rate, per category."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif truth:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    def as_dict(self) -> dict:
        precision = self._ratio(self.tp, self.tp + self.fp)
        recall = self._ratio(self.tp, self.tp + self.fn)
        f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else None
        return {
            "n": self.tp + self.fp + self.fn + self.tn,
            "scam": self.tp + self.fn,
            "clean": self.fp + self.tn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "false_positive_rate": self._ratio(self.fp, self.fp + self.tn),
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
        }


@dataclass
class Report:
    positive: str  # "scam" (only scam verdicts count as flagged) or "suspicious" (scam or suspicious)
    overall: Counts = field(default_factory=Counts)
    hard_negatives: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_lang: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    missed: list[str] = field(default_factory=list)  # scams not flagged
    false_alarms: list[str] = field(default_factory=list)  # clean messages flagged
    by_family: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[str] = field(default_factory=list)  # the engine failed: counted apart, never as a verdict

    def add(self, row_id: str, truth_label: str, verdict_label: str, category: str = "", lang: str = "",
            hard_negative: bool = False, family: str = "") -> None:
        if verdict_label == "error":
            self.errors.append(row_id)
            return
        truth = truth_label == "scam"
        flagged = verdict_label == "scam" or (self.positive == "suspicious" and verdict_label == "suspicious")
        self.overall.add(truth, flagged)
        if category:
            self.by_category[category].add(truth, flagged)
        if lang:
            self.by_lang[lang].add(truth, flagged)
        if hard_negative and not truth:
            self.hard_negatives.add(truth, flagged)
        if family:
            self.by_family[family].add(truth, flagged)
        if truth and not flagged:
            self.missed.append(row_id)
        elif flagged and not truth:
            self.false_alarms.append(row_id)

    def as_dict(self) -> dict:
        return {
            "flagged_means": "scam verdict" if self.positive == "scam" else "scam or suspicious verdict",
            "overall": self.overall.as_dict(),
            "hard_negatives": self.hard_negatives.as_dict(),
            "by_category": {k: v.as_dict() for k, v in sorted(self.by_category.items())},
            "by_language": {k: v.as_dict() for k, v in sorted(self.by_lang.items())},
            "by_family": {k: v.as_dict() for k, v in sorted(self.by_family.items())},
            "errors": self.errors,
            "missed_scams": self.missed,
            "false_alarms": self.false_alarms,
        }


def evaluate(rows: Iterable[dict], analyze, positive: str = "scam") -> Report:
    """rows: dicts with id, text, label (+ optional category, lang, hard_negative); analyze: text -> Verdict."""
    report = Report(positive)
    for i, row in enumerate(rows):
        verdict = analyze(row["text"])
        report.add(str(row.get("id", i)), row["label"], verdict.label, row.get("category") or "",
                   row.get("lang") or "", bool(row.get("hard_negative")), row.get("family") or "")
    return report
