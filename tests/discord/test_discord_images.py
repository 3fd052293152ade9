"""Image attachments on Discord end to end: real discord.py reads them (Attachment.read) from the fake
Discord's CDN, the real ImageAnalyzer reads QR codes and poster text. One analyzer (and one set of OCR
models) for the module: OCR is the slow part.
"""

from __future__ import annotations

import asyncio

import pytest

from detectors.images import ImageAnalyzer, ImageSettings
from detectors.images.poster_hash import PosterIndex
from fake_platforms.discord_harness import CREATE_MESSAGE, DiscordWorld, running_bot
from fake_platforms.discord_server import FakeDiscord
from fake_platforms.posters import MENU_CAPTION, menu_poster, scam_poster, to_bytes
from tests.support.bot_core import real_engine
from tests.support.captions import hype_caption

HYPE = hype_caption()  # suspicious on its own words (see fake_platforms/posters.py)
IMAGES = {"enabled": True}


@pytest.fixture(scope="module")
def analyzer():
    settings = ImageSettings(enabled=True, queue_size=8, workers=1)
    a = ImageAnalyzer(real_engine(), settings, posters=PosterIndex(settings.poster_max_distance))
    asyncio.run(a.warm_up())
    yield a
    asyncio.run(a.close())


@pytest.fixture
async def fake():
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
def world(fake):
    return DiscordWorld.build(fake)


def reply_to(message_id: str):
    return lambda c: (c.body.get("message_reference") or {}).get("message_id") == int(message_id)


async def test_a_scam_poster_attachment_gets_a_warning_and_its_incident(fake, world, analyzer, tmp_path):
    async with running_bot(fake, real_engine(), tmp_path / "lg.db", images=IMAGES, analyzer=analyzer) as bot:
        post = await fake.post(world.guild, world.general, world.alice, HYPE,
                               files=[("poster.jpg", to_bytes(scam_poster(), "JPEG", quality=85), "image/jpeg")])
        warning = await fake.wait_for_call(CREATE_MESSAGE, reply_to(post["id"]), timeout=20)
        await bot.services.images.idle(timeout=20)
        [incident] = await bot.incidents(world.guild.id)

    [embed] = warning.body["embeds"]
    assert "疑似诈骗" in embed["title"] and "图片中的二维码：微信联系人或公众号" in embed["description"]
    assert incident.verdict == "scam" and incident.message_id == post["id"]
    assert "image.qr_with_hype" in {f["rule"] for f in incident.findings}
    assert [r["action"] for r in incident.action_results] == ["warn", "notify_admins"]


async def test_a_restaurant_menu_attachment_gets_nothing(fake, world, analyzer, tmp_path):
    async with running_bot(fake, real_engine(), tmp_path / "lg.db", images=IMAGES, analyzer=analyzer) as bot:
        before = analyzer.stats["analysed"]
        await fake.post(world.guild, world.general, world.bob, MENU_CAPTION,
                        files=[("menu.png", to_bytes(menu_poster(), "PNG"), "image/png"),
                               ("notes.txt", b"not a picture", "text/plain")])
        for _ in range(200):
            if analyzer.stats["analysed"] > before:
                break
            await asyncio.sleep(0.05)
        await bot.services.images.idle(timeout=20)
        assert analyzer.stats["analysed"] == before + 1  # the picture, not the text file
        assert fake.calls_to(CREATE_MESSAGE) == [] and await bot.store.list() == []
