"""Safe image loading: every way a picture can hurt us is turned into ImageRejected(reason) before it does.

Checks, in order, each before the expensive step it protects:
  size in bytes (images.max_bytes)    -> "too_large"            before anything is parsed
  format (header only)                -> "format_not_allowed"   only the decoders in settings.formats may run
  corrupt / truncated header          -> "corrupt"
  width x height (images.max_pixels)  -> "too_many_pixels"      read from the header, before pixels are decoded
                                                                (our own decompression-bomb guard, stricter than
                                                                Pillow's global Image.MAX_IMAGE_PIXELS)
  corrupt / truncated pixel data      -> "corrupt"

Animated images (GIF, animated WebP): only the FIRST frame is analysed. Decoding every frame is the costly
part of an animated file (a small GIF can hold thousands of frames); posters put their QR code and text on
the first frame, and the skipped frames are logged and reported as a note, so nobody believes they were read.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass, field

from detectors.images.settings import ImageSettings
from leekguard_types import ImageRejected

log = logging.getLogger(__name__)

# Analysis works on a copy no larger than this on its long side: enough for QR codes and poster text,
# and it bounds the memory and time of everything after loading.
WORKING_MAX_SIDE = 2048

@dataclass(slots=True)
class LoadedImage:
    image: object  # PIL.Image.Image in RGB, at most WORKING_MAX_SIDE on its long side
    format: str
    width: int  # original size, as declared by the file
    height: int
    frames: int | None = 1  # None: animated, frame count not counted (counting would decode them)
    notes: list[str] = field(default_factory=list)


def load_image(data: bytes, settings: ImageSettings) -> LoadedImage:
    """Decode `data` safely or raise ImageRejected. CPU-bound: call it from a worker thread."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > settings.max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes, limit {settings.max_bytes}")

    from PIL import Image, UnidentifiedImageError

    _quiet_pillow_bomb_warning(Image)
    try:
        im = Image.open(io.BytesIO(data), formats=list(settings.formats))
    except UnidentifiedImageError:
        detected = _sniff(data)
        if detected and detected not in settings.formats:
            raise ImageRejected("format_not_allowed", f"{detected} (allowed: {', '.join(settings.formats)})") from None
        raise ImageRejected("corrupt", "unrecognised or damaged header") from None
    except Image.DecompressionBombError as e:
        raise ImageRejected("too_many_pixels", str(e)) from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:  # Pillow raises these for broken headers
        raise ImageRejected("corrupt", f"{type(e).__name__}: {e}") from None

    with im:
        width, height = im.size
        if width <= 0 or height <= 0:
            raise ImageRejected("corrupt", f"size {width}x{height}")
        if width * height > settings.max_pixels:
            raise ImageRejected("too_many_pixels", f"{width}x{height}, limit {settings.max_pixels} pixels")

        notes: list[str] = []
        frames: int | None = 1
        if getattr(im, "is_animated", False):  # looks at frame 2 only, does not count frames
            frames = None
            notes.append(f"animated {im.format}: only the first frame was analysed")
            log.info("animated %s image %dx%d: analysing the first frame only", im.format, width, height)
        fmt = im.format or "?"
        try:
            if fmt == "JPEG":
                # Let libjpeg decode at a reduced scale straight away when the picture is huge.
                im.draft("RGB", (WORKING_MAX_SIDE, WORKING_MAX_SIDE))
            im.seek(0)
            im.load()
            rgb = _to_rgb(im)
        except Image.DecompressionBombError as e:
            raise ImageRejected("too_many_pixels", str(e)) from None
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as e:
            raise ImageRejected("corrupt", f"{type(e).__name__}: {e}") from None

    if max(rgb.size) > WORKING_MAX_SIDE:
        rgb.thumbnail((WORKING_MAX_SIDE, WORKING_MAX_SIDE), Image.Resampling.LANCZOS)
    return LoadedImage(image=rgb, format=fmt, width=width, height=height, frames=frames, notes=notes)


def _quiet_pillow_bomb_warning(Image) -> None:
    """Our own pixel limit (checked below) replaces Pillow's warning between 89 and 179 megapixels; the
    warning would only add noise to the log. Pillow's hard error above that still applies."""
    category = Image.DecompressionBombWarning
    if not any(f[0] == "ignore" and f[2] is category for f in warnings.filters):
        warnings.filterwarnings("ignore", category=category)


def _to_rgb(im):
    """RGB on a white background: transparent posters keep their dark text readable."""
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    return im.convert("RGB")


_MAGIC = (
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"8BPS", "PSD"), (b"\x00\x00\x01\x00", "ICO"),
    (b"%PDF", "PDF"), (b"<svg", "SVG"), (b"<?xml", "SVG"), (b"\x00\x00\x00\x0cjP  ", "JPEG2000"),
    (b"PK\x03\x04", "ZIP"),
)


def _sniff(data: bytes) -> str | None:
    """Name a few well-known non-allowed formats, so the refusal says more than 'corrupt'."""
    head = data[:16]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "HEIF/AVIF"
    return None
