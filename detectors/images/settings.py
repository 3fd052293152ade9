"""Image-check settings, and whether image checks can run at all (without importing the heavy extra)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

# import name -> distribution name of the `images` extra (pyproject [project.optional-dependencies].images)
EXTRA_MODULES: dict[str, str] = {
    "PIL": "pillow",
    "zxingcpp": "zxing-cpp",
    "rapidocr_onnxruntime": "rapidocr-onnxruntime",
    "imagehash": "imagehash",
}

# Hamming distance (of 256 bits) under which two posters count as the same poster. Measured on generated
# posters (tests/images/test_images_poster_hash.py): re-coloured / resized / re-compressed copies land at 0-24,
# different posters built on one template at 38 and more.
DEFAULT_POSTER_MAX_DISTANCE = 26


@dataclass(frozen=True, slots=True)
class ImageSettings:
    enabled: bool = False
    max_bytes: int = 10_000_000
    max_pixels: int = 40_000_000
    queue_size: int = 32  # images admitted at once (waiting + being analysed); more are skipped, not queued
    workers: int = 1  # analysis threads
    ocr: bool = True
    ocr_threads: int = 1  # onnxruntime threads per OCR run: keep a core for the event loop on small machines
    poster_max_distance: int = DEFAULT_POSTER_MAX_DISTANCE
    # Formats Pillow may decode. Anything else (TIFF, PSD, ICO, ...) is refused before a decoder runs.
    formats: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP")

    @classmethod
    def from_config(cls, config: Any) -> ImageSettings:
        """From bot.config.Config (its `images` section), a plain dict, an ImageSettings, or None (defaults)."""
        if config is None:
            return cls()
        if isinstance(config, ImageSettings):
            return config
        section = config.get("images", config) if isinstance(config, dict) else getattr(config, "images", config)
        if isinstance(section, ImageSettings):
            return section
        if section is None:
            return cls()
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            v = section.get(name) if isinstance(section, dict) else getattr(section, name, None)
            if v is not None:
                values[name] = tuple(v) if name == "formats" else v
        s = cls(**values)
        if s.max_bytes <= 0 or s.max_pixels <= 0 or s.queue_size <= 0 or s.workers <= 0:
            raise ValueError("images: max_bytes, max_pixels, queue_size and workers must be positive")
        return s


def missing_extras() -> list[str]:
    """Distribution names of the `images` extra that are not installed (found without importing them)."""
    missing = []
    for module, dist in EXTRA_MODULES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(dist)
    return missing


def image_support_status(config: Any) -> str:
    """One line for the start-up log: are image checks on, and if not, why not."""
    try:
        s = ImageSettings.from_config(config)
    except (TypeError, ValueError) as e:
        return f"image checks: off (bad images settings: {e})"
    missing = missing_extras()
    if not s.enabled:
        hint = "" if not missing else "; the 'images' extra is not installed either (pip install 'leekguard[images]')"
        return f"image checks: off (images.enabled is false in the configuration{hint})"
    if missing:
        return (f"image checks: off (the 'images' extra is missing: {', '.join(missing)}; "
                "pip install 'leekguard[images]')")
    ocr = "QR codes, poster text (OCR) and repeated posters" if s.ocr else "QR codes and repeated posters (OCR off)"
    return (f"image checks: on ({ocr}; up to {s.max_bytes // 1_000_000} MB and {s.max_pixels // 1_000_000} "
            f"megapixels per image, {s.workers} worker(s), at most {s.queue_size} images at once)")


def images_available(config: Any) -> bool:
    """True when image checks are enabled and the extra is installed."""
    try:
        return ImageSettings.from_config(config).enabled and not missing_extras()
    except (TypeError, ValueError):
        return False
