"""Misspelt product names: the one-letter slips scammers make on purpose so a filter misses the brand.

"Ch@tGPT" loses its "a" to a symbol the normaliser drops ("chtgpt"), "sor@2" becomes "sor2", "OpenAl" swaps
a capital I for an l, "K1ing" reads as "kiing" once its digit is read as a letter. Rather than list every
slip by hand, each Latin product alias of five or more characters also matches with one inner letter left
out (six or more, unless a digit stays: "kling" less a letter is "king"), and with one i/l swapped. Shorter
names ("sora", "gpt") would collide with ordinary words: their variants are written in seeds/evasion.yaml.
"""

from __future__ import annotations

import re

MIN_LENGTH = 5  # "kling" -> "kiing"; "sora" -> "sra" would match too much
MIN_LENGTH_DROPPED = 6  # "kling" less a letter is "king": only longer names, or a slip that keeps a digit ("sor2")
_LATIN = re.compile(r"[a-z0-9]+")
# Slips that are words of their own (checked over every alias in seeds/products.yaml): never a brand.
_REAL_WORDS = frozenset({"clade", "minmax"})
_SWAPS = {"i": "l", "l": "i"}  # capital I and small l look alike in most fonts; 1 is read as i by the leet pass


def misspellings(alias: str) -> list[str]:
    """The one-slip spellings of a single-word Latin alias (none for Chinese, spaced or short aliases)."""
    word = alias.casefold()
    if len(word) < MIN_LENGTH or _LATIN.fullmatch(word) is None or sum(c.isalpha() for c in word) < 4:
        return []
    out = []
    for i, ch in enumerate(word):
        dropped = word[:i] + word[i + 1:]
        inner = 0 < i < len(word) - 1  # the first and last letters stay: the name must still be read as itself
        if ch.isalpha() and inner and (len(word) >= MIN_LENGTH_DROPPED or not dropped.isalpha()):
            out.append(dropped)  # one letter left out
        if ch in _SWAPS:
            out.append(word[:i] + _SWAPS[ch] + word[i + 1:])
    return [w for w in dict.fromkeys(out) if w != word and len(w) >= 4 and w not in _REAL_WORDS]


def with_misspellings(aliases: list[str], taken: set[str]) -> list[str]:
    """The aliases followed by their slips, except slips that are a term of their own elsewhere (``taken``)."""
    out = list(aliases)
    for alias in aliases:
        out.extend(w for w in misspellings(alias) if w not in taken)
    return list(dict.fromkeys(out))
