"""Which counter-signal keys help and which hurt, measured on held-out verdicts.

    python bench/crossval.py --by-writer --dump cv.jsonl      # leave one writer out, every verdict with its findings
    python bench/counter_audit.py cv.jsonl [more dumps...]    # then: per counter and per key, what its cap did

A capping counter-signal (seeds/structure.yaml: a question, a warning, a report, a loss, a joke, a quotation) holds an
offer below a public warning. For every held-out message whose verdict it held down from a scam, this counts the
scams it took the warning from and the clean lines it saved, per counter and per key that fired. A key that holds
scams and saves no clean line is a misreading ("for those still stuck on the waitlist" is no report).
It reads the dump only: the structure reader does not depend on the trained weights, so the engine of the tree it
runs in names the keys. Counts the cap alone; what a key also teaches the classifier shows only in a new crossval run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.engine import Engine  # noqa: E402


def _capping_keys(engine: Engine, text: str, counter_id: str) -> set[str]:
    """The keys of counter `counter_id` that fired in `text` (on the offer, or on a message with no offer)."""
    offer, hits, norm = engine.read_offer(text)
    if offer is not None:
        return {h.term.casefold() for c, found in offer.counters if c.id == counter_id for h in found}
    held = engine.structure.capping_without_offer(hits, norm)
    return {h.term.casefold() for h in held[1]} if held else set()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dumps", nargs="+", type=Path, help="files written by crossval.py --dump")
    ap.add_argument("--threshold", type=float, default=0.7, help="the scam threshold the dumps were scored at")
    ap.add_argument("--min", type=int, default=2, help="list keys that decided at least this many verdicts")
    args = ap.parse_args()
    scam_z = math.log(args.threshold / (1 - args.threshold))
    engine = Engine.load()
    by_counter: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_key: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    example: dict[tuple[str, str], str] = {}
    for path in args.dumps:
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            findings = row["_findings"]  # [detector, category, rule, score, evidence]
            held = next((f for f in findings if f[0] == "structure" and f[3] < 0), None)
            if held is None or sum(f[3] for f in findings) - held[3] < scam_z:
                continue  # no cap, or the verdict was no scam without it either
            side = 0 if row["label"] == "scam" else 1
            counter = held[2].rsplit(".", 1)[-1]
            by_counter[counter][side] += 1
            for key in _capping_keys(engine, row["text"], counter) or {"?"}:
                by_key[(counter, key)][side] += 1
                if side == 0:
                    example.setdefault((counter, key), row["text"][:90].replace("\n", " "))
    print("counter     scams held  clean lines saved")
    for counter, (scams, cleans) in sorted(by_counter.items(), key=lambda kv: -kv[1][0]):
        print(f"{counter:<11} {scams:>10}  {cleans:>17}")
    print("\nkeys (scams held : clean lines saved), the most harmful first")
    for (counter, key), (scams, cleans) in sorted(by_key.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        if scams + cleans >= args.min:
            print(f"  {counter}/{key!r}: {scams}:{cleans}   e.g. {example.get((counter, key), '')!r}")


if __name__ == "__main__":
    main()
