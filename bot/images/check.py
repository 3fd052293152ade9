"""`leekguard check --image FILE [--caption TEXT] [--json]`: the image half, called by cli/check.py.

    verdict, report = await check_image(path, caption, engine, lang, config=config, database=config.database)
    print(format_image_report(report, lang))     # or: json.dumps(report.to_dict())  (the image's own details)

Also used for photos that a chat export includes (`leekguard scan`): `file_fetcher(path, max_bytes)` gives
ImageAnalyzer.analyze() a fetch that refuses an oversized file without reading it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Awaitable, Callable

from detectors.images.poster_hash import PosterIndex
from detectors.images.report import ImageReport
from detectors.images.settings import ImageSettings, missing_extras
from leekguard_types import Verdict

log = logging.getLogger(__name__)


def file_fetcher(path: str | Path, max_bytes: int) -> Callable[[], Awaitable[bytes]]:
    """An async fetch() for ImageAnalyzer.analyze: checks the size before reading a byte."""
    from leekguard_types import ImageRejected

    async def fetch() -> bytes:
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError as e:
            raise ImageRejected("fetch_failed", f"cannot read {p.name}: {e.strerror}") from None
        if size > max_bytes:
            raise ImageRejected("too_large", f"{size} bytes, limit {max_bytes}")
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
        if len(data) > max_bytes:
            raise ImageRejected("too_large", f"more than {max_bytes} bytes")
        return data

    return fetch


async def check_image(path: str | Path, caption: str | None, engine: Any, lang: str = "zh-Hans", *,
                      config: Any = None, database: str | os.PathLike | None = None) -> tuple[Verdict, ImageReport]:
    """Analyse one image file with its caption, as the bot would. Never raises for a bad file.

    `config`: bot.config.Config (its images section sets the limits; images.enabled is not required here,
    the user asked for this check). `database`: the incident DB; when it exists, confirmed scam posters in it
    are matched. `lang` only sets the language of the logged summary: the warning is rendered by the caller.
    """
    from detectors.images.analyzer import ImageAnalyzer

    settings = ImageSettings.from_config(config)
    index = await known_posters(database, settings)
    async with ImageAnalyzer(engine, settings, posters=index) as analyzer:
        report = await analyzer.analyze(file_fetcher(path, settings.max_bytes), caption or "")
    log.info("%s: %s", Path(path).name, report.summary(lang))
    verdict = report.verdict if report.verdict is not None else engine.analyze(caption or "")
    return verdict, report


async def known_posters(database: str | os.PathLike | None, settings: ImageSettings) -> PosterIndex:
    """The confirmed scam posters of an incident DB (empty when there is none or it cannot be read)."""
    from detectors.images.poster_hash import PosterIndex

    index = PosterIndex(settings.poster_max_distance)
    from bot.store.dburl import is_postgres_url, redact

    if database and (is_postgres_url(database) or Path(database).is_file()) and not missing_extras():
        from bot.images.posters import PosterStore

        try:
            store = await PosterStore.open(database)
            try:
                await store.load_index(index)
            finally:
                await store.close()
        except Exception as e:  # an unreadable DB must not stop the check itself
            log.warning("known posters not loaded from %s: %s", redact(str(database)), e)
    return index


def format_image_report(report: ImageReport, lang: str = "zh-Hans") -> str:
    """Plain-text lines about the image for the terminal (the verdict and warning are printed by the caller)."""
    zh = lang.startswith("zh")
    lines = [("图片：" if zh else "image: ") + report.summary(lang)]
    if report.analysed:
        anim = (" 动图" if zh else " animated") if report.animated else ""
        lines.append(f"  {report.format} {report.width}x{report.height}{anim}")
    for p in report.qr:
        en, zh_desc = p.description
        lines.append(f"  {'二维码' if zh else 'QR'}: {p.text}  [{zh_desc if zh else en}]")
    if report.ocr_text:
        lines.append("  " + ("海报文字：" if zh else "poster text: ") + report.ocr_text.replace("\n", " / "))
    if report.poster_hash is not None:
        lines.append(f"  {'海报指纹' if zh else 'poster hash'}: {report.poster_hash.hex()}")
    for note in report.notes:
        lines.append(f"  {'注意' if zh else 'note'}: {note}")
    if report.timings:
        t = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in report.timings.items())
        lines.append(f"  {'耗时' if zh else 'time'}: {t}")
    return "\n".join(lines)
