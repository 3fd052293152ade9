"""ImageAnalyzer end to end with the real engine: what an admin would see for posters, menus and copies.

OCR is slow (about a second per poster on CI), so the two OCR'd analyses are made once per module; every
other test analyses with ocr=False or pictures that hold no text.
"""

from __future__ import annotations

import asyncio
import io
import time

import pytest
from PIL import Image

from detectors.images import ImageAnalyzer, ImageSettings
from detectors.images.poster_hash import KnownPoster, PosterIndex, poster_hash
from fake_platforms.posters import (
    MENU_CAPTION, NO_CJK_FONT_REASON, SCAM_CAPTION, SCAM_QR, cjk_font_path, menu_poster, poster, qr_image,
    recoloured_resized, scam_poster, to_bytes,
)
from leekguard_types import Verdict

SETTINGS = ImageSettings(enabled=True, queue_size=4, workers=1)


@pytest.fixture(scope="module")
def engine():
    from detectors.engine import Engine

    return Engine.load()


@pytest.fixture(scope="module")
def ocr_reports(engine):
    """The only OCR runs of this module: a scam poster and a restaurant menu, each with its caption."""

    async def run():
        async with ImageAnalyzer(engine, SETTINGS) as analyzer:
            scam = await analyzer.analyze(to_bytes(scam_poster(), "JPEG", quality=85), SCAM_CAPTION,
                                          chat_key="telegram:-1001")
            menu = await analyzer.analyze(to_bytes(menu_poster(), "PNG"), MENU_CAPTION, chat_key="telegram:-1001")
            return scam, menu

    return asyncio.run(run())


def rules(verdict: Verdict) -> set[str]:
    return {f.rule for f in verdict.findings}


def qr_only_poster(payload: str = SCAM_QR) -> bytes:
    """A picture with a QR code and no text: whatever is said about it comes from the caption."""
    img = Image.new("RGB", (800, 800), (250, 250, 245))
    img.paste(qr_image(payload, 500), (150, 150))
    return to_bytes(img, "PNG")


# ---- the two OCR'd posters ----

def test_scam_poster_with_qr_and_hype_caption_is_flagged(ocr_reports):
    report = ocr_reports[0]
    assert report.analysed and report.verdict.label == "scam"
    assert [(p.kind, p.text) for p in report.qr] == [("wechat_contact", SCAM_QR)]
    assert "image.qr_with_hype" in rules(report.verdict)
    combo = next(f for f in report.image_findings if f.rule == "image.qr_with_hype")
    assert combo.origin == "image:qr" and combo.score > 0 and "QR code" in combo.reason and "二维码" in combo.reason_zh
    assert report.poster_hash is not None and report.timings["ocr"] > 0


def test_poster_text_is_read_and_its_evidence_is_marked_as_from_the_image(ocr_reports):
    if cjk_font_path() is None:
        pytest.skip(NO_CJK_FONT_REASON)
    report = ocr_reports[0]
    for words in ("Sora", "内测", "299", "扫码进群"):
        assert words in report.ocr_text
    from_poster = [f for f in report.verdict.findings if f.origin == "image:ocr" and f.evidence]
    assert from_poster, "no finding quotes the poster"
    for f in from_poster:
        for span in f.evidence:  # spans index the OCR text, so the quote is exactly what the poster says
            assert report.ocr_text[span.start:span.end] == span.text


def test_restaurant_menu_qr_is_not_flagged(ocr_reports):
    report = ocr_reports[1]
    assert report.analysed and report.verdict.label == "clean", report.verdict.to_dict()
    assert [p.kind for p in report.qr] == ["url"]
    assert "image.qr_with_hype" not in rules(report.verdict)
    if cjk_font_path() is not None:
        assert "扫码点餐" in report.ocr_text


# ---- the QR + hype rule, without OCR ----

async def test_a_qr_code_turns_mild_ai_hype_into_recruiting(engine):
    caption = "Sora内测来了"
    caption_only = engine.analyze(caption)
    async with ImageAnalyzer(engine, SETTINGS) as analyzer:
        report = await analyzer.analyze(qr_only_poster(), caption, ocr=False)
    assert report.verdict.label == "scam" and report.verdict.score >= caption_only.score
    combo = next(f for f in report.image_findings if f.rule == "image.qr_with_hype")
    assert "Sora" in combo.reason and "caption" in combo.reason and "group_recruiting" in report.verdict.categories


@pytest.mark.parametrize("caption", ["周末一起吃饭，扫码加我", "AA 吃饭的钱，扫这个付款码", "", "新店开业，扫码点餐"])
async def test_a_qr_code_alone_is_not_a_scam(engine, caption):
    caption_only = engine.analyze(caption)
    async with ImageAnalyzer(engine, SETTINGS) as analyzer:
        for payload in (SCAM_QR, "wxp://f2f0Ab12Cd34", "https://weixin.qq.com/g/AwYAAHO8zZm0"):
            report = await analyzer.analyze(qr_only_poster(payload), caption, ocr=False)
            # The QR code is reported, and changes nothing: the verdict is the caption's own.
            assert report.qr[0].text == payload
            assert all(f.score == 0 for f in report.image_findings), report.verdict.to_dict()
            assert (report.verdict.label, report.verdict.score) == (caption_only.label, caption_only.score)
    assert caption_only.label == "clean"


async def test_a_member_warning_about_a_qr_poster_is_not_turned_into_a_scam(engine):
    caption = "有人发这种Sora内测二维码海报，别扫，是骗局"
    async with ImageAnalyzer(engine, SETTINGS) as analyzer:
        report = await analyzer.analyze(qr_only_poster(), caption, ocr=False)
    assert "image.qr_with_hype" not in rules(report.verdict)
    assert report.verdict.label != "scam"


async def test_a_lookalike_domain_in_a_qr_code_is_evidence(engine):
    async with ImageAnalyzer(engine, SETTINGS) as analyzer:
        report = await analyzer.analyze(qr_only_poster("https://sora-openai.cn/login"), "", ocr=False)
    assert report.qr[0].kind == "lookalike_domain"
    assert report.verdict.is_hit
    assert any(f.origin == "image:qr" and f.score > 0 for f in report.verdict.findings)


# ---- known posters ----

async def test_a_recoloured_resized_copy_of_a_confirmed_poster_is_flagged_in_another_chat(engine):
    index = PosterIndex(SETTINGS.poster_max_distance)
    index.add(KnownPoster(poster_hash(scam_poster()), 41, "telegram:-1001", "fake_access"))
    copy = to_bytes(recoloured_resized(scam_poster(), 0.5), "JPEG", quality=70)
    async with ImageAnalyzer(engine, SETTINGS, posters=index) as analyzer:
        elsewhere = await analyzer.analyze(copy, "", chat_key="discord:77", ocr=False)
        here = await analyzer.analyze(copy, "", chat_key="telegram:-1001", ocr=False)
        menu = await analyzer.analyze(to_bytes(menu_poster()), "", chat_key="discord:77", ocr=False)
    assert elsewhere.poster_match.incident_id == 41 and not elsewhere.poster_match.same_chat
    assert elsewhere.verdict.label == "scam" and "fake_access" in elsewhere.verdict.categories
    f = next(f for f in elsewhere.image_findings if f.detector == "poster_hash")
    assert "matches a poster already confirmed as a scam in another chat" in f.reason
    assert "其他群" in f.reason_zh and f.source.startswith("002_")
    assert here.poster_match.same_chat and "in this chat" in next(
        f.reason for f in here.image_findings if f.detector == "poster_hash")
    assert menu.poster_match is None and menu.verdict.label == "clean"


# ---- bad input through the analyzer: a reason, the caption's verdict, never an exception ----

def _animated_gif() -> bytes:
    buf = io.BytesIO()
    frames = [Image.new("RGB", (400, 400), c) for c in ("red", "green", "blue")]
    qr_image(SCAM_QR, 400).save(buf, "GIF", save_all=True, append_images=frames, duration=80, loop=0)
    return buf.getvalue()


async def test_bad_pictures_are_refused_with_a_reason_and_the_caption_is_still_judged(engine, caplog):
    bomb = to_bytes(Image.new("1", (9000, 9000)), "PNG", optimize=True)
    cases = {
        "corrupt": b"\x89PNG\r\n\x1a\n" + b"garbage" * 50,
        "too_many_pixels": bomb,
        "too_large": b"\xff\xd8\xff" + bytes(50 * 1024 * 1024),
        "format_not_allowed": to_bytes(Image.new("RGB", (40, 40)), "TIFF"),
        "empty": b"",
    }
    caplog.set_level("INFO", logger="detectors.images.analyzer")
    async with ImageAnalyzer(engine, SETTINGS) as analyzer:
        for expected, data in cases.items():
            report = await analyzer.analyze(data, SCAM_CAPTION, ocr=False)
            assert report.rejected == expected and not report.analysed
            assert report.verdict.label == "scam"  # the caption alone still tells
            assert report.notes and report.notes[0].startswith("image not analysed")
            assert expected in caplog.text
        gif = await analyzer.analyze(_animated_gif(), "", ocr=False)
    assert gif.analysed and gif.animated and gif.qr[0].text == SCAM_QR
    assert "only the first frame" in gif.notes[0]
    assert analyzer.stats["rejected:too_large"] == 1 and analyzer.pending == 0


async def test_a_failing_download_is_a_reason_without_the_url(engine):
    async def fetch() -> bytes:
        raise ConnectionError("GET https://api.telegram.org/file/bot123:SECRET/photo.jpg failed")

    async with ImageAnalyzer(engine, SETTINGS) as analyzer:
        report = await analyzer.analyze(fetch, "hello")
    assert report.rejected == "fetch_failed" and "SECRET" not in report.rejected_detail + " ".join(report.notes)


async def test_a_failing_engine_is_contained(engine):
    class Broken:
        def analyze(self, text, reply_to_text=None, chat_key=None):
            raise RuntimeError("boom")

    async with ImageAnalyzer(Broken(), SETTINGS) as analyzer:
        report = await analyzer.analyze(qr_only_poster(), "x", ocr=False)
    assert report.qr and "engine failed" in report.verdict.error


# ---- load: a bounded intake, and text keeps being answered ----

async def test_a_flood_of_images_is_bounded_and_text_keeps_being_answered(engine):
    settings = ImageSettings(enabled=True, queue_size=3, workers=1)
    big = to_bytes(Image.linear_gradient("L").resize((2000, 2000)).convert("RGB"), "PNG")
    async with ImageAnalyzer(engine, settings) as analyzer:
        peak = 0

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, analyzer.pending)
                await asyncio.sleep(0.001)

        watcher = asyncio.create_task(watch())
        flood = [asyncio.create_task(analyzer.analyze(big, "", ocr=False)) for _ in range(40)]
        # Meanwhile, text messages: each verdict must come back promptly.
        lags = []
        for i in range(50):
            t = time.perf_counter()
            verdict = engine.analyze(f"Sora内测账号 只要299 加V私聊 {i}")
            await asyncio.sleep(0)
            lags.append(time.perf_counter() - t)
            assert verdict.label == "scam"
        reports = await asyncio.wait_for(asyncio.gather(*flood), timeout=60)
        watcher.cancel()
    skipped = [r for r in reports if r.rejected == "queue_full"]
    assert peak <= 3 and analyzer.pending == 0
    assert len(skipped) >= 30 and all(r.analysed for r in reports if r.rejected is None)
    assert max(lags) < 0.25, f"a text message waited {max(lags):.3f}s"
