"""`leekguard check --image` (bot/images/check.py), the start-up status line, and the extra staying optional."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.images.check import check_image, file_fetcher, format_image_report
from bot.images.posters import PosterStore
from detectors.images import image_support_status, images_available
from detectors.images.poster_hash import poster_hash
from fake_platforms.posters import SCAM_QR, qr_image, recoloured_resized, scam_poster
from leekguard_types import ImageRejected

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine():
    from detectors.engine import Engine

    return Engine.load()


def _qr_picture(path: Path) -> Path:
    img = Image.new("RGB", (700, 700), "white")
    img.paste(qr_image(SCAM_QR, 500), (100, 100))
    img.save(path)
    return path


async def test_check_image_flags_a_qr_with_hype_caption_and_formats_it(tmp_path, engine):
    path = _qr_picture(tmp_path / "poster.png")
    verdict, report = await check_image(path, "Sora内测来了，名额有限", engine, "en")
    assert verdict.label == "scam" and report.verdict == verdict
    text = format_image_report(report, "en")
    assert SCAM_QR in text and "WeChat contact" in text and "PNG 700x700" in text
    assert "二维码" in format_image_report(report, "zh-Hans")
    as_json = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert as_json["qr"][0]["kind"] == "wechat_contact" and report.verdict.label == "scam"


async def test_a_50_megabyte_file_is_refused_without_being_read(tmp_path, engine):
    big = tmp_path / "huge.jpg"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: the test itself stays light
    verdict, report = await check_image(big, "Sora内测账号 只要299 加V私聊", engine, "zh-Hans")
    assert report.rejected == "too_large" and "52428800 bytes" in report.rejected_detail
    assert verdict.label == "scam"  # the caption is still checked
    assert "文件超过大小上限" in format_image_report(report, "zh-Hans")


async def test_file_fetcher_refuses_oversized_and_missing_files(tmp_path):
    small = tmp_path / "a.bin"
    small.write_bytes(b"x" * 100)
    assert await file_fetcher(small, 100)() == b"x" * 100
    with pytest.raises(ImageRejected, match="too_large"):
        await file_fetcher(small, 99)()
    with pytest.raises(ImageRejected, match="fetch_failed"):
        await file_fetcher(tmp_path / "missing.png", 100)()


async def test_check_image_matches_confirmed_posters_from_the_database(tmp_path, engine):
    db = tmp_path / "leekguard.db"
    store = await PosterStore.open(db)
    await store.remember(5, "telegram:-100777", poster_hash(scam_poster()), "fake_access", confirmed=True)
    await store.close()
    copy = tmp_path / "copy.jpg"
    recoloured_resized(scam_poster(), 0.5).save(copy, quality=75)
    config = {"images": {"ocr": False}}  # this test is about the hash: skip the slow OCR
    verdict, report = await check_image(copy, "", engine, "en", config=config, database=db)
    assert report.poster_match.incident_id == 5
    assert verdict.label == "scam" and any("already confirmed as a scam in another chat" in f.reason
                                           for f in verdict.findings)


def test_leekguard_check_image_command(tmp_path):
    from cli.main import main

    path = _qr_picture(tmp_path / "p.png")
    env = {"LEEKGUARD_DB": str(tmp_path / "none.db")}
    result = CliRunner().invoke(main, ["check", "--json", "--image", str(path), "--caption", "Sora内测来了"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    out_image = out["image"]
    assert out_image["qr"][0]["text"] == SCAM_QR and out["verdict"] == "scam"


def test_start_up_status_says_why_images_are_off():
    assert "off" in image_support_status(None) and "images.enabled is false" in image_support_status(None)
    on = image_support_status({"images": {"enabled": True, "max_bytes": 5_000_000}})
    assert on.startswith("image checks: on") and "5 MB" in on
    assert images_available({"images": {"enabled": True}}) and not images_available({"images": {"enabled": False}})
    assert "bad images settings" in image_support_status({"images": {"enabled": True, "workers": 0}})


def test_start_up_status_with_the_real_config_object():
    from bot.config import Config

    config = Config.model_validate({"images": {"enabled": True, "workers": 2, "queue_size": 8}})
    assert "2 worker(s), at most 8 images at once" in image_support_status(config)


def _run_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_without_the_extra_the_core_works_and_says_images_are_off():
    # Simulate an install without the `images` extra: its modules cannot be imported.
    code = """
import sys, asyncio
for name in ("PIL", "zxingcpp", "rapidocr_onnxruntime", "imagehash"):
    sys.modules[name] = None
import importlib.util
real = importlib.util.find_spec
importlib.util.find_spec = lambda n, *a: None if n in ("PIL", "zxingcpp", "rapidocr_onnxruntime", "imagehash") else real(n, *a)
from detectors.images import image_support_status, ImageAnalyzer
print(image_support_status({"images": {"enabled": True}}))
from detectors.engine import Engine
engine = Engine.load()
async def main():
    report = await ImageAnalyzer(engine, {"images": {"enabled": True}}).analyze(b"...", "Sora内测账号 只要299 加V私聊")
    print(report.rejected, report.verdict.label)
asyncio.run(main())
"""
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "image checks: off (the 'images' extra is missing: pillow, zxing-cpp, rapidocr-onnxruntime, imagehash" in lines[0]
    assert lines[-1] == "extra_missing scam"


def test_importing_the_package_loads_no_heavy_library_and_no_chat_platform():
    code = """
import sys
import detectors.images, detectors.images.analyzer, bot.images.check, bot.images.posters
heavy = [m for m in ("PIL", "zxingcpp", "rapidocr_onnxruntime", "imagehash", "onnxruntime", "cv2", "numpy",
                     "telegram", "discord") if m in sys.modules]
print(heavy)
"""
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_text_and_image_checks_print_one_documented_json_shape(tmp_path):
    import jsonschema

    from cli.main import main

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "check-output.schema.json").read_text())
    env = {"LEEKGUARD_DB": str(tmp_path / "none.db")}
    text = CliRunner().invoke(main, ["check", "--json", "Sora内测账号 只要299 加V私聊"], env=env)
    image = CliRunner().invoke(main, ["check", "--json", "--image", str(_qr_picture(tmp_path / "p.png")),
                                      "--caption", "Sora内测来了"], env=env)
    for result in (text, image):
        assert result.exit_code == 0, result.output
        out = json.loads(result.output)
        jsonschema.validate(out, schema)  # raises, naming the field, when the shape drifts
        assert out["verdict"] == "scam"  # the label at the top, in both
    assert "image" not in json.loads(text.output) and json.loads(image.output)["image"]["qr"]
    bad = {**json.loads(image.output), "verdict": {"verdict": "scam"}}  # the old nested shape is refused
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
