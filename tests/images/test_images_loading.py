"""Bad pictures are refused with a reason, never a crash: corrupt, bombs, 50 MB, odd formats, animations."""

from __future__ import annotations

import io
import logging
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from PIL import Image

from detectors.images.loading import WORKING_MAX_SIDE, load_image
from detectors.images.settings import ImageSettings
from fake_platforms.posters import SCAM_QR, qr_image, scam_poster, to_bytes
from leekguard_types import ImageRejected

SETTINGS = ImageSettings(enabled=True)


def reason(data: bytes, settings: ImageSettings = SETTINGS) -> str:
    with pytest.raises(ImageRejected) as e:
        load_image(data, settings)
    return e.value.reason


def png_with_header(width: int, height: int, payload: bytes = b"\x00" * 64) -> bytes:
    """A tiny PNG file whose header promises a huge canvas (the classic decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(payload)) + chunk(b"IEND", b"")


def test_a_normal_poster_loads_as_rgb():
    loaded = load_image(to_bytes(scam_poster(), "JPEG", quality=85), SETTINGS)
    assert loaded.format == "JPEG" and (loaded.width, loaded.height) == (1080, 1527)
    assert loaded.image.mode == "RGB" and loaded.frames == 1 and loaded.notes == []


def test_fifty_megabyte_file_is_refused_before_parsing():
    data = b"\xff\xd8\xff\xe0" + bytes(50 * 1024 * 1024)
    with pytest.raises(ImageRejected) as e:
        load_image(data, SETTINGS)
    assert e.value.reason == "too_large" and "52428804 bytes" in e.value.detail


def test_decompression_bomb_header_is_refused_before_decoding():
    bomb = png_with_header(60_000, 60_000)  # 3.6 gigapixels in a 100-byte file
    assert len(bomb) < 200
    with pytest.raises(ImageRejected) as e:
        load_image(bomb, SETTINGS)
    assert e.value.reason == "too_many_pixels" and "3600000000 pixels" in e.value.detail


def test_real_compressed_bomb_is_refused_by_our_stricter_pixel_limit():
    # 100 megapixels of one colour compress to a few kilobytes; 40 megapixels is our limit.
    data = to_bytes(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)
    assert len(data) < 100_000
    assert reason(data) == "too_many_pixels"
    # The limit is the configured one, not a constant.
    assert reason(to_bytes(Image.new("RGB", (300, 300)), "PNG"), ImageSettings(max_pixels=50_000)) == "too_many_pixels"


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "empty"),
        (b"this is not an image at all", "corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "corrupt"),  # PNG signature, garbage after it
        (png_with_header(200, 200, payload=b"\x01"), "corrupt"),  # header fine, pixel data missing
    ],
)
def test_corrupt_files_are_refused(data, expected):
    assert reason(data) == expected


def test_truncated_jpeg_is_refused_not_half_read():
    full = to_bytes(scam_poster(), "JPEG", quality=90)
    assert reason(full[: len(full) // 3]) == "corrupt"


def test_formats_outside_the_allowed_list_are_refused_by_name():
    tiff = to_bytes(Image.new("RGB", (50, 50), "white"), "TIFF")
    with pytest.raises(ImageRejected) as e:
        load_image(tiff, SETTINGS)
    assert e.value.reason == "format_not_allowed" and "TIFF" in e.value.detail
    # The allowed list comes from the settings.
    assert reason(to_bytes(Image.new("RGB", (50, 50)), "PNG"), ImageSettings(formats=("JPEG",))) == "corrupt"


def test_animated_gif_is_read_from_its_first_frame_only_and_says_so(caplog):
    first = qr_image(SCAM_QR, 300)
    others = [Image.new("RGB", (300, 300), c) for c in ("red", "green", "blue")]
    buf = io.BytesIO()
    first.save(buf, "GIF", save_all=True, append_images=others, duration=100, loop=0)
    with caplog.at_level(logging.INFO, logger="detectors.images.loading"):
        loaded = load_image(buf.getvalue(), SETTINGS)
    assert loaded.frames is None and loaded.notes == ["animated GIF: only the first frame was analysed"]
    assert "first frame only" in caplog.text
    # It really is the first frame (black-and-white QR), not a later coloured one.
    assert loaded.image.getpixel((0, 0)) == (255, 255, 255)


def test_transparent_png_gets_a_white_background_so_dark_text_stays_readable():
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    img.paste((0, 0, 0, 255), (40, 40, 60, 60))
    loaded = load_image(to_bytes(img, "PNG"), SETTINGS)
    assert loaded.image.getpixel((5, 5)) == (255, 255, 255) and loaded.image.getpixel((50, 50)) == (0, 0, 0)


def test_big_pictures_are_analysed_at_a_bounded_working_size():
    loaded = load_image(to_bytes(Image.new("RGB", (6000, 3000), "white"), "JPEG"), SETTINGS)
    assert (loaded.width, loaded.height) == (6000, 3000)
    assert max(loaded.image.size) <= WORKING_MAX_SIDE


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"\xff\xd8\xff", b"RIFF"]))
def test_arbitrary_bytes_never_crash(data, magic):
    try:
        loaded = load_image(magic + data, SETTINGS)
    except ImageRejected as e:
        assert e.reason in ("empty", "corrupt", "format_not_allowed", "too_many_pixels")
    else:
        assert loaded.image.mode == "RGB"
