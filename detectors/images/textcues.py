"""What the engine's own data says about an image's text: is it AI-product hype, is a host a look-alike.

Nothing new is invented here: the word lists are the engine's (seeds/products.yaml and seeds/lexicons.yaml,
read through engine.pack), the matcher is the engine's TermMatcher, the domain check is the engine's
SignalExtractor. Adding a product or a hype word to the seeds changes the image checks too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leekguard_types import Span

# Lexicons (seeds/lexicons.yaml) whose words, next to an AI product, make a text selling or hype.
# Left out on purpose: contact (the QR code itself is the contact), generated_claim and follow_farm (too
# common in ordinary talk about AI art), and the counter-evidence lists (warning, news, question, free).
HYPE_LEXICONS = ("access_item", "sell", "course", "money", "recruit", "urgency", "api_claim", "authority",
                 "anxiety_offer", "hype")


@dataclass(frozen=True, slots=True)
class HypeCues:
    ai: tuple[Span, ...]  # AI products or generic AI words
    selling: tuple[Span, ...]  # hype / selling words and prices

    @property
    def is_hype(self) -> bool:
        return bool(self.ai and self.selling)


class HypeSpotter:
    def __init__(self, pack: Any, signals: Any = None) -> None:
        from detectors.text.matcher import TermMatcher

        ai_terms = [a for p in pack.products.products for a in p.aliases] + list(pack.products.generic_ai)
        hype_terms = [w for name in HYPE_LEXICONS for w in pack.lexicons.get(name, ())]
        self._matcher = TermMatcher({"@ai": ai_terms, "@selling": hype_terms})
        self._signals = signals

    def cues(self, text: str) -> HypeCues:
        from detectors.text.normalize import normalize

        if not text:
            return HypeCues((), ())
        n = normalize(text)
        hits = self._matcher.find(n)
        selling = list(hits.get("@selling", ()))
        if self._signals is not None and hits.get("@ai"):
            selling += self._signals.extract(n.norm).get("$price", ())

        def spans(found) -> tuple[Span, ...]:
            out = []
            for h in found:
                s, e = n.original_span(h.start, h.end)
                out.append(Span(s, e, text[s:e]))
            return tuple(sorted(set(out), key=lambda sp: sp.start))

        return HypeCues(spans(hits.get("@ai", ())), spans(selling))


def _pack_of(engine: Any):
    pack = getattr(engine, "pack", None)
    if pack is None or not hasattr(pack, "lexicons"):
        from detectors.packs import default_pack

        pack = default_pack()
    return pack


def _signals_of(engine: Any, pack: Any):
    signals = getattr(engine, "signals", None)
    if signals is None or not hasattr(signals, "classify_domain"):
        from detectors.text.signals import SignalExtractor

        signals = SignalExtractor(pack.products.official_domains, pack.products.protected_brands)
    return signals


_spotters: dict[int, tuple[Any, HypeSpotter]] = {}


def hype_spotter(engine: Any) -> HypeSpotter:
    """One HypeSpotter per seed pack (the engine's; the default seeds if it has none)."""
    pack = _pack_of(engine)
    cached = _spotters.get(id(pack))
    if cached is None or cached[0] is not pack:
        if len(_spotters) > 8:
            _spotters.clear()
        cached = _spotters[id(pack)] = (pack, HypeSpotter(pack, _signals_of(engine, pack)))
    return cached[1]


def lookalike_checker(engine: Any) -> Callable[[str], str | None]:
    """host -> the brand or official domain it imitates, or None; the engine's link checker plus one rule
    it lacks: a non-ASCII host that folds to an official or look-alike domain is itself a look-alike
    ('оpenai.com' with a Cyrillic о)."""
    from detectors.text.normalize import normalize

    signals = _signals_of(engine, _pack_of(engine))

    def check(host: str) -> str | None:
        kind, brand = signals.classify_domain(host)
        if kind == "lookalike":
            return brand or host
        if kind == "official" or host.isascii():
            return None
        folded = normalize(host).norm
        kind, brand = signals.classify_domain(folded)
        if kind == "official":
            return folded
        return (brand or folded) if kind == "lookalike" else None

    return check
