"""`leekguard scan --images`: the photos an export includes, analysed the way `leekguard check --image` does
(bot/images/check.py: file_fetcher within images.max_bytes, the confirmed posters of the incident DB).

    images = await ExportImages.open(config, engine)
    result = await images.apply(result)     # ScanResult; its verdict becomes caption + photo when that is worse
    print(images.describe()); await images.close()

Photos are read from disk only: Telegram Desktop saves them beside result.json (the reader already joins
the path), other formats name them relative to the export file. A URL (DiscordChatExporter without
--media) is not downloaded; it is counted and said. One photo at a time, in input order.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.images.check import file_fetcher, known_posters
from bot.policy import LABEL_RANK
from bot.scan.scanner import ScanResult, chat_key
from detectors.images.settings import ImageSettings

log = logging.getLogger(__name__)


def photo_path(ref: str, source: str) -> Path | None:
    """Where a photo of an export is on disk (None: a URL). As given first, else beside the export file."""
    if "://" in ref:
        return None
    p = Path(ref)
    if p.is_absolute() or p.exists():
        return p
    return Path(os.path.dirname(source)) / p


class ExportImages:
    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer
        self.max_bytes = analyzer.settings.max_bytes
        self.counts: Counter[str] = Counter()  # analysed, flagged (by the photo), url, <rejected reason>

    @classmethod
    async def open(cls, config: Any, engine: Any) -> ExportImages:
        from detectors.images.analyzer import ImageAnalyzer

        settings = ImageSettings.from_config(config)
        return cls(ImageAnalyzer(engine, settings, posters=await known_posters(config.database, settings)))

    async def apply(self, result: ScanResult) -> ScanResult:
        rec = result.record
        if rec.service or not rec.photos:
            return result
        best = result
        caption = result.text or rec.text
        hashes = []
        for ref in rec.photos:
            path = photo_path(ref, rec.source)
            if path is None:
                self.counts["url"] += 1
                continue
            report = await self.analyzer.analyze(file_fetcher(path, self.max_bytes), caption,
                                                 chat_key=chat_key(rec), reply_to_text=result.reply_text)
            if not report.analysed or report.verdict is None:
                self.counts[report.rejected or "failed"] += 1
                log.info("%s, message %s: %s", rec.source, rec.message_id, report.summary("en"))
                continue
            self.counts["analysed"] += 1
            if report.poster_hash is not None:
                hashes.append(report.poster_hash)
            if _worse(report.verdict, best.verdict):
                best = ScanResult(rec, report.verdict, caption, result.reply_text)
        if best is not result and best.flagged and not result.flagged:
            self.counts["flagged"] += 1
        return replace(best, posters=tuple(hashes)) if hashes else best

    def describe(self) -> str:
        c = self.counts
        line = f"photos: {c['analysed']} analysed, {c['flagged']} message(s) flagged because of a photo"
        skipped = {k: n for k, n in c.items() if k not in ("analysed", "flagged")}
        if skipped:
            why = ", ".join(f"{n} {_SKIPPED.get(k, k)}" for k, n in sorted(skipped.items()))
            line += f"; not analysed: {why}"
        return line

    async def close(self) -> None:
        await self.analyzer.close()


_SKIPPED = {"url": "links (not downloaded)", "fetch_failed": "missing or unreadable", "too_large": "too large",
            "corrupt": "not readable images", "format_not_allowed": "not image formats we analyse",
            "too_many_pixels": "too many pixels", "empty": "empty"}


def _worse(verdict: Any, than: Any) -> bool:
    if than is None:
        return True
    return (LABEL_RANK[verdict.label], verdict.score) > (LABEL_RANK[than.label], than.score)
