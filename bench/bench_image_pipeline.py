"""Pictures through the whole Telegram bot: how long text warnings take while posters arrive, how long a
poster's warning takes, and what the bounded intake does with a burst of photos.

    PYTHONPATH=. .venv/bin/python bench/bench_image_pipeline.py [--seconds 8] [--text-rate 10] [--photo-rate 2]

Real python-telegram-bot, engine, SQLite store and ImageAnalyzer (OCR on, 1 worker); the fake Bot API server
runs in the same process (its CPU counts against the bot, as a busy host would). Prints figures; asserts
nothing. Latency = fake server's sendMessage arrival - the update's injection.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fake_platforms.posters import SCAM_LINES, cjk_font_path, poster, to_bytes  # noqa: E402
from fake_platforms.telegram_harness import running_bot, shared_engine  # noqa: E402
from fake_platforms.telegram_server import FakeTelegramServer  # noqa: E402

GROUP = -1009999
SCAM_TEXT = "出售Sora内测账号，只要299，加V私聊 {}"
CAPTION = "Sora内测，扫码"  # suspicious alone; the poster makes it a scam
WARNING, IMAGE_LINE = "LeekGuard提醒", "图片中的二维码"  # a warning; a warning about a picture


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    if not ms:
        return "none"
    return f"n={len(ms):4d}  p50 {pct(ms, 50):7.1f} ms  p95 {pct(ms, 95):7.1f} ms  max {max(ms):7.1f} ms"


def latencies(server: FakeTelegramServer, messages: list[dict], marker: str) -> list[float]:
    """For each message, the first reply containing `marker` (the warning), from injection to arrival."""
    out = []
    for m in messages:
        pushed = server.pushed_at[(GROUP, m["message_id"])]
        for c in server.sent_messages(GROUP):
            reply = (c.params.get("reply_parameters") or {}).get("message_id")
            if reply == m["message_id"] and marker in c.result["text"]:
                out.append(c.at - pushed)
                break
    return out


async def phase(push, seconds: float, text_rate: float, photo_rate: float, photos: list[list[dict]]
                ) -> tuple[list[dict], list[dict]]:
    """Scam texts at `text_rate`/s and poster photos at `photo_rate`/s, each from a new member (one warning
    per member per burst is the policy: a member already warned gets silent actions)."""
    texts, pics = [], []
    start = time.perf_counter()
    next_text = next_photo = start
    while time.perf_counter() - start < seconds:
        now = time.perf_counter()
        if now >= next_text:
            texts.append(push(SCAM_TEXT.format(time.perf_counter())))
            next_text += 1 / text_rate
        if photo_rate and now >= next_photo and photos:
            pics.append(push(None, caption=CAPTION, extra={"photo": photos.pop()}))
            next_photo += 1 / photo_rate
        await asyncio.sleep(0.005)
    return texts, pics


async def main(args: argparse.Namespace) -> None:
    engine = shared_engine()
    posters = []
    for i in range(8):  # different posters: identical ones from one user would be silent repeats
        lines = SCAM_LINES[i % len(SCAM_LINES):] + SCAM_LINES[: i % len(SCAM_LINES)]
        posters.append(to_bytes(poster(lines, f"https://u.wechat.com/bench{i}"), "JPEG", quality=85))
    async with FakeTelegramServer() as server:
        group = server.add_chat(GROUP, title="bench")
        ids = iter(range(1000, 10**6))

        def push(text: str | None, **kw) -> dict:
            uid = next(ids)
            return server.push_message(group, server.add_user(uid, f"user{uid}"), text, **kw)

        count = int(args.seconds * args.photo_rate) + args.burst
        photos = [server.photo_sizes((posters[i % len(posters)], 1080, 1527)) for i in range(count)]
        with tempfile.TemporaryDirectory() as tmp:
            async with running_bot(server, engine, Path(tmp) / "bench.db", images={"enabled": True},
                                   limits=(1e6, 1e6)) as bot:
                images = bot.services.images
                await images.idle(timeout=60)  # OCR models loaded (the warm-up task)
                font = "" if cjk_font_path() else " (no CJK font: the posters' text is tofu)"
                print(f"image pipeline bench: real PTB + engine + SQLite store + ImageAnalyzer (OCR on{font}, "
                      f"{images.settings.workers} worker), fake Bot API in the same process; posters 1080x1527 "
                      f"JPEG ~{len(posters[0]) // 1000} KB; {args.text_rate:.0f} scam texts/s")
                texts, _ = await phase(push, args.seconds / 2, args.text_rate, 0, [])
                await server.wait_idle(quiet=0.5, timeout=30)
                print(f"  text warnings, no photos:            {fmt(latencies(server, texts, WARNING))}")
                texts, pics = await phase(push, args.seconds, args.text_rate, args.photo_rate, photos)
                await images.idle(timeout=120)
                await server.wait_idle(quiet=0.5, timeout=30)
                print(f"  text warnings, {args.photo_rate:g} photos/s arriving:  {fmt(latencies(server, texts, WARNING))}")
                print(f"  poster warnings (download+OCR+act):  {fmt(latencies(server, pics, IMAGE_LINE))}")
                print(f"  photos: {len(pics)} posted, {images.stats['escalated']} escalated to a warned scam, "
                      f"{images.analyzer.stats['analysed']} analysed in all")
                t0 = time.perf_counter()
                burst = [push(None, caption=CAPTION, extra={"photo": photos.pop()})
                         for _ in range(min(args.burst, len(photos)))]
                await server.wait_idle(quiet=0.5, timeout=60)
                await images.idle(timeout=300)
                print(f"  burst of {len(burst)} photos at once: {images.stats['skipped:queue_full']} skipped with a "
                      f"logged reason (images.queue_size {images.settings.queue_size}), the rest analysed in "
                      f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--text-rate", type=float, default=10.0)
    p.add_argument("--photo-rate", type=float, default=2.0)
    p.add_argument("--burst", type=int, default=60)
    args = p.parse_args()
    asyncio.run(main(args))
