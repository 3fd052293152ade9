"""Quoted offers: "Saw an ad: “Sora beta account, only 299” — lol". A scam pattern whose evidence all sits
inside quotation marks, in a message that also says something of its own, is usually someone reporting or
mocking the offer, not making it. The engine gives the classifier that fact as the feature "$quoted_offer".
"""

from __future__ import annotations

import re

from detectors.text.linear_regex import LinearRegex, Utf8Text
from detectors.text.intervals import container
from detectors.text.matcher import Hit

# Paired quotation marks of Chinese and English chat (straight double quotes pair in order), without
# nesting: RE2, linear time (counted repeats would blow up RE2's automaton, so lengths are checked after).
_QUOTED = LinearRegex(r'"[^"\n]+"|“[^”\n]+”|「[^」\n]+」|『[^』\n]+』|《[^》\n]+》|‘[^’\n]+’')
# Single straight quotes, as English chat writes them ('GPT-6 keys, 250 each'): only where one opens after a space
# or a colon and closes before a space or a mark, so the apostrophes of "it's" and "don't" open nothing.
_SINGLE_QUOTED = LinearRegex(r"(?:^|[\s:：(（,，])('[^'\n]{2,}')(?:$|[\s.,!?;:)），。！？])")
# A quotation introduced without quotation marks, as a moderator quotes the scripts they removed: "The last one
# ended like this: I have a few spare Sora accounts, message me." / 话术如下：... The cue names someone else's words,
# and what follows the colon, to the end of the line, is theirs (its "message me" is not the writer's).
_INTRODUCED = LinearRegex(r"(?:^|[^a-z])(?:ended like this|goes like this|went like this|reads like this|read like this"
                          r"|looked like this|looks like this|the ad said|the dm said|the message said|the post said"
                          r"|话术如下|原话是|原文如下|原文是|内容如下|是这样写的|是这么写的|是这样说的|是这么说的)\s*[:：]\s*([^\n]+)")
_MAX_QUOTE = 400
_QUOTE_CHAR = re.compile('["“「『《‘\']')
_NAME_LENGTH = 14  # characters, quotation marks included: 「可灵国际版」, “Sora破局”
MIN_OWN_WORDS = 6  # letters/ideographs outside the quotes: a bare quoted advert is still an advert


def quoted_ranges(norm: str) -> list[tuple[int, int]]:
    """Quotations in `norm`, sorted and not overlapping: between quotation marks, or introduced by a cue and a colon."""
    marked = _QUOTE_CHAR.search(norm) is not None
    introduced = ":" in norm or "：" in norm
    if not (marked or introduced):
        return []
    text = Utf8Text(norm)
    found = _QUOTED.spans(text) if marked else []
    if "'" in norm:
        found = found + _SINGLE_QUOTED.spans(text, 1)
    if introduced:
        found = found + _INTRODUCED.spans(text, 1)
    found = _without_overlaps(sorted(found))
    return [(s, e) for s, e in found if 4 <= e - s <= _MAX_QUOTE]


def _without_overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans -> those that start after the last kept one ended (a 'quote' inside a "quote" is part of it)."""
    kept: list[tuple[int, int]] = []
    for s, e in spans:
        if not kept or s >= kept[-1][1]:
            kept.append((s, e))
    return kept


def _own_words(norm: str, ranges: list[tuple[int, int]]) -> int:
    outside, pos = [], 0
    for s, e in ranges:
        outside.append(norm[pos:s])
        pos = e
    outside.append(norm[pos:])
    return sum(ch.isalnum() for ch in "".join(outside))


_DEAL_KEYS = ("$price", "$scam_price", "$contact_handle", "@contact")  # what makes an offer an offer


def quoted_offers(norm: str, fired: list[list[Hit]], hits: dict[str, list[Hit]]) -> list[Hit]:
    """The quotes that hold offer evidence (a price, a contact lure or a fired rule's words), as
    "$quoted_offer" hits, when no price or contact lure stands outside the quotes and the message has words
    of its own; [] otherwise. A real advert that quotes a product name (下载「Sora中文版」，只要9.9，加V)
    makes its deal outside the quotes."""
    if _QUOTE_CHAR.search(norm) is None and ":" not in norm and "：" not in norm:
        return []  # no quotation mark nor colon (most messages): nothing else looked at
    deals = [h for key in _DEAL_KEYS for h in hits.get(key, ())]
    if not deals and not fired:
        return []  # no offer to find in quotes: the quotes are not even looked for
    ranges = quoted_ranges(norm)
    if not ranges:
        return []

    holder = container(ranges)  # quotes do not overlap and come in order

    def quote_of(h: Hit) -> tuple[int, int] | None:
        return holder(h.start, h.end)

    if any(quote_of(h) is None for h in deals):
        return []
    found: dict[tuple[int, int], Hit] = {}
    for h in deals + [h for chosen in fired for h in chosen]:
        q = quote_of(h)
        if q is not None and q not in found:
            found[q] = Hit("$quoted_offer", norm[q[0]:q[1]], q[0], q[1])
    if not deals and all(e - s <= _NAME_LENGTH for s, e in found):
        return []  # only short quotes and no deal in any: a name in quotes (付费社群“AI先行者”), not a quoted advert
    if not found or _own_words(norm, ranges) < MIN_OWN_WORDS:
        return []
    return list(found.values())


_PRICE_KEYS = ("$price", "$scam_price")


def _digits(term: str) -> str:
    return "".join(c for c in term if c.isdigit())


def drop_repeated_prices(both: dict[str, list[Hit]], quote_end: int, reply: dict[str, list[Hit]]) -> None:
    """A reply that repeats the quoted advert's price ("299太贵了吧") talks about that price: it is not the
    reply's own hook. `both`: the hits over quote + reply, the quote ending at `quote_end`; `reply`: those over the
    reply alone. The repeated price is dropped from both (the answer is read with its quote too)."""
    quoted = {_digits(h.term) for key in _PRICE_KEYS for h in both.get(key, ()) if h.end <= quote_end}
    quoted.discard("")
    if not quoted:
        return
    for hits, reply_start in ((reply, 0), (both, quote_end)):
        for key in _PRICE_KEYS:
            if key not in hits:
                continue
            kept = [h for h in hits[key] if h.start < reply_start or _digits(h.term) not in quoted]
            if kept:
                hits[key] = kept
            else:
                del hits[key]
