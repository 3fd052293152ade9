"""Benchmark `leekguard scan` on a generated 100,000-message Telegram Desktop export.

    python bench/bench_scan.py                      # plain scan
    python bench/bench_scan.py --outputs            # also --report, --csv and --jsonl
    python bench/bench_scan.py --messages 20000     # smaller
    python bench/bench_scan.py --jobs 1             # the engine in the scanning process only

Writes the export to a temporary folder (deleted afterwards), runs the real CLI in a child process, and prints
wall time, messages/s and the child's peak RSS. Target: 100,000 messages in <= 60 s with bounded memory.
Bounded itself: the child is killed after --timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CLEAN = [
    "有人用过{p}写周报吗？效果怎么样", "今天{p}又更新了，上下文长了不少", "{p}的官方文档在哪里看",
    "我觉得{p}在代码补全上比去年好多了", "周末的分享会改到{n}点开始", "谢谢分享，第{n}页的图很清楚",
    "Has anyone benchmarked {p} on long documents?", "The {p} API rate limit is {n} requests per minute for me",
    "Meeting notes are in the shared folder, section {n}", "晚上好，明天见", "收到", "哈哈哈哈",
    "大家注意，别信私聊卖{p}账号的，官网才是唯一渠道", "Reminder: keys only come from the official console",
]
SCAM = [
    "{p} Plus 国内直连，{n}元永久使用，加微信 ai{h} 拉你进内部群，名额仅剩{m}个",
    "{p} 内测资格出售，官方渠道，{n} 元一个号，私聊 VX: {p}_{h}",
    "AI 时代不学就被淘汰！零基础 {m} 天入门，月入过万，原价 {n}9 现价 {n}，扫码报名",
    "Selling {p} API keys, unlimited usage, only ${m}/month, DM me now before the price goes up",
    "{p} 会员代充，官方正版，一个月只要 {n} 元，联系 @{p}{h}_bot",
]
PRODUCTS = ["ChatGPT", "Claude", "Sora", "Midjourney", "DeepSeek", "Gemini", "Kimi", "GPT-4o"]
SENDERS = [(f"成员{i}", f"user{1000 + i}") for i in range(400)] + [("AI变现导师", "user666"), ("资源哥", "user777")]


def fill(rng: random.Random, template: str) -> str:
    return template.format(p=rng.choice(PRODUCTS), n=rng.randint(9, 999), m=rng.randint(2, 30),
                           h=rng.randint(100, 99999))


def message(rng: random.Random, mid: int, unix: int) -> dict:
    sender, sender_id = rng.choice(SENDERS)
    base = {"id": mid, "type": "message", "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix)),
            "date_unixtime": str(unix), "from": sender, "from_id": sender_id}
    roll = rng.random()
    if roll < 0.01:
        return {**base, "type": "service", "actor": sender, "actor_id": sender_id, "action": "invite_members",
                "members": [sender], "text": "", "text_entities": []}
    if roll < 0.03:
        return {**base, "file": "(File not included. Change data exporting settings to download.)",
                "media_type": "sticker", "sticker_emoji": "👍", "text": "", "text_entities": []}
    text = fill(rng, rng.choice(SCAM if roll < 0.08 else CLEAN)) + f" #{mid % 9973}"
    if roll < 0.05:  # an advert written with entities, as Telegram Desktop exports formatted text
        head, _, tail = text.partition("，")
        entities = [{"type": "bold", "text": head}, {"type": "plain", "text": "，" + tail}]
        return {**base, "text": entities, "text_entities": entities}
    out = {**base, "text": text, "text_entities": [{"type": "plain", "text": text}]}
    if roll > 0.9 and mid > 10:
        out["reply_to_message_id"] = mid - rng.randint(1, 10)
    return out


def generate(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    unix = 1_735_689_600  # 2025-01-01
    with open(path, "w", encoding="utf-8") as f:
        f.write('{\n "name": "AI 学习交流群",\n "type": "private_supergroup",\n "id": 1987654321,\n "messages": [\n')
        for i in range(1, count + 1):
            unix += rng.randint(5, 600)
            f.write("  " + json.dumps(message(rng, i, unix), ensure_ascii=False) + (",\n" if i < count else "\n"))
        f.write(" ]\n}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--outputs", action="store_true", help="also write --report, --csv and --jsonl")
    ap.add_argument("--jobs", type=int, default=0, help="passed to scan --jobs (0 = its automatic choice)")
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="leekguard-bench-") as tmp:
        export = Path(tmp) / "result.json"
        t0 = time.perf_counter()
        generate(export, args.messages)
        gen = time.perf_counter() - t0
        size = export.stat().st_size
        cmd = [sys.executable, "-m", "cli", "scan", str(export), "--no-progress", "--jobs", str(args.jobs)]
        if args.outputs:
            cmd += ["--report", str(Path(tmp) / "report.html"), "--csv", str(Path(tmp) / "rows.csv"),
                    "--jsonl", str(Path(tmp) / "rows.jsonl")]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LEEKGUARD_DB": str(Path(tmp) / "bench.db")}
        env.pop("LEEKGUARD_CONFIG", None)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"FAILED: scan did not finish within {args.timeout:.0f} s")
            return 2
        wall = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024  # Linux: KiB
        cpu = usage.ru_utime + usage.ru_stime
        load = os.getloadavg()[0]
        summary = [line for line in proc.stdout.splitlines() if line.startswith(("Scanned", "Messages", "Flagged"))]
        outputs = {p.name: p.stat().st_size for p in Path(tmp).iterdir() if p.name != "result.json"
                   and p.suffix in (".html", ".csv", ".jsonl")}
    print(f"export: {args.messages:,} messages, {size / 1e6:.1f} MB Telegram JSON (generated in {gen:.1f} s)")
    print("command: " + " ".join(["python", "-m", "cli", "scan", "result.json", "--no-progress", "--jobs",
                                  str(args.jobs)] + (
        ["--report", "report.html", "--csv", "rows.csv", "--jsonl", "rows.jsonl"] if args.outputs else [])))
    for line in summary:
        print("  " + line)
    if outputs:
        print("  outputs: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(outputs.items())))
    print(f"exit status: {proc.returncode} (1 = something flagged)")
    print(f"wall time (process start to exit, engine load included): {wall:.1f} s")
    print(f"CPU time of the scan and its workers: {cpu:.1f} s (load average {load:.1f} on {os.cpu_count()} cores: "
          "other work on the machine stretches wall time)")
    print(f"throughput: {args.messages / wall:,.0f} messages/s wall, {args.messages / cpu:,.0f} per CPU second")
    print(f"peak RSS of the largest process (the scan or one of its workers): {peak_mb:.0f} MB "
          f"(export file {size / 1e6:.0f} MB)")
    ok = proc.returncode in (0, 1) and (args.messages < 100_000 or wall <= 60)
    print("target (<= 60 s for 100,000 messages): " + ("met" if ok else "NOT met"))
    if proc.returncode not in (0, 1):
        print(proc.stderr[-2000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
