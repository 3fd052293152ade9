"""Pictures in the pipeline (bot/images/moderation.py) as a chat transcript: the real engine and ImageAnalyzer
(OCR off: these pictures carry no text; the adapters' tests read real posters), a recording executor that
hands out picture bytes, a real store. Also: reviews reaching the engine and the posters, from the bot and
from the CLI.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import aiosqlite
import pytest
from click.testing import CliRunner
from PIL import Image

from bot.chat_settings import ChatSettingsService
from bot.commands import Commands
from bot.config import Config
from bot.images.moderation import ImageChecks
from bot.learning import load_learned
from bot.pipeline import Moderator
from bot.policy import BurstMemory
from bot.runner import Services, keep_in_step
from bot.store.service import IncidentStore
from cli.main import main as cli
from detectors.images import ImageAnalyzer, ImageSettings
from detectors.images.poster_hash import PosterIndex
from fake_platforms.posters import MENU_CAPTION, MENU_QR, SCAM_QR, qr_image, recoloured_resized, scam_poster, to_bytes
from leekguard_types import Author, ImageRef, Message
from tests.support.bot_core import FixedEngine, RecordingExecutor, real_engine
from tests.support.captions import hype_caption

HYPE = hype_caption()  # suspicious on its own words (see fake_platforms/posters.py)
SETTINGS = ImageSettings(enabled=True, queue_size=4, workers=1, ocr=False)


def qr_picture(payload: str) -> bytes:
    img = Image.new("RGB", (800, 800), (250, 250, 245))
    img.paste(qr_image(payload, 500), (150, 150))
    return to_bytes(img, "PNG")


PICTURES = {
    "scam-qr": qr_picture(SCAM_QR),
    "menu-qr": qr_picture(MENU_QR),
    "poster": to_bytes(scam_poster(), "JPEG", quality=85),
    "copy": to_bytes(recoloured_resized(scam_poster()), "JPEG", quality=80),
}


@dataclass
class PictureExecutor(RecordingExecutor):
    """Also fetches pictures, by ImageRef.ref, optionally holding every download until `gate` is set."""

    gate: asyncio.Event | None = None
    fetched: list[str] = field(default_factory=list)

    async def fetch_image(self, msg: Message, image: ImageRef, max_bytes: int) -> bytes:
        self.fetched.append(image.ref)
        if self.gate is not None:
            await self.gate.wait()
        return PICTURES[image.ref]


@pytest.fixture(scope="module")
def analyzer():
    a = ImageAnalyzer(real_engine(), SETTINGS, posters=PosterIndex(SETTINGS.poster_max_distance))
    yield a
    asyncio.run(a.close())


@pytest.fixture
async def store(tmp_path):
    store = await IncidentStore.open(tmp_path / "lg.db")
    yield store
    await store.close()


@pytest.fixture
async def images(tmp_path, store, analyzer):
    config = Config.model_validate({"database": str(tmp_path / "lg.db"), "images": {"enabled": True}})
    checks = await ImageChecks.open(config, real_engine(), analyzer=analyzer, warm_up=False)
    yield checks
    await checks.close()


class Group:
    """A chat with pictures: `post` sends a caption with pictures, `settle` waits for the image checks."""

    def __init__(self, store, images, chat_id: str = "-100", platform: str = "telegram",
                 executor: RecordingExecutor | None = None) -> None:
        self.config = Config()
        self.executor = executor if executor is not None else PictureExecutor()
        settings = ChatSettingsService(self.config, store)
        self.moderator = Moderator(real_engine(), store, self.config, self.executor, chat_settings=settings,
                                   burst=BurstMemory(), images=images)
        self.teacher = FixedEngine()  # what reviews teach goes here, not into the shared real engine
        self.commands = Commands(self.teacher, store, self.config, settings, images=images)
        self.images, self.platform, self.chat_id = images, platform, chat_id
        self._ids = 0

    async def post(self, author: str, text: str, *pictures: str, size: int | None = None):
        self._ids += 1
        msg = Message(platform=self.platform, chat_id=self.chat_id, message_id=str(self._ids),
                      author=Author(id=author, name=author), text=text, chat_title="Group",
                      images=tuple(ImageRef(ref=p, size=size or len(PICTURES[p]), mime="image/png") for p in pictures))
        return await self.moderator.handle(msg)

    async def settle(self) -> None:
        await self.images.idle(timeout=20)

    def kinds(self) -> list[str]:
        return [d.action.kind for d in self.executor.pop()]

    async def review(self, incident_id: int, decision: str) -> None:
        from bot.commands import CommandContext

        ctx = CommandContext(self.platform, self.chat_id, Author(id="admin", name="admin"), is_admin=True)
        await self.commands.dispatch(ctx, f"/review {incident_id} {decision}")


async def poster_rows(db) -> list[tuple]:
    async with aiosqlite.connect(db) as conn:
        async with conn.execute("SELECT incident_id, chat_key, confirmed FROM poster_hashes ORDER BY id") as cur:
            return [tuple(r) for r in await cur.fetchall()]


async def test_a_qr_code_next_to_hype_turns_a_suspicious_caption_into_a_warned_scam(store, images, tmp_path):
    group = Group(store, images)
    text = await group.post("alice", HYPE, "scam-qr")
    assert text.label == "suspicious" and group.kinds() == ["notify_admins"]  # the words alone: admins only
    await group.settle()
    warn, notice = group.executor.pop()
    assert (warn.action.kind, notice.action.kind) == ("warn", "notify_admins")
    assert "图片中的二维码：微信联系人或公众号" in warn.reply.text  # says what the picture held
    assert warn.reply.text.index("图片中的二维码") < warn.reply.text.index("请勿付款")  # before the advice
    assert "图片中的二维码" in notice.reply.text and warn.incident_id == text.incident_id
    [incident] = await store.list()  # the same incident, updated to the combined verdict
    assert incident.id == text.incident_id and incident.verdict == "scam"
    assert "image.qr_with_hype" in {f["rule"] for f in incident.findings}
    assert [r["action"] for r in incident.action_results] == ["warn", "notify_admins"]
    assert await poster_rows(tmp_path / "lg.db") == [(incident.id, "telegram:-100", 0)]  # kept, not yet trusted


async def test_a_picture_that_adds_nothing_changes_nothing(store, images, tmp_path):
    group = Group(store, images)
    assert (await group.post("bob", MENU_CAPTION, "menu-qr")).label == "clean"
    assert (await group.post("bob", "", "menu-qr")).label == "clean"  # a picture without a caption
    await group.settle()
    assert group.kinds() == [] and await store.list() == []
    assert group.executor.fetched == ["menu-qr", "menu-qr"]  # both were looked at
    assert await poster_rows(tmp_path / "lg.db") == []  # no incident, nothing to remember


async def test_a_copy_of_a_confirmed_poster_is_flagged_in_another_chat_until_dismissed(store, images):
    here = Group(store, images)
    first = await here.post("alice", HYPE, "poster")
    await here.settle()
    copy_elsewhere = Group(store, images, chat_id="-200")
    assert (await copy_elsewhere.post("carol", "看图", "copy")).label == "clean"
    await copy_elsewhere.settle()
    assert copy_elsewhere.kinds() == []  # not confirmed yet: the bot's own guess is no proof

    await here.review(first.incident_id, "confirm")
    await copy_elsewhere.post("carol", "看图", "copy")
    await copy_elsewhere.settle()
    warn, _ = copy_elsewhere.executor.pop()
    assert f"图片与其他群已确认的诈骗海报相同（事件 #{first.incident_id}）" in warn.reply.text
    assert here.teacher.learned == [(HYPE, "scam")]  # the review taught the caption once

    await here.review(first.incident_id, "dismiss")
    await copy_elsewhere.post("dave", "看图", "copy")
    await copy_elsewhere.settle()
    assert copy_elsewhere.kinds() == []


async def test_text_is_answered_while_a_picture_is_still_being_fetched(store, images):
    executor = PictureExecutor(gate=asyncio.Event())
    group = Group(store, images, executor=executor)
    await group.post("alice", HYPE, "scam-qr")
    assert group.kinds() == ["notify_admins"]
    outcome = await asyncio.wait_for(group.post("bob", "出售Sora内测账号，只要299，加V私聊"), 2)
    assert outcome.label == "scam" and group.kinds() == ["warn", "notify_admins"]  # not held up
    assert images.pending == 1 and images.analyzer.pending == 1
    executor.gate.set()
    await group.settle()
    assert group.kinds() == ["warn", "notify_admins"] and images.pending == 0


async def test_pictures_over_the_limits_are_skipped_with_a_reason(store, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.images.moderation")
    small = ImageSettings(enabled=True, queue_size=1, workers=1, ocr=False, max_bytes=1_000_000)
    analyzer = ImageAnalyzer(real_engine(), small, posters=PosterIndex(small.poster_max_distance))
    images = ImageChecks(analyzer, None)
    executor = PictureExecutor(gate=asyncio.Event())
    group = Group(store, images, executor=executor)
    try:
        await group.post("alice", HYPE, "scam-qr", size=5_000_000)
        assert "over images.max_bytes" in caplog.text and executor.fetched == []
        await group.post("alice", HYPE, "scam-qr")
        await asyncio.sleep(0.05)  # admitted, and waiting for its download
        await group.post("bob", HYPE, "scam-qr")
        assert "already being analysed" in caplog.text and images.stats["skipped:queue_full"] == 1
        executor.gate.set()
        await group.settle()
        assert executor.fetched == ["scam-qr"]
    finally:
        executor.gate.set()
        await images.close()


async def test_an_adapter_that_cannot_fetch_pictures_says_so_once(store, images, caplog):
    caplog.set_level(logging.INFO, logger="bot.images.moderation")
    group = Group(store, images, executor=RecordingExecutor())
    await group.post("alice", HYPE, "scam-qr")
    await group.post("alice", HYPE, "scam-qr")
    assert caplog.text.count("its adapter cannot fetch them") == 1
    assert images.stats["skipped:no_fetch"] == 2 and images.pending == 0


async def test_start_up_says_why_image_checks_are_off(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.images.moderation")
    config = Config.model_validate({"database": str(tmp_path / "lg.db")})
    assert await ImageChecks.open(config, real_engine()) is None
    assert "image checks: off (images.enabled is false in the configuration" in caplog.text


# ---- reviews made elsewhere reach the running bot ----

async def test_samples_learned_from_the_cli_reach_a_running_bot(tmp_path, store):
    engine = FixedEngine()
    services = Services(config=Config(), engine=engine, store=store, chat_settings=ChatSettingsService(Config(), store),
                        learning=await load_learned(engine, store))
    refresher = asyncio.create_task(keep_in_step(services, every=0.05))
    try:
        cli_store = await IncidentStore.open(tmp_path / "lg.db", busy_timeout_ms=5000)
        await cli_store.add_sample("GPT-5 内测资格 限时 49 元", "scam", by="cli")
        await cli_store.close()
        for _ in range(100):
            if engine.learned:
                break
            await asyncio.sleep(0.02)
        assert engine.learned == [("GPT-5 内测资格 限时 49 元", "scam")]
        await asyncio.sleep(0.15)  # more refreshes: applied once
        assert len(engine.learned) == 1
    finally:
        refresher.cancel()


async def test_cli_review_confirms_the_posters_of_an_incident(tmp_path, store, images):
    group = Group(store, images)
    outcome = await group.post("alice", HYPE, "poster")
    await group.settle()
    db = str(tmp_path / "lg.db")
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["incidents", "review", str(outcome.incident_id),
                                                                "confirm", "--db", db, "--no-learn"])
    assert result.exit_code == 0, result.output
    assert "1 poster(s) of this incident will be recognised when posted again" in result.output
    assert await poster_rows(db) == [(outcome.incident_id, "telegram:-100", 1)]
    await images.refresh()  # what the bot does every minute
    copy = Group(store, images, chat_id="-300")
    await copy.post("carol", "", "copy")
    await copy.settle()
    assert copy.kinds() == ["warn", "notify_admins"]

