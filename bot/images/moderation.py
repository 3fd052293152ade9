"""Pictures in chat messages: analysed in the background, after the message's text was handled.

    images = await ImageChecks.open(config, engine)   # None when image checks are off (the log says why)
    moderator = Moderator(..., images=images)         # bot.runner.Services does this
    # Moderator.handle(msg) calls images.schedule(moderator, msg, outcome) for a message with images
    await images.reviewed(incident_id, "confirmed")   # /review, buttons; the CLI uses review_posters()
    await images.refresh()                            # every minute: posters confirmed from the CLI
    await images.close()

Why in the background: a download plus OCR takes about a second per poster, and the next message's text
must not wait for it. Bounded: at most images.queue_size images at once (ImageAnalyzer's intake); one more
is skipped with a logged reason, as is an image whose declared size is over images.max_bytes.

Fetching is the adapter's job (the only code that talks to the platform): its executor has
    async def fetch_image(self, msg: Message, image: ImageRef, max_bytes: int) -> bytes
(Telegram: getFile + download; Discord: Attachment.read()). An adapter without it (the console) gets no
image checks, said once in the log.

When the picture makes the verdict worse than the text alone (a QR code next to hype, poster text, a copy of
a poster already confirmed as a scam), the Moderator acts again under the same message id: the store updates
the incident, and the warning says what the picture held. The hash of every analysed picture of a message
that has an incident is remembered with that incident's id; confirming the incident makes its copies known.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Coroutine

from bot.pipeline import Moderator, Outcome
from bot.policy import LABEL_RANK
from bot.texts import t, to_traditional
from detectors.images.settings import ImageSettings, image_support_status, images_available
from leekguard_types import ImageRef, Message

if TYPE_CHECKING:
    from bot.images.posters import PosterStore
    from detectors.images.analyzer import ImageAnalyzer
    from detectors.images.report import ImageReport

log = logging.getLogger(__name__)

Fetch = Callable[[Message, ImageRef, int], Awaitable[bytes]]
SHUTDOWN_GRACE = 5.0  # seconds an analysis under way may take to finish (and record) when the bot stops
OCR_QUOTE_CHARS = 80


class ImageChecks:
    """One per process: the ImageAnalyzer, the known scam posters, and the analyses under way."""

    def __init__(self, analyzer: ImageAnalyzer, posters: PosterStore | None, *, owns_analyzer: bool = True) -> None:
        self.analyzer = analyzer
        self.settings: ImageSettings = analyzer.settings
        self.index = analyzer.posters  # confirmed scam posters, matched by the analyzer
        self.posters = posters  # their table in the incident DB (None: it could not be opened)
        self.stats: Counter[str] = Counter()  # scheduled, skipped:<why>, escalated, remembered, failed
        self._owns_analyzer = owns_analyzer
        self._tasks: set[asyncio.Task] = set()  # every background task (the warm-up too)
        self._checks: set[asyncio.Task] = set()  # those checking a message's pictures
        self._no_fetch: set[str] = set()  # platforms already logged as unable to fetch images
        self._known = len(self.index)

    @classmethod
    async def open(cls, config: Any, engine: Any, *, analyzer: ImageAnalyzer | None = None,
                   warm_up: bool = True) -> ImageChecks | None:
        """Log whether image checks are on (and why not); when on, load the confirmed posters of the incident
        DB and start loading the OCR models. `analyzer`: reuse one (tests); it gets this DB's posters."""
        log.info("%s", image_support_status(config))
        if not images_available(config):
            return None
        from bot.images.posters import PosterStore
        from detectors.images.analyzer import ImageAnalyzer
        from detectors.images.poster_hash import PosterIndex

        settings = ImageSettings.from_config(config)
        index = PosterIndex(settings.poster_max_distance)
        posters = None
        try:
            posters = await PosterStore.open(config.database)
            await posters.load_index(index)
        except Exception as exc:  # images are still checked; copies of confirmed posters are not recognised
            log.error("known scam posters not loaded from the incident DB: %s", exc)
            if posters is not None:
                await posters.close()
                posters = None
        owns = analyzer is None
        if analyzer is None:
            analyzer = ImageAnalyzer(engine, settings, posters=index)
        else:
            analyzer.posters = index
        checks = cls(analyzer, posters, owns_analyzer=owns)
        if warm_up:
            checks._spawn(analyzer.warm_up(), "image-warm-up", check=False)
        return checks

    # ---- intake ----

    @property
    def pending(self) -> int:
        """Messages whose pictures are being fetched or analysed."""
        return len(self._checks)

    def schedule(self, moderator: Moderator, msg: Message, outcome: Outcome) -> bool:
        """Start checking msg.images in the background; False (and a logged reason) when they are skipped."""
        where = f"{msg.platform}:{msg.chat_id}/{msg.message_id}"
        fetch: Fetch | None = getattr(moderator.executor, "fetch_image", None)
        if fetch is None:
            if msg.platform not in self._no_fetch:
                self._no_fetch.add(msg.platform)
                log.info("images from %s are not checked: its adapter cannot fetch them", msg.platform)
            return self._skip("no_fetch")
        if not self.analyzer.has_capacity() or len(self._checks) >= self.settings.queue_size:
            log.warning("image of %s not checked: %d images already being analysed (images.queue_size)",
                        where, self.settings.queue_size)
            return self._skip("queue_full")
        wanted = []
        for image in msg.images:
            if image.size is not None and image.size > self.settings.max_bytes:
                log.info("image of %s not checked: %d bytes, over images.max_bytes (%d)", where, image.size,
                         self.settings.max_bytes)
                self._skip("too_large")
            else:
                wanted.append(image)
        if not wanted:
            return False
        self.stats["scheduled"] += 1
        self._spawn(self._check(moderator, msg, outcome, wanted, fetch), f"image:{where}")
        return True

    def _skip(self, why: str) -> bool:
        self.stats[f"skipped:{why}"] += 1
        return False

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str, *, check: bool = True) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        if check:
            self._checks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self._checks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.stats["failed"] += 1
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def idle(self, timeout: float | None = None) -> None:
        """Wait until every analysis started so far has finished (tests, shutdown)."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    # ---- one message ----

    async def _check(self, moderator: Moderator, msg: Message, text_outcome: Outcome, images: list[ImageRef],
                     fetch: Fetch) -> None:
        chat_key = f"{msg.platform}:{msg.chat_id}"
        reports = []
        for image in images:  # one at a time: a ten-picture message takes one intake slot, not ten
            report = await self.analyzer.analyze(self._fetcher(fetch, msg, image), msg.text, chat_key=chat_key,
                                                 reply_to_text=msg.reply_to_text)
            if report.analysed and report.verdict is not None:
                reports.append(report)
        if not reports:
            return
        worst = max(reports, key=lambda r: (LABEL_RANK[r.verdict.label], r.verdict.score))
        outcome = await moderator.handle_image_verdict(msg, worst.verdict, text_outcome,
                                                       lambda lang: image_lines(worst, lang), advert_key(worst))
        if outcome is not None:
            self.stats["escalated"] += 1
            log.info("image of %s/%s: %s (%.2f), %s", chat_key, msg.message_id, outcome.label,
                     worst.verdict.score, worst.summary("en"))
        decided = outcome if outcome is not None else text_outcome
        if decided.incident_id is not None:
            await self._remember(decided, chat_key, reports)

    def _fetcher(self, fetch: Fetch, msg: Message, image: ImageRef) -> Callable[[], Awaitable[bytes]]:
        max_bytes = self.settings.max_bytes

        async def run() -> bytes:  # called by the analyzer once the picture is admitted
            from leekguard_types import ImageRejected

            data = await fetch(msg, image, max_bytes)
            if len(data) > max_bytes:
                raise ImageRejected("too_large", f"{len(data)} bytes, limit {max_bytes}")
            return bytes(data)

        return run

    async def _remember(self, outcome: Outcome, chat_key: str, reports: list[ImageReport]) -> None:
        if self.posters is None:
            return
        categories = outcome.verdict.categories if outcome.verdict else ()
        category = categories[0] if categories else "group_recruiting"
        try:
            for report in reports:
                if report.poster_hash is not None:
                    await self.posters.remember(outcome.incident_id, chat_key, report.poster_hash, category)
                    self.stats["remembered"] += 1
        except Exception:  # the incident and its actions stand; only the poster's future matching is lost
            log.exception("poster hash of incident %s not remembered", outcome.incident_id)

    # ---- reviews and refreshes ----

    async def reviewed(self, incident_id: int, state: str) -> int:
        """An admin confirmed ("confirmed"), dismissed or reopened an incident: its posters are matched from
        now on only if confirmed. Returns the number of poster hashes of the incident."""
        if self.posters is None:
            return 0
        n = await self.posters.set_confirmed(incident_id, state == "confirmed", self.index)
        self._known = len(self.index)
        return n

    async def refresh(self) -> None:
        """Reload the confirmed posters (reviews from the CLI change the DB, not this process)."""
        if self.posters is None:
            return
        known = await self.posters.confirmed()
        self.index.replace_all(known)
        if len(known) != self._known:
            log.info("known scam posters: %d", len(known))
            self._known = len(known)

    async def close(self) -> None:
        """Let analyses under way finish for a moment (their incidents get recorded), then stop."""
        try:
            await self.idle(SHUTDOWN_GRACE)
        except TimeoutError:
            log.warning("%d image check(s) cut short by shutdown", len(self._checks))
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_analyzer:
            await self.analyzer.close()
        if self.posters is not None:
            await self.posters.close()


def advert_key(report: ImageReport) -> str:
    """Caption and picture as one advert for the burst memory: the same poster with the same caption again
    is a repeat (acted on silently), the caption alone or another picture is not."""
    picture = report.poster_hash.hex() if report.poster_hash is not None else report.qr_text + report.ocr_text
    return hashlib.sha256(f"{report.verdict.text_hash}|{picture}".encode()).hexdigest()


def image_lines(report: ImageReport, lang: str) -> list[str]:
    """What the picture held, for the warning and the admin notice."""
    zh = lang.startswith("zh")
    lines = []
    match = report.poster_match
    if match is not None:
        where = t("image.where.same" if match.same_chat else "image.where.other", lang)
        lines.append(t("image.poster_match", lang, where=where, id=match.incident_id or "?"))
    if report.qr:
        kinds = "、".join(p.description[1] for p in report.qr) if zh else ", ".join(p.description[0] for p in report.qr)
        lines.append(t("image.qr", lang, kinds=to_traditional(kinds) if lang == "zh-Hant" else kinds))
    if report.ocr_text and any(f.origin == "image:ocr" and f.score > 0 for f in report.verdict.findings):
        text = " ".join(report.ocr_text.split())
        text = text if len(text) <= OCR_QUOTE_CHARS else text[:OCR_QUOTE_CHARS - 1] + "…"
        lines.append(t("image.text", lang, text=text))
    return lines


async def review_posters(database: str | Path, incident_id: int, state: str) -> int:
    """`leekguard incidents review`: the poster bookkeeping the bot's /review does, on the DB file (a running
    bot picks the change up on its next refresh). Returns the number of poster hashes of the incident."""
    if not Path(database).is_file():
        return 0
    from bot.images.posters import PosterStore

    posters = await PosterStore.open(database)
    try:
        return await posters.set_confirmed(incident_id, state == "confirmed")
    finally:
        await posters.close()
