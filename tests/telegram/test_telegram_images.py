"""Pictures on Telegram end to end: real python-telegram-bot downloads photos and image documents from the
fake Bot API server (getFile + file download), the real ImageAnalyzer reads them (QR codes, OCR, hashes).

OCR is the slow part (about half a second per poster), so the analyzer and its OCR models are made once
for the module and only two posters are read in full.
"""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image
from telegram import Message as TgMessage

from adapters.telegram.convert import images_of
from detectors.images import ImageAnalyzer, ImageSettings
from detectors.images.poster_hash import PosterIndex
from fake_platforms.posters import (
    MENU_CAPTION, NO_CJK_FONT_REASON, SCAM_QR, cjk_font_path, menu_poster, qr_image, scam_poster, to_bytes,
)
from fake_platforms.telegram_harness import running_bot, shared_engine
from tests.support.captions import hype_caption


GROUP_ID = -1004321
HYPE = hype_caption()  # suspicious on its own words (see fake_platforms/posters.py)
IMAGES = {"enabled": True}


@pytest.fixture(scope="module")
def analyzer():
    settings = ImageSettings(enabled=True, queue_size=8, workers=1)
    a = ImageAnalyzer(shared_engine(), settings, posters=PosterIndex(settings.poster_max_distance))
    asyncio.run(a.warm_up())  # OCR models loaded once for the module
    yield a
    asyncio.run(a.close())


@pytest.fixture
def world(server):
    group = server.add_chat(GROUP_ID, title="AI 副业交流群")
    users = {name: server.add_user(200 + i, name, username=name.lower()) for i, name in
             enumerate(["Alice", "Bob", "Carol"])}
    return group, users


def replies_to(server, message) -> list:
    return [c for c in server.sent_messages(GROUP_ID)
            if (c.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]]


def photo_of(server, img: Image.Image) -> list[dict]:
    """A photo as Telegram sends it: a small preview and the full picture."""
    small = img.copy()
    small.thumbnail((320, 320))
    return server.photo_sizes((to_bytes(small, "JPEG"), *small.size), (to_bytes(img, "JPEG", quality=85), *img.size))


async def test_a_scam_poster_photo_gets_a_warning_and_its_incident(server, world, analyzer, tmp_path):
    group, users = world
    async with running_bot(server, shared_engine(), tmp_path / "lg.db", images=IMAGES, analyzer=analyzer) as bot:
        photo = photo_of(server, scam_poster())
        post = server.push_message(group, users["Alice"], caption=HYPE, extra={"photo": photo})
        await server.wait_for_calls("sendMessage", 2, timeout=20)  # hint once, then the warning
        [warning] = [c for c in replies_to(server, post) if "LeekGuard提醒" in c.result["text"]]
        [incident] = await bot.incidents(GROUP_ID)

    text = warning.result["text"]
    assert "疑似诈骗" in text and "图片中的二维码：微信联系人或公众号" in text
    [get_file] = server.calls_of("getFile")
    assert get_file.params["file_id"] == photo[-1]["file_id"]  # the full picture, not the preview
    assert incident.verdict == "scam" and incident.message_id == str(post["message_id"])
    rules = {f["rule"] for f in incident.findings}
    assert "image.qr_with_hype" in rules
    assert [r["action"] for r in incident.action_results] == ["warn", "notify_admins"]
    if cjk_font_path() is None:
        pytest.skip(NO_CJK_FONT_REASON)
    assert "图片文字：" in text and "299" in text  # what the poster says, quoted
    assert any(f["origin"] == "image:ocr" and f["evidence"] for f in incident.findings)


async def test_a_restaurant_menu_qr_gets_nothing(server, world, analyzer, tmp_path):
    group, users = world
    async with running_bot(server, shared_engine(), tmp_path / "lg.db", images=IMAGES, analyzer=analyzer) as bot:
        server.push_message(group, users["Bob"], caption=MENU_CAPTION, extra={"photo": photo_of(server, menu_poster())})
        await server.wait_for_calls("getFile")
        await bot.services.images.idle(timeout=20)
        await server.wait_idle()
        assert server.sent_messages() == [] and await bot.store.list() == []
        assert bot.services.images.analyzer.stats["analysed"] >= 1


async def test_text_is_answered_while_an_image_document_is_being_analysed(server, world, analyzer, tmp_path):
    group, users = world
    img = Image.new("RGB", (800, 800), (250, 250, 245))
    img.paste(qr_image(SCAM_QR, 500), (150, 150))
    data = to_bytes(img, "PNG")
    document = {"file_id": server.add_file(data, "documents/poster.png"), "file_unique_id": "udoc1",
                "file_name": "poster.png", "mime_type": "image/png", "file_size": len(data)}
    server.file_gate = asyncio.Event()  # the picture's download waits until the text was answered
    async with running_bot(server, shared_engine(), tmp_path / "lg.db", images=IMAGES, analyzer=analyzer) as bot:
        post = server.push_message(group, users["Alice"], caption=HYPE, extra={"document": document})
        await server.wait_for_calls("getFile")
        scam = server.push_message(group, users["Bob"], "出售Sora内测账号，只要299，加V私聊")
        await server.wait_for_calls("sendMessage", where=lambda c: c in replies_to(server, scam) and
                                    "LeekGuard提醒" in c.result["text"])
        assert bot.services.images.pending == 1 and not any("LeekGuard提醒" in c.result["text"]
                                                           for c in replies_to(server, post))
        server.file_gate.set()
        await bot.services.images.idle(timeout=20)
        [warning] = [c for c in replies_to(server, post) if "LeekGuard提醒" in c.result["text"]]
        assert "图片中的二维码" in warning.result["text"]


def test_a_photo_is_read_at_its_largest_size_within_the_limit():
    sizes = [{"file_id": f"p{i}", "file_unique_id": f"u{i}", "width": w, "height": w, "file_size": n}
             for i, (w, n) in enumerate([(90, 2_000), (320, 30_000), (1280, 400_000)])]
    tg = TgMessage.de_json({"message_id": 1, "date": 0, "chat": {"id": GROUP_ID, "type": "supergroup"},
                            "photo": sizes}, None)
    assert images_of(tg)[0].ref == "p2"
    assert images_of(tg, max_bytes=100_000)[0].ref == "p1"
    assert images_of(tg, max_bytes=1_000)[0].ref == "p0"  # none fits: the smallest, which the pipeline skips
    doc = TgMessage.de_json({"message_id": 2, "date": 0, "chat": {"id": GROUP_ID, "type": "supergroup"},
                             "document": {"file_id": "d", "file_unique_id": "ud", "mime_type": "application/pdf"}},
                            None)
    assert images_of(doc) == ()  # not a picture
