"""Image-check figures: per-image time (load, hash, QR, OCR, total) on 1080-pixel posters, text latency while
images are analysed, and the bounded intake under a flood.

    PYTHONPATH=. .venv/bin/python bench/bench_images.py [--posters 12] [--flood 300] [--ocr-threads 1]

Prints figures; asserts nothing. One ImageAnalyzer (one worker thread, as configured by default) serves
every section, as in the bot. Posters are generated with Pillow in a CJK font (fonts-wqy-microhei) with a
real QR code; without a CJK font the OCR figures are for boxes of tofu and are marked as such.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.images import ImageAnalyzer, ImageSettings  # noqa: E402
from fake_platforms.posters import MENU_LINES, SCAM_LINES, cjk_font_path, poster, to_bytes  # noqa: E402

BENIGN_LINES = MENU_LINES + [("周末读书会 欢迎参加", (40, 80, 40)), ("会议改到下午三点", (0, 0, 0)),
                             ("Python 入门 免费分享", (0, 0, 120))]
SCAMMY_LINES = SCAM_LINES + [("ChatGPT Plus 代充 9.9 元", (0, 0, 0)), ("Midjourney 永久会员 限量", (150, 0, 0)),
                             ("AI 导演训练营 第三期", (0, 0, 120)), ("可灵 内测邀请码 秒发", (0, 0, 0))]
SCAM_QRS = ["https://u.wechat.com/EJk3nS0raVIP", "https://weixin.qq.com/g/AwYAAHO8zZm0", "https://t.me/sora_vip_group"]
BENIGN_QRS = ["https://m.laowang-noodles.cn/menu?table=12", "wxp://f2f0Ab12Cd34", None]
TEXTS = ["Sora内测账号 只要299 加V私聊", "有人知道 Sora 什么时候开放吗？", "今晚一起吃饭吗", "Free Sora tutorial on Bilibili",
         "ChatGPT Plus 代充，9.9 一个月，私聊", "会议改到下午三点"]


def make_posters(n: int, seed: int = 7) -> list[tuple[str, bytes, bool]]:
    """(kind, JPEG bytes, has a QR code): scam and benign posters alternating."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = "scam" if i % 2 == 0 else "benign"
        lines = rng.sample(SCAMMY_LINES if kind == "scam" else BENIGN_LINES, rng.randint(3, 5))
        qr = (SCAM_QRS if kind == "scam" else BENIGN_QRS)[(i // 2) % 3]
        bg = ((rng.randint(150, 255), rng.randint(150, 255), rng.randint(150, 255)), (255, 255, 255))
        img = poster(lines, qr, width=1080, height=1527, background=bg)
        out.append((kind, to_bytes(img, "JPEG", quality=85), qr is not None))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fmt_ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:7.1f} ms   p90 {pct(values, 90) * 1000:7.1f} ms   "
            f"max {max(values) * 1000:7.1f} ms")


def rss_mb() -> float:
    """Current resident memory (VmRSS), MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def bench_per_image(analyzer: ImageAnalyzer, posters: list[tuple[str, bytes, bool]]) -> None:
    size_kb = statistics.mean(len(p) for _, p, _ in posters) / 1024
    print(f"\n== per-image time, 1 worker thread, {len(posters)} posters 1080x1527 JPEG (~{size_kb:.0f} KB each) ==")
    t = time.perf_counter()
    await analyzer.warm_up()
    print(f"warm-up (imports, OCR model load, onnxruntime first run): {(time.perf_counter() - t) * 1000:.0f} ms; "
          f"RSS after it {rss_mb():.0f} MB")
    stages: dict[str, list[float]] = {k: [] for k in ("load", "hash", "qr", "ocr", "engine", "total")}
    found_qr, verdicts = 0, []
    for kind, data, _ in posters:
        r = await analyzer.analyze(data, "")
        for k in stages:
            stages[k].append(r.timings[k])
        found_qr += bool(r.qr)
        verdicts.append((kind, r.verdict.label))
    for k, v in stages.items():
        print(f"  {k:6s} {fmt_ms(v)}")
    print(f"  throughput: {len(posters) / sum(stages['total']):.2f} images/s per worker")
    print(f"  QR codes found: {found_qr}/{sum(has for _, _, has in posters)} posters that carry one")
    for kind in ("scam", "benign"):
        labels = [v for k, v in verdicts if k == kind]
        print(f"  {kind} posters ({len(labels)}): " + ", ".join(f"{x} {labels.count(x)}" for x in ("scam", "suspicious", "clean")))


async def text_latency(engine, seconds: float, rate: float) -> list[float]:
    """Messages arrive every 1/rate s; latency = verdict time - arrival time (includes any loop stall)."""
    lat: list[float] = []
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < seconds:
        arrival = start + i / rate
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        engine.analyze(f"{TEXTS[i % len(TEXTS)]} #{i}")  # unique text: no cache hit
        lat.append(time.perf_counter() - arrival)
        i += 1
    return lat


async def bench_text_while_images(analyzer: ImageAnalyzer, engine, posters, seconds: float) -> None:
    rate = 200.0
    print(f"\n== text messages ({rate:.0f}/s, engine on the event loop) while images are analysed "
          f"({analyzer.settings.workers} worker, OCR on) ==")
    await text_latency(engine, 1.0, rate)  # jieba's dictionary and the caches warm up first
    base = await text_latency(engine, 3.0, rate)
    print(f"  no images:             {fmt_ms(base)}   p99 {pct(base, 99) * 1000:6.1f} ms")
    before = analyzer.stats["analysed"]
    pending: set[asyncio.Task] = set()

    async def feed() -> None:  # keep the worker busy all the time
        i = 0
        while True:
            if analyzer.pending < 2:
                task = asyncio.create_task(analyzer.analyze(posters[i % len(posters)][1], ""))
                pending.add(task)
                task.add_done_callback(pending.discard)
                i += 1
            await asyncio.sleep(0.02)

    feeder = asyncio.create_task(feed())
    t0 = time.perf_counter()
    busy = await text_latency(engine, seconds, rate)
    elapsed = time.perf_counter() - t0
    feeder.cancel()
    await asyncio.gather(*pending)
    print(f"  images being analysed: {fmt_ms(busy)}   p99 {pct(busy, 99) * 1000:6.1f} ms")
    print(f"  {len(busy)} messages answered and {analyzer.stats['analysed'] - before} images analysed "
          f"in the same {elapsed:.1f} s")


async def bench_flood(analyzer: ImageAnalyzer, engine, posters, n: int) -> None:
    s = analyzer.settings
    print(f"\n== flood: {n} images arrive at once, queue_size {s.queue_size}, {s.workers} worker ==")
    fetched = 0

    def fetcher(data: bytes):
        async def fetch() -> bytes:
            nonlocal fetched
            fetched += 1
            return data
        return fetch

    rss_before = rss_mb()
    peak, peak_rss = 0, rss_before

    async def watch() -> None:
        nonlocal peak, peak_rss
        while True:
            peak = max(peak, analyzer.pending)
            peak_rss = max(peak_rss, rss_mb())
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    t = time.perf_counter()
    tasks = [asyncio.create_task(analyzer.analyze(fetcher(posters[i % len(posters)][1]), "")) for i in range(n)]
    await asyncio.sleep(0)  # every analyze() has now been admitted or refused
    t_text = time.perf_counter()
    probe = engine.analyze("Sora内测账号 只要299 加V私聊 (flood probe)")
    text_during = time.perf_counter() - t_text
    reports = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t
    watcher.cancel()
    skipped = sum(r.rejected == "queue_full" for r in reports)
    print(f"  admitted {n - skipped}, skipped at once with rejected='queue_full': {skipped}; downloads started: {fetched}")
    print(f"  peak images admitted at once: {peak} (limit {s.queue_size}); the admitted ones done in {elapsed:.1f} s")
    print(f"  a text message during the flood answered in {text_during * 1000:.1f} ms (verdict {probe.label})")
    print(f"  RSS before the flood {rss_before:.0f} MB, peak during it {peak_rss:.0f} MB "
          f"(the OCR run's own working memory; the same with queue_size 4)")


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posters", type=int, default=12)
    ap.add_argument("--flood", type=int, default=300)
    ap.add_argument("--ocr-threads", type=int, default=1)
    ap.add_argument("--text-seconds", type=float, default=8.0)
    args = ap.parse_args()

    font = cjk_font_path()
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f}; CJK font: {font or 'NONE (OCR figures are not meaningful)'}")
    settings = ImageSettings(enabled=True, workers=1, queue_size=32, ocr_threads=args.ocr_threads)
    print(f"settings: workers {settings.workers}, queue_size {settings.queue_size}, OCR threads {settings.ocr_threads}")
    t = time.perf_counter()
    posters = make_posters(args.posters)
    print(f"generated {len(posters)} posters in {time.perf_counter() - t:.1f} s; RSS {rss_mb():.0f} MB")

    from detectors.engine import Engine

    engine = Engine.load()
    engine.warm_up()
    print(f"engine loaded; RSS {rss_mb():.0f} MB")
    async with ImageAnalyzer(engine, settings) as analyzer:
        await bench_per_image(analyzer, posters)
        await bench_text_while_images(analyzer, engine, posters, args.text_seconds)
        await bench_flood(analyzer, engine, posters, args.flood)


if __name__ == "__main__":
    asyncio.run(main())
