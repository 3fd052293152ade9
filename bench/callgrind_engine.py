"""Instructions per message for `check --jsonl`, counted by valgrind (not seconds: a busy, shared host cannot
skew it, so two commits can be compared on the same corpus).

    python bench/callgrind_engine.py [--messages 1500] [--corpus FILE.jsonl] [--no-yardstick]

Runs the engine under `valgrind --tool=callgrind` twice, over N messages and over none, and prints the
difference per message (engine loading cancels out). --corpus fixes the messages (one {"id", "text"} per line)
so another commit's checkout can be measured on exactly the same input; the default is bench_engine's corpus.
Then the same for jieba.lcut alone on the same messages, the yardstick the issue gives.
Takes a few minutes: valgrind runs the interpreter about 50 times slower.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CHILD = """
import io, sys
sys.path.insert(0, {root!r})
from cli.check import run_jsonl
from cli.heap import settle_after_load
from detectors.engine import Engine
engine = Engine.load(); engine.warm_up(); settle_after_load()  # as `check --jsonl` does
lines = open({corpus!r}, encoding="utf-8").readlines()[:{n}]
run_jsonl(engine, io.StringIO("".join(lines)), io.StringIO())
"""


# The yardstick: jieba alone (it segments ~7,000 such messages/s where the target is 7,500).
_JIEBA_CHILD = """
import json
import jieba
jieba.initialize()
texts = [json.loads(line)["text"] for line in open({corpus!r}, encoding="utf-8").readlines()[:{n}]]
for text in texts:
    jieba.lcut(text)
"""


def _instructions(corpus: Path, n: int, tmp: Path, child: str = _CHILD) -> int:
    out = tmp / f"callgrind.{n}"
    script = child.format(root=str(ROOT), corpus=str(corpus), n=n)
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", script],
                   cwd=ROOT, check=True, capture_output=True)
    return int(re.search(r"^summary: (\d+)", out.read_text(), re.M).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1500)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--no-yardstick", dest="yardstick", action="store_false",
                    help="skip measuring jieba.lcut alone on the same messages")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        corpus = args.corpus
        if corpus is None:
            sys.path.insert(0, str(ROOT / "bench"))
            from bench_engine import corpus as build

            corpus = tmp / "corpus.jsonl"
            corpus.write_text("".join(json.dumps({"id": i, "text": m}, ensure_ascii=False) + "\n"
                                      for i, m in enumerate(build(args.messages))), encoding="utf-8")
        _instructions(corpus, 0, tmp)  # first run warms the model cache, so both measured runs load alike
        base = _instructions(corpus, 0, tmp)
        full = _instructions(corpus, args.messages, tmp)
        engine = (full - base) / args.messages / 1e6
        print(f"check --jsonl: {engine:.3f} M instructions per message over {args.messages} messages "
              f"(engine loading excluded)")
        if args.yardstick:
            jieba = (_instructions(corpus, args.messages, tmp, _JIEBA_CHILD)
                     - _instructions(corpus, 0, tmp, _JIEBA_CHILD)) / args.messages / 1e6
            print(f"jieba.lcut alone on the same messages: {jieba:.3f} M instructions per message; "
                  f"check --jsonl does {engine / jieba:.2f}x jieba's work")


if __name__ == "__main__":
    main()
