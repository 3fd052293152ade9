"""The labelled texts the classifier learns from: seeds/samples/*.jsonl and every rule's own examples.

Read at training time only. Nothing keeps them afterwards: the nearest-sample index keeps the scams it needs,
and the clean texts would be megabytes that nothing reads again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from detectors.packs import CONTEXT_CATEGORY, packaged_seeds_dir
from detectors.rules import CompiledRule
from leekguard_types import CATEGORIES


def read_samples(samples_dir: Path | None, rules: Iterable[CompiledRule]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, label) of every training sample, and (text, category) of the scams among them: what a verdict of
    words alone is compared with. `samples_dir` None: the packaged seeds/samples."""
    root = samples_dir or packaged_seeds_dir() / "samples"
    labelled: list[tuple[str, str]] = []
    scams: list[tuple[str, str]] = []
    for path in sorted(root.glob("*.jsonl")) if root.is_dir() else []:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                row = json.loads(line)
                if row.get("label") in ("scam", "clean") and row.get("text"):
                    labelled.append((row["text"], row["label"]))
                    if row["label"] == "scam" and row.get("category") in CATEGORIES:
                        scams.append((row["text"], row["category"]))
    # Every rule's own examples are samples too, so a rule added in YAML is learned with its examples.
    for cr in rules:
        positive = "clean" if cr.rule.category == CONTEXT_CATEGORY else "scam"
        labelled += [(t, positive) for t in cr.rule.examples.match]
        if positive == "scam":
            scams += [(t, cr.rule.category) for t in cr.rule.examples.match]
        labelled += [(t, "clean") for t in cr.rule.examples.no_match if cr.rule.category != CONTEXT_CATEGORY]
    return labelled, scams
