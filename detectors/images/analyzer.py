"""ImageAnalyzer: QR codes, poster text and known posters, off the event loop, with a bounded intake.

    analyzer = ImageAnalyzer(engine, config)            # config: bot.config.Config, its images section, or None
    await analyzer.warm_up()                            # optional: load OCR models now, not on the first image
    report = await analyzer.analyze(data_or_fetch, caption, chat_key="telegram:-100123")
    report.verdict                                      # leekguard_types.Verdict for caption + image, or None
    await analyzer.close()

Pixel work (decode, hash, QR, OCR) runs in `images.workers` threads; the engine runs on the calling loop.
At most `images.queue_size` images are admitted at once (downloading, waiting or being analysed); one
more is not queued but skipped at once with rejected="queue_full", so a flood of pictures costs at most
queue_size x max_bytes of memory and never delays text messages. Pass an async `fetch()` instead of bytes
and the download happens only after admission.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Union

from detectors.images import combine, textcues
from detectors.images.loading import load_image
from detectors.images.poster_hash import PosterHash, PosterIndex, poster_hash
from detectors.images.qr import classify_payload, decode_qr
from detectors.images.report import ImageReport
from detectors.images.settings import ImageSettings, missing_extras
from leekguard_types import ImageRejected, Verdict

log = logging.getLogger(__name__)

ImageSource = Union[bytes, bytearray, memoryview, Callable[[], Awaitable[bytes]]]


@dataclass
class _PixelResult:
    rejected: ImageRejected | None = None
    format: str = ""
    width: int = 0
    height: int = 0
    animated: bool = False
    qr: tuple[str, ...] = ()  # raw payloads; classified on the loop, with the engine's link checker
    ocr_text: str = ""
    hash: PosterHash | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def analyse_pixels(data: bytes, settings: ImageSettings, do_ocr: bool) -> _PixelResult:
    """Decode, hash, QR, OCR: the CPU-bound part, for a worker thread. Never raises."""
    res = _PixelResult()
    t0 = time.perf_counter()
    try:
        loaded = load_image(bytes(data), settings)
    except ImageRejected as e:
        res.rejected = e
        return res
    except Exception as e:  # a decoder bug on a hostile file is still a bad file, not our crash
        res.rejected = ImageRejected("corrupt", f"{type(e).__name__}: {e}")
        return res
    finally:
        res.timings["load"] = time.perf_counter() - t0
    res.format, res.width, res.height = loaded.format, loaded.width, loaded.height
    res.animated = loaded.frames is None
    res.notes.extend(loaded.notes)
    img = loaded.image

    t = time.perf_counter()
    try:
        res.hash = poster_hash(img)
    except Exception as e:
        res.notes.append(f"poster hash failed: {type(e).__name__}: {e}")
        log.warning("poster hash failed", exc_info=True)
    res.timings["hash"] = time.perf_counter() - t

    t = time.perf_counter()
    try:
        res.qr = tuple(decode_qr(img))
    except Exception as e:
        res.notes.append(f"QR decoding failed: {type(e).__name__}: {e}")
        log.warning("QR decoding failed", exc_info=True)
    res.timings["qr"] = time.perf_counter() - t

    if do_ocr:
        t = time.perf_counter()
        try:
            from detectors.images.ocr import read_text

            res.ocr_text = read_text(img, settings.ocr_threads).text
        except Exception as e:
            res.notes.append(f"poster text (OCR) failed: {type(e).__name__}: {e}")
            log.warning("OCR failed", exc_info=True)
        res.timings["ocr"] = time.perf_counter() - t
    return res


class ImageAnalyzer:
    def __init__(self, engine: Any, config: Any = None, *, posters: PosterIndex | None = None) -> None:
        self.engine = engine
        self.settings = ImageSettings.from_config(config)
        self.posters = posters if posters is not None else PosterIndex(self.settings.poster_max_distance)
        self.missing = missing_extras()
        self.stats: Counter[str] = Counter()  # analysed, rejected:<reason>
        self._executor: ThreadPoolExecutor | None = None
        self._admitted = 0
        self._lock = threading.Lock()  # _admitted is released from worker threads' done-callbacks

    # ---- intake ----
    @property
    def pending(self) -> int:
        """Images admitted and not finished (downloading, waiting for a worker, or being analysed)."""
        return self._admitted

    def has_capacity(self) -> bool:
        return self._admitted < self.settings.queue_size

    def _admit(self) -> bool:
        with self._lock:
            if self._admitted >= self.settings.queue_size:
                return False
            self._admitted += 1
            return True

    def _release(self, *_: object) -> None:
        with self._lock:
            self._admitted -= 1

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="leekguard-image")
        return self._executor

    # ---- life cycle ----
    async def warm_up(self) -> None:
        """Import the image libraries and load the OCR models in every worker thread now, so the first
        poster is not two seconds late."""
        if self.missing:
            return
        textcues.hype_spotter(self.engine)
        barrier = threading.Barrier(self.settings.workers, timeout=60)

        def one() -> None:
            from PIL import Image

            tiny = Image.new("RGB", (64, 64), "white")
            poster_hash(tiny)
            decode_qr(tiny)
            if self.settings.ocr:
                from detectors.images.ocr import warm_up

                warm_up(self.settings.ocr_threads)
            try:
                barrier.wait()  # keeps this thread busy so the next warm-up lands on another worker
            except threading.BrokenBarrierError:
                pass

        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool(), one) for _ in range(self.settings.workers)))

    async def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def __aenter__(self) -> ImageAnalyzer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- analysis ----
    async def analyze(self, image: ImageSource, caption: str = "", *, chat_key: str | None = None,
                      reply_to_text: str | None = None, ocr: bool | None = None) -> ImageReport:
        """Analyse one image (bytes, or an async fetch() returning bytes) with its caption. Never raises
        for bad input: a refused or skipped image comes back with `rejected` set and the caption's verdict."""
        caption = caption or ""
        if self.missing:
            return self._rejected(ImageRejected("extra_missing", ", ".join(self.missing)), caption, chat_key, reply_to_text)
        if not self._admit():
            return self._rejected(ImageRejected("queue_full", f"{self.settings.queue_size} images already admitted"),
                                  caption, chat_key, reply_to_text)
        t0 = time.perf_counter()
        released = False
        try:
            try:
                data = await image() if callable(image) else image
            except ImageRejected as e:  # fetch() refused it itself (declared size over the limit, ...)
                return self._rejected(e, caption, chat_key, reply_to_text)
            except Exception as e:  # the type only: a download error's text can hold a token-bearing URL
                return self._rejected(ImageRejected("fetch_failed", type(e).__name__), caption, chat_key,
                                      reply_to_text)
            do_ocr = self.settings.ocr if ocr is None else ocr
            cfut = self._pool().submit(analyse_pixels, data, self.settings, do_ocr)
            del data  # drop our reference: the worker holds it while it needs it
            # Release the slot when the WORK ends, not when our await ends: a cancelled caller must not
            # let more images in while its picture is still being decoded.
            cfut.add_done_callback(self._release)
            released = True
            px = await asyncio.wrap_future(cfut)
        finally:
            if not released:
                self._release()
        if px.rejected is not None:
            return self._rejected(px.rejected, caption, chat_key, reply_to_text, px.timings)
        report = self._judge(px, caption, chat_key, reply_to_text)
        report.timings["total"] = time.perf_counter() - t0
        self.stats["analysed"] += 1
        return report

    def _judge(self, px: _PixelResult, caption: str, chat_key: str | None, reply_to_text: str | None) -> ImageReport:
        t = time.perf_counter()
        lookalike = textcues.lookalike_checker(self.engine)
        payloads = tuple(classify_payload(p, lookalike) for p in px.qr)
        verdict, image_findings, match, error = None, (), None, None
        if px.hash is not None and len(self.posters):
            match = self.posters.match(px.hash, chat_key)
        if self.engine is not None:
            joined, segments = combine.join_segments(caption, px.ocr_text, combine.engine_view_of_qr(payloads))
            base = self._engine_verdict(joined, reply_to_text, chat_key)
            relabelled = combine.relabel(base.findings, segments)
            engine_scored_qr = any(f.origin == "image:qr" and f.score > 0 for f in relabelled)
            extra = combine.qr_findings(payloads, score_lookalike=not engine_scored_qr)
            countered = bool(combine.counter_evidence(relabelled))
            if payloads and not countered:
                spotter = textcues.hype_spotter(self.engine)
                cues = {"text": spotter.cues(caption), "image:ocr": spotter.cues(px.ocr_text)}
                patterns = combine.hype_findings(relabelled)
                if patterns or any(c.is_hype for c in cues.values()):
                    extra.append(combine.qr_with_hype_finding(payloads, cues, patterns))
            if match is not None:
                extra.append(combine.poster_match_finding(match))
            thresholds = combine.thresholds_of(self.engine)
            with_floors = [(f, combine.floor_for(f, payloads, thresholds, countered)) for f in extra]
            failures = [n for n in px.notes if "failed" in n]
            error = "; ".join(failures) or None
            verdict = combine.final_verdict(base, relabelled, with_floors, thresholds, error)
            image_findings = verdict.findings[len(relabelled):]
        px.timings["engine"] = time.perf_counter() - t
        return ImageReport(
            verdict=verdict, format=px.format, width=px.width, height=px.height, animated=px.animated,
            qr=payloads, ocr_text=px.ocr_text, poster_hash=px.hash, poster_match=match,
            image_findings=image_findings, notes=tuple(px.notes), timings=dict(px.timings),
        )

    def _engine_verdict(self, text: str, reply_to_text: str | None, chat_key: str | None) -> Verdict:
        try:
            return self.engine.analyze(text, reply_to_text=reply_to_text, chat_key=chat_key)
        except Exception as e:  # the engine promises not to raise; if it does, the image is still reported
            log.exception("engine failed on image text")
            return Verdict("clean", 0.0, (), (), "", "en", error=f"engine failed: {type(e).__name__}: {e}")

    def _rejected(self, why: ImageRejected, caption: str, chat_key: str | None, reply_to_text: str | None,
                  timings: dict[str, float] | None = None) -> ImageReport:
        self.stats[f"rejected:{why.reason}"] += 1
        log.info("image not analysed: %s", why)  # the reason only: never the bytes, never a token-bearing URL
        verdict = self._engine_verdict(caption, reply_to_text, chat_key) if self.engine is not None else None
        return ImageReport(verdict=verdict, rejected=why.reason, rejected_detail=why.detail,
                           notes=(f"image not analysed: {why.explanation}",), timings=dict(timings or {}))
