"""Normalise a message once against filter-dodging tricks, keeping a map back to the original text.

Views built here (all lower-case, Simplified Chinese, look-alikes folded):
- ``norm``: the text with NFKC, case folding, Traditional->Simplified, look-alike letters and invisible
  characters removed. Usually the same length as the original (fast path, identity offsets).
- ``compact``: ``norm`` without separators (spaces, punctuation, symbols, emoji), so ``S.o.r.a``,
  ``S o r a`` and ``内🔥测`` read ``sora`` / ``内测``.
- ``compact_leet``: ``compact`` with digits read as letters (``s0ra`` -> ``sora``); only letter-only terms are
  matched against it.

Everything per character is done by ``str.translate`` with tables built once, so the hot path runs in C.
"""

from __future__ import annotations

import json
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import re

# Characters scammers slip inside words; they carry no meaning, so they are deleted.
_INVISIBLE = (
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))  # zero-width space/joiners, LRM/RLM
    + list(range(0x202A, 0x202F))  # bidi embeddings and overrides (RLO...)
    + [0x02C7, 0x02C9, 0x02CA, 0x02CB, 0x02D9]  # Zhuyin tone marks (ㄌㄞˊ): the syllable reads the same without
    + list(range(0x2060, 0x2070))  # word joiner, invisible operators, bidi isolates
    + list(range(0xFE00, 0xFE10))  # variation selectors
    + list(range(0xE0000, 0xE0080))  # tag characters
    + list(range(0xE0100, 0xE01F0))  # variation selectors supplement
)
# Ranges where NFKC folds look-alike forms to plain letters/digits (full-width, math alphanumerics, circled...).
_NFKC_RANGES = [
    (0x00A0, 0x0500), (0x1D00, 0x1DBF), (0x2000, 0x2BFF), (0x2E80, 0x2FDF), (0x3000, 0x33FF),
    (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE10, 0xFE6F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F100, 0x1F1FF),
]
# Plus-signs written as emoji are the "➕微" contact trick: read them as 加 (add).
_PLUS_AS_ADD = "+＋➕﹢⊕"
# Emoji that stand for a chat app in "加🐧群", "🐧 私": read as the app's name.
_APP_EMOJI = {"🐧": " qq "}
# Emoji read as the word they sound like: a horse (mǎ) for 码 in "扫🐎进群", "邀请🐎", "二维🐎".
_HOMOPHONE_EMOJI = {"🐎": "码", "🐴": "码"}
_SIMPLIFIED_VARIANTS = {"帐": "账", "钜": "巨", "讬": "托"}
_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
# str.translate looks every character up in its table; a dict raises (and clears) a KeyError for each
# character it does not map, which is most of a Chinese message. A list indexed by code point answers
# without raising, so the tables below are lists over the Basic Multilingual Plane. For the leet table a
# character past the list's end (an emoji) raises IndexError, which translate reads as "unchanged": correct.
_LEET = [_LEET_MAP.get(chr(cp), cp) for cp in range(0x80)]
# Characters beyond the BMP (emoji, math alphanumerics, tags) send a message to the full dict table.
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
# Separators: anything that is not a letter, digit or CJK ideograph (emoji, punctuation, spaces, symbols).
# A single character class with a greedy run: linear time in Python's re.
_KEEP_RUN = re.compile(r"[^\W_]+")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


def _opencc_dictionary(name: str) -> Path:
    return Path(str(resources.files("opencc") / "dictionary" / name))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str | None], list[int | str | None], re.Pattern, frozenset[str], dict[int, str]]:
    """Build once: the translate table (a dict, and the same as a list over the BMP), the characters that
    change the text's length (as a regex over the BMP, and as a set of all of them), and the
    Traditional->Simplified table."""
    t2s: dict[int, str] = {}
    with open(_opencc_dictionary("TSCharacters.txt"), encoding="utf-8") as fh:
        for line in fh:
            trad, _, simp = line.rstrip("\n").partition("\t")
            simp = simp.split(" ")[0]
            if len(trad) == 1 and len(simp) == 1 and trad != simp:
                t2s[ord(trad)] = simp
    # Simplified variants that sellers mix freely: fold them so "帐号" and "账号" read alike.
    for variant, canonical in _SIMPLIFIED_VARIANTS.items():
        t2s[ord(variant)] = canonical

    # Look-alike letters from other scripts (Cyrillic о, Greek ο, math alphanumerics...) -> ASCII.
    import confusable_homoglyphs

    conf_path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    confusables: dict[int, str] = {}
    with open(conf_path, encoding="utf-8") as fh:
        for key, entries in json.load(fh).items():
            if len(key) != 1 or not (key.isascii() and key.isalnum()):
                continue
            for entry in entries:
                c = entry["c"]
                if len(c) == 1 and not c.isascii() and not _is_cjk(c) and ord(c) not in confusables:
                    confusables[ord(c)] = key.lower()
    # The table files capital-I look-alikes under "l" (I and l look alike), so Cyrillic "АІ" read "al" and a
    # scammer's "АІ" was no AI. A capital letter reads as its own small letter where that one is listed.
    for cp in list(confusables):
        small = chr(cp).lower()
        if len(small) == 1 and ord(small) != cp and ord(small) in confusables:
            confusables[cp] = confusables[ord(small)]

    def fold(s: str) -> str:
        out = []
        for ch in s:
            ch = t2s.get(ord(ch), ch)
            ch = t2s.get(ord(ch), ch)  # a Traditional char may land on a variant that folds once more
            ch = confusables.get(ord(ch), ch)
            out.append(ch)
        return "".join(out).casefold()

    table: dict[int, str | None] = {}
    for lo, hi in _NFKC_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            folded = fold(unicodedata.normalize("NFKC", ch))
            if folded != ch:
                table[cp] = folded
    for cp in list(t2s) + list(confusables):
        ch = chr(cp)
        folded = fold(unicodedata.normalize("NFKC", ch))
        if folded != ch:
            table[cp] = folded
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp).lower()
    # Letters in black circles and squares (🅞, 🅾): NFKC leaves them alone, scammers spell "S🅾ra" with them.
    # Regional indicators (🇨 🇳) stay as they are: in pairs they are flags, and a flag beside a word is no letter.
    for first in (0x1F150, 0x1F170):
        for i in range(26):
            table[first + i] = chr(ord("a") + i)
    for cp in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):
        table[cp] = " "  # control characters act as separators
    for ch in _PLUS_AS_ADD:
        table[ord(ch)] = "加"
    for ch, name in _APP_EMOJI.items():
        table[ord(ch)] = name
    for ch, word in _HOMOPHONE_EMOJI.items():
        table[ord(ch)] = word
    for cp in _INVISIBLE:
        table[cp] = None
    # Lone surrogates cannot be encoded anywhere downstream: read them as a separator.
    for cp in range(0xD800, 0xE000):
        table[cp] = " "
    bmp: list[int | str | None] = [table.get(cp, cp) for cp in range(0x10000)]
    length_changing = sorted(cp for cp, v in table.items() if v is None or len(v) != 1)
    # BMP characters only: re compiles that class to a bitmap (one look-up per character); with astral
    # ones in it, it would test every range for every character (a hundred times slower).
    changing_bmp = re.compile("[" + "".join(re.escape(chr(cp)) for cp in length_changing if cp < 0x10000) + "]")
    return table, bmp, changing_bmp, frozenset(map(chr, length_changing)), t2s


def warm_up() -> None:
    """Build the tables and the Traditional-character classes (~20 ms) before the first message waits for them."""
    _tables()
    _traditional()


@lru_cache(maxsize=1)
def _traditional() -> tuple[re.Pattern, re.Pattern]:
    """Traditional-only characters as two classes: the BMP ones (a bitmap, fast) and the rare astral ones
    (kept apart: with them in it a class would test every range for every character)."""
    chars = sorted(_tables()[4])
    bmp = "".join(re.escape(chr(cp)) for cp in chars if cp < 0x10000)
    astral = "".join(re.escape(chr(cp)) for cp in chars if cp >= 0x10000) or "\x00"
    return re.compile(f"[{bmp}]"), re.compile(f"[{astral}]")


def traditional_chars(text: str) -> int:
    """How many characters of ``text`` are Traditional-only (used to tell zh-Hant from zh-Hans)."""
    if text.isascii():
        return 0
    bmp, astral = _traditional()
    count = len(bmp.findall(text))
    if _ASTRAL.search(text) is not None:
        count += len(astral.findall(text))
    return count


@dataclass(slots=True)  # not frozen: built for every message, and a frozen one costs five times as much
class Normalized:
    original: str
    norm: str
    # norm index -> original index; None when the fast path kept positions identical.
    norm_to_orig: tuple[int, ...] | None
    compact: str
    # Runs of kept characters: compact_starts[i] is where run i begins in `compact`, norm_starts[i] in `norm`.
    compact_starts: tuple[int, ...]
    norm_starts: tuple[int, ...]

    @property
    def compact_leet(self) -> str:
        return self.compact.translate(_LEET)

    def norm_leet(self) -> str:
        return self.norm.translate(_LEET)

    def compact_to_norm(self, i: int) -> int:
        run = bisect_right(self.compact_starts, i) - 1
        return self.norm_starts[run] + (i - self.compact_starts[run])

    def norm_to_original(self, i: int) -> int:
        return i if self.norm_to_orig is None else self.norm_to_orig[i]

    def original_span(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        """[start, end) in norm -> [start, end) in the original (end includes deleted invisibles inside)."""
        if norm_end <= norm_start:
            return (0, 0)
        start = self.norm_to_original(norm_start)
        last = self.norm_to_original(norm_end - 1)
        end = last + 1
        # Widen to cover a character that NFKC expanded into several norm characters.
        if self.norm_to_orig is not None:
            while end < len(self.original) and end <= last:
                end += 1
        return (start, end)

    def compact_span_to_original(self, c_start: int, c_end: int) -> tuple[int, int]:
        n_start = self.compact_to_norm(c_start)
        n_end = self.compact_to_norm(c_end - 1) + 1
        return self.original_span(n_start, n_end)


def normalize(text: str) -> Normalized:
    table, bmp, changing_bmp, changing, _ = _tables()
    if _ASTRAL.search(text) is None:
        norm = text.translate(bmp)
        # one C scan for a character that deletes or expands: the common case never leaves the fast path
        unchanged_length = len(norm) == len(text) and changing_bmp.search(text) is None
    else:  # emoji and other astral characters (rarer): the dict table and a set walk
        norm = text.translate(table)
        unchanged_length = len(norm) == len(text) and changing.isdisjoint(text)
    if unchanged_length:
        offsets = None
    else:
        norm, offsets = _normalize_with_offsets(text, table)
    compact_parts: list[str] = []
    compact_starts: list[int] = []
    norm_starts: list[int] = []
    pos = 0
    for m in _KEEP_RUN.finditer(norm):
        compact_starts.append(pos)
        norm_starts.append(m.start())
        part = m.group()
        compact_parts.append(part)
        pos += len(part)
    return Normalized(
        original=text,
        norm=norm,
        norm_to_orig=offsets,
        compact="".join(compact_parts),
        compact_starts=tuple(compact_starts),
        norm_starts=tuple(norm_starts),
    )


def _normalize_with_offsets(text: str, table: dict[int, str | None]) -> tuple[str, tuple[int, ...]]:
    """Slow path for texts with deletions or expansions: character by character, recording offsets."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        mapped = table.get(ord(ch), ch)
        if not mapped:
            continue
        out.append(mapped)
        offsets.extend([i] * len(mapped))
    return "".join(out), tuple(offsets)
