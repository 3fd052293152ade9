"""The image tests' hype caption: words that are suspicious alone and a scam next to a WeChat QR code."""

from __future__ import annotations

from functools import lru_cache

from fake_platforms.posters import HYPE_CANDIDATES


@lru_cache(maxsize=1)
def hype_caption() -> str:
    """The first candidate a freshly loaded engine rates "suspicious" (loading is deterministic: every test
    engine built from the shipped samples gives the same verdicts until a test teaches it)."""
    from detectors.engine import Engine

    engine = Engine.load()
    for text in HYPE_CANDIDATES:
        if engine.analyze(text).label == "suspicious":
            return text
    raise AssertionError(f"no hype caption is suspicious on its own words any more: {HYPE_CANDIDATES}")
