"""k-fold cross-validation of the whole engine on the TRAINING samples (seeds/samples): honest numbers for
tuning, since the held-out set in eval/ must never be tuned on.

    python bench/crossval.py [--folds 5] [--flagged scam|suspicious]

Prints recall / false-positive rate per fold and overall, and the rates at other thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ["LEEKGUARD_NO_MODEL_CACHE"] = "1"  # fold models are throw-away: keep them out of the cache

from detectors.engine import Engine  # noqa: E402
from detectors.packs import load_pack  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    root = Path(str(resources.files("seeds")))
    rows = [json.loads(line) for p in sorted((root / "samples").glob("*.jsonl")) for line in open(p, encoding="utf-8") if line.strip()]
    random.Random(args.seed).shuffle(rows)
    pack = load_pack()
    scores: list[tuple[float, dict]] = []
    started = time.perf_counter()
    for k in range(args.folds):
        train = [r for i, r in enumerate(rows) if i % args.folds != k]
        test = [r for i, r in enumerate(rows) if i % args.folds == k]
        tmp = Path(tempfile.mkdtemp(prefix="leekguard-cv-"))
        try:
            with open(tmp / "train.jsonl", "w", encoding="utf-8") as fh:
                for r in train:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            engine = Engine(pack, samples_dir=tmp)
            scores += [(engine.analyze(r["text"]).score, r) for r in test]
        finally:
            shutil.rmtree(tmp)
    print(f"{len(rows)} samples, {args.folds} folds, {time.perf_counter() - started:.1f}s")
    print("threshold  recall  fpr    hard-neg-fpr")
    for th in (0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9):
        scam = [s for s, r in scores if r["label"] == "scam"]
        clean = [s for s, r in scores if r["label"] == "clean"]
        hard = [s for s, r in scores if r["label"] == "clean" and r.get("hard_negative")]
        rec = sum(s >= th for s in scam) / len(scam)
        fpr = sum(s >= th for s in clean) / len(clean)
        hfpr = sum(s >= th for s in hard) / max(1, len(hard))
        print(f"  {th:4.2f}     {rec:.3f}   {fpr:.3f}  {hfpr:.3f}")


if __name__ == "__main__":
    main()
