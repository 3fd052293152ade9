"""Cross-validation of the whole engine on the TRAINING samples (seeds/samples): honest numbers for tuning,
since the held-out sets in eval/ must never be tuned on.

    python bench/crossval.py --by-writer     # leave one writer out: train on the others, test on theirs
    python bench/crossval.py --by-writer --writers 43-63   # ...leaving out only these writers, one at a time
    python bench/crossval.py [--folds 5]     # k random folds (optimistic: one writer's paraphrases land on
                                             # both sides of a split)

Prints recall / false-positive rate overall (and per held-out writer), and the rates at other thresholds.
A writer is a pair of sample files: scam.jsonl/clean.jsonl, scam_2.jsonl/clean_2.jsonl, ...
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


def _writer_range(text: str) -> set[str]:
    """"43-63" or "5,12,40-42" -> the writers' names ("1" is the first pass: scam.jsonl/clean.jsonl)."""
    out: set[str] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise argparse.ArgumentTypeError(f"not a writer number or range: {part!r}")
        out.update(str(n) for n in range(int(lo), int(hi or lo) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--by-writer", action="store_true", help="leave one writer out instead of random folds")
    ap.add_argument("--mistakes", type=Path, help="write the misclassified samples (JSONL, with score and the rules "
                    "that weighed most) here")
    ap.add_argument("--dump", type=Path, help="write every held-out sample here (JSONL) with its score, categories and "
                    "all findings (detector, category, rule, score, evidence): for reading what decided, afterwards")
    ap.add_argument("--writers", type=_writer_range, help="with --by-writer: leave out only these writers, one at a "
                    "time (\"43-63\" or \"5,12,40\"); each fold still trains on every other writer. Quicker, for a first look")
    args = ap.parse_args()
    root = Path(str(resources.files("seeds")))
    rows = []
    for p in sorted((root / "samples").glob("*.jsonl")):
        writer = p.stem.split("_", 1)[1] if "_" in p.stem else "1"  # scam_3 / clean_3 -> writer "3"
        rows += [{**json.loads(line), "_writer": writer} for line in open(p, encoding="utf-8") if line.strip()]
    random.Random(args.seed).shuffle(rows)
    pack = load_pack()
    scores: list[tuple[float, dict]] = []
    started = time.perf_counter()
    writers = sorted({r["_writer"] for r in rows})
    if args.writers:
        unknown = args.writers - set(writers)
        writers = [w for w in writers if w in args.writers]
        if not writers:
            ap.error(f"no samples of writer(s) {', '.join(sorted(unknown, key=int))}")
        if unknown:  # a range may span a number no writer has (there is no writer 7)
            print(f"no samples of writer(s) {', '.join(sorted(unknown, key=int))}: left out of the range", file=sys.stderr)
    splits = ([(w, [r for r in rows if r["_writer"] != w], [r for r in rows if r["_writer"] == w]) for w in writers]
              if args.by_writer else
              [(str(k), [r for i, r in enumerate(rows) if i % args.folds != k],
                [r for i, r in enumerate(rows) if i % args.folds == k]) for k in range(args.folds)])
    for name, train, test in splits:
        tmp = Path(tempfile.mkdtemp(prefix="leekguard-cv-"))
        try:
            with open(tmp / "train.jsonl", "w", encoding="utf-8") as fh:
                for r in train:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            engine = Engine(pack, samples_dir=tmp)
            fold = []
            for r in test:
                verdict = engine.analyze(r["text"])
                if args.mistakes:  # what decided: the rules that weighed most, for reading the mistakes later
                    r = {**r, "_rules": [f"{f.rule}:{f.score:+.2f}" for f in verdict.findings if abs(f.score) >= 0.05][:6]}
                if args.dump:
                    r = {**r, "_categories": list(verdict.categories),
                         "_findings": [[f.detector, f.category, f.rule, round(f.score, 3), [sp.text for sp in f.evidence]]
                                       for f in verdict.findings]}
                fold.append((verdict.score, r))
            scores += fold
            if args.by_writer:
                th = engine.settings.scam_threshold
                scam = [s for s, r in fold if r["label"] == "scam"]
                clean = [s for s, r in fold if r["label"] == "clean"]
                hard = [s for s, r in fold if r["label"] == "clean" and r.get("hard_negative")]
                print(f"writer {name} held out: {len(scam)} scam, {len(clean)} clean; at {th}: "
                      f"recall {sum(s >= th for s in scam) / max(1, len(scam)):.3f}  "
                      f"fpr {sum(s >= th for s in clean) / max(1, len(clean)):.3f}  "
                      f"hard-neg-fpr {sum(s >= th for s in hard) / max(1, len(hard)):.3f}", flush=True)
        finally:
            shutil.rmtree(tmp)
    print(f"{len(rows)} samples, {len(splits)} {'writers' if args.by_writer else 'folds'}, "
          f"{time.perf_counter() - started:.1f}s")
    if args.mistakes:
        th = pack_threshold = 0.7
        with open(args.mistakes, "w", encoding="utf-8") as fh:
            for score, r in sorted(scores, key=lambda sr: sr[0]):
                if (r["label"] == "scam") != (score >= pack_threshold):
                    fh.write(json.dumps({**r, "score": round(score, 3)}, ensure_ascii=False) + "\n")
        del th
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as fh:
            for score, r in scores:
                fh.write(json.dumps({**r, "score": round(score, 4)}, ensure_ascii=False) + "\n")
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
