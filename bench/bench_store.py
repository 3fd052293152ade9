"""Incident store figures: write rate with concurrent producers, RSS while writing, `list` latency on a big DB.

    python bench/bench_store.py                       # 50,000 writes by 64 producers; list on 1,000,000 incidents
    python bench/bench_store.py --rows 200000 --writes 20000 --max-seconds 120

Targets (issue 3): >= 2,000 incidents/s written; `list` with a filter <= 50 ms on 1,000,000 incidents;
RSS flat while writing. Everything runs in a temporary directory (removed unless --keep) and stops at
--max-seconds: a phase cut short says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store.service import IncidentStore  # noqa: E402
from bot.store.types import NewIncident  # noqa: E402

CATEGORIES = ["fake_access", "paid_course", "group_recruiting", "fake_api", "fake_authority", "anxiety_funnel",
              "fake_generated"]
TEXTS = ["ChatGPT Plus 永久会员 只要 9.9 元，加V私聊", "Sora 内测账号出售，先到先得，扫码进群",
         "AI 副业课 月入三万 限时 299 元", "GPT-5 API key 便宜出 1 元 100 万 tokens", "官方授权 Midjourney 共享号",
         "不学 AI 就被淘汰！焦虑？来我们训练营", "DeepSeek 满血版 无限次数 进群领取"]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def findings_for(cats: list[str], rng: random.Random) -> list[dict]:
    return [{"detector": "pattern", "category": c, "score": round(rng.uniform(0.2, 0.7), 3),
             "reason": "Sells shared or fake access to an AI product", "reason_zh": "售卖共享或虚假的 AI 产品账号",
             "rule": f"{c}.rule_{rng.randint(1, 40)}", "source": "seed_article.md",
             "evidence": [{"start": 0, "end": 7, "text": "ChatGPT"}], "origin": "text"} for c in cats]


def new_incident(i: int, rng: random.Random) -> NewIncident:
    cats = rng.sample(CATEGORIES, rng.choice((1, 1, 2)))
    return NewIncident(source="telegram", chat_id=f"-100{i % 500}", chat_title="AI 交流群", message_id=str(i),
                       author_id=str(rng.randint(1, 50_000)), author_name="用户", text=rng.choice(TEXTS),
                       text_hash=f"{i:064x}", verdict="scam", score=0.9, categories=tuple(cats),
                       findings=findings_for(cats, rng), actions=[{"action": "warn"}, {"action": "notify_admins"}])


async def bench_writes(path: Path, writes: int, producers: int, deadline: float, synchronous: str) -> dict:
    store = await IncidentStore.open(path, synchronous=synchronous, maintenance=False)
    rng = random.Random(1)
    incidents = [new_incident(i, rng) for i in range(writes)]  # built before timing
    samples: list[tuple[int, float]] = []
    done = 0
    stop = asyncio.Event()

    async def sample_rss() -> None:
        while not stop.is_set():
            samples.append((done, rss_mb()))
            await asyncio.sleep(0.2)

    async def produce(p: int) -> None:
        nonlocal done
        for i in range(p, writes, producers):
            if time.monotonic() > deadline:
                return
            res = await store.record(incidents[i])
            assert not res.pending, store.last_error
            done += 1

    sampler = asyncio.create_task(sample_rss())
    t0 = time.perf_counter()
    await asyncio.gather(*(produce(p) for p in range(producers)))
    elapsed = time.perf_counter() - t0
    stop.set()
    await sampler
    samples.append((done, rss_mb()))
    await store.close()
    warm = [mb for n, mb in samples if n >= done * 0.2] or [samples[-1][1]]
    return {"written": done, "seconds": round(elapsed, 2), "per_second": round(done / elapsed),
            "producers": producers, "synchronous": synchronous,
            "rss_mb_start": round(samples[0][1], 1), "rss_mb_after_warmup_min": round(min(warm), 1),
            "rss_mb_after_warmup_max": round(max(warm), 1), "rss_samples": len(samples),
            "cut_short": done < writes}


def build_big_db(path: Path, rows: int, deadline: float) -> dict:
    """Fill the real schema with `rows` incidents quickly: executemany, one transaction per 50,000 rows."""
    asyncio.run(_create_schema(path))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -200000")
    rng = random.Random(7)
    now = time.time()
    sql = ("INSERT INTO incidents (source, chat_id, chat_title, message_id, author_id, author_name, text, text_len, "
           "text_hash, verdict, score, categories, findings, actions, created_at, updated_at, state) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    findings_pool = [json.dumps(findings_for(rng.sample(CATEGORIES, 2), rng), ensure_ascii=False) for _ in range(50)]
    t0 = time.perf_counter()
    made = 0
    while made < rows and time.monotonic() < deadline:
        batch = []
        for i in range(made, min(rows, made + 50_000)):
            source = "telegram" if i % 5 else "discord"
            cats = rng.sample(CATEGORIES, rng.choice((1, 1, 2)))
            created = now - rng.uniform(0, 180 * 86400)
            state = rng.choices(("open", "confirmed", "dismissed"), (90, 7, 3))[0]
            text = rng.choice(TEXTS)
            batch.append((source, f"-100{rng.randint(1, 2000)}", "AI 交流群", str(i), str(rng.randint(1, 100_000)),
                          "用户", text, len(text), f"{i:064x}", rng.choice(("scam", "scam", "suspicious")),
                          round(rng.uniform(0.45, 0.99), 3), json.dumps(cats), rng.choice(findings_pool),
                          '[{"action":"warn"}]', created, created, state))
        con.execute("BEGIN")
        con.executemany(sql, batch)
        con.execute("COMMIT")
        made += len(batch)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return {"rows": made, "build_seconds": round(time.perf_counter() - t0, 1),
            "db_mb": round(path.stat().st_size / 1e6), "cut_short": made < rows}


async def _create_schema(path: Path) -> None:
    store = await IncidentStore.open(path, maintenance=False)
    await store.close()


async def bench_list(path: Path, repeat: int, limit: int) -> list[dict]:
    con = sqlite3.connect(path)
    chat, author = con.execute("SELECT chat_id, author_id FROM incidents WHERE source = 'telegram' "
                               "ORDER BY id DESC LIMIT 1").fetchone()
    con.close()
    store = await IncidentStore.open(path, create=False, retention_days=None, maintenance=False)
    queries = {
        "no filter": {},
        "chat": {"chat": f"telegram:{chat}"},
        "state=confirmed": {"state": "confirmed"},
        "category": {"category": "fake_api"},
        "author": {"author": f"telegram:{author}"},
        "since 7d": {"since": time.time() - 7 * 86400},
        "chat+category": {"chat": chat, "category": "paid_course"},
        "category+state+since 30d": {"category": "fake_access", "state": "dismissed", "since": time.time() - 30 * 86400},
        "state=dismissed+since 2d": {"state": "dismissed", "since": time.time() - 2 * 86400},
        "chat+state=confirmed": {"chat": f"telegram:{chat}", "state": "confirmed"},
        "author+category": {"author": f"telegram:{author}", "category": "fake_api"},
        "chat+category+state": {"chat": chat, "category": "paid_course", "state": "dismissed"},
        "category+state, none in range": {"category": "fake_api", "state": "confirmed", "until": time.time() - 400 * 86400},
        # verdict is not indexed: with no match, the whole category range is walked (the worst case we know of)
        "UNINDEXED category+verdict=clean": {"category": "fake_api", "verdict": "clean"},
    }
    out = []
    for name, kw in queries.items():
        t = time.perf_counter()
        rows = await store.list(limit=limit, **kw)
        cold = (time.perf_counter() - t) * 1000
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            await store.list(limit=limit, **kw)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out.append({"query": name, "rows": len(rows), "first_ms": round(cold, 1),
                    "median_ms": round(statistics.median(times), 2),
                    "p95_ms": round(times[int(len(times) * 0.95) - 1], 2), "max_ms": round(times[-1], 2)})
    await store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writes", type=int, default=50_000, help="incidents written in the write phase")
    ap.add_argument("--producers", type=int, default=64, help="concurrent producer tasks")
    ap.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"], help="store durability setting")
    ap.add_argument("--rows", type=int, default=1_000_000, help="incidents in the database for the list test")
    ap.add_argument("--repeat", type=int, default=30, help="timed runs per list query")
    ap.add_argument("--limit", type=int, default=50, help="rows per list query")
    ap.add_argument("--max-seconds", type=float, default=600, help="stop every phase at this total time")
    ap.add_argument("--dir", help="work directory (default: a temporary one)")
    ap.add_argument("--big-db", help="use this existing database for the list test instead of building one")
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    args = ap.parse_args()
    deadline = time.monotonic() + args.max_seconds
    tmp = tempfile.TemporaryDirectory(prefix="lg-bench-", dir=args.dir)
    work = Path(tmp.name)
    try:
        print(f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}, {os.cpu_count()} cpus, dir {work}")
        w = asyncio.run(bench_writes(work / "writes.db", args.writes, args.producers,
                                     min(deadline, time.monotonic() + args.max_seconds / 3), args.synchronous))
        print(f"\nWRITE  {w['written']:,} incidents by {w['producers']} producers in {w['seconds']} s "
              f"= {w['per_second']:,}/s  (synchronous={w['synchronous']}, target >= 2,000/s)"
              + ("  [cut short by --max-seconds]" if w["cut_short"] else ""))
        print(f"RSS    {w['rss_mb_start']} MB at start; after warm-up {w['rss_mb_after_warmup_min']}"
              f"-{w['rss_mb_after_warmup_max']} MB over {w['rss_samples']} samples (target: flat)")

        big = Path(args.big_db) if args.big_db else work / "big.db"
        if not args.big_db:
            b = build_big_db(big, args.rows, deadline)
            print(f"\nBUILD  {b['rows']:,} incidents in {b['build_seconds']} s, {b['db_mb']} MB"
                  + ("  [cut short by --max-seconds]" if b["cut_short"] else ""))
        else:
            con = sqlite3.connect(big)
            print(f"\nREUSE  {con.execute('SELECT count(*) FROM incidents').fetchone()[0]:,} incidents in {big}")
            con.close()
        results = asyncio.run(bench_list(big, args.repeat, args.limit))
        print(f"LIST   limit {args.limit}, {args.repeat} timed runs each after one first run (target <= 50 ms)")
        print(f"  {'query':34} {'rows':>5} {'first':>8} {'median':>8} {'p95':>8} {'max':>8}")
        for r in results:
            print(f"  {r['query']:34} {r['rows']:>5} {r['first_ms']:>6.1f}ms {r['median_ms']:>6.2f}ms "
                  f"{r['p95_ms']:>6.2f}ms {r['max_ms']:>6.2f}ms")
        worst = max(r["max_ms"] for r in results if not r["query"].startswith("UNINDEXED"))
        print(f"  worst single run of the ordinary queries: {worst:.1f} ms")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            tmp.cleanup()


if __name__ == "__main__":
    main()
