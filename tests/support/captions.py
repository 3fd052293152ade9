"""The image tests' hype caption: words that are suspicious alone and a scam next to a WeChat QR code."""

from __future__ import annotations

import itertools
from functools import lru_cache

from fake_platforms.posters import HYPE_CANDIDATES, HYPE_POINTERS, HYPE_PRODUCTS, HYPE_WORDS


def _candidates():
    yield from HYPE_CANDIDATES
    for product, word, pointer in itertools.product(HYPE_PRODUCTS, HYPE_WORDS, HYPE_POINTERS):
        yield f"{product}{word} {pointer}"


@lru_cache(maxsize=1)
def hype_caption() -> str:
    """The first candidate a freshly loaded engine rates "suspicious" and the image checks read as AI hype
    (loading is deterministic: every test engine built from the shipped samples gives the same verdicts until a
    test teaches it). Which wording lands between the two thresholds moves with every batch of training samples."""
    from detectors.engine import Engine
    from detectors.images.textcues import HypeSpotter

    engine = Engine.load()
    spotter = HypeSpotter(engine.pack)
    for text in _candidates():
        if spotter.cues(text).is_hype and engine.analyze(text).label == "suspicious":
            return text
    raise AssertionError("no hype caption is suspicious on its own words any more: "
                         "add wordings to HYPE_CANDIDATES in fake_platforms/posters.py")
