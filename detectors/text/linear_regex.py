"""RE2 regexes (linear time: no message can make them backtrack) with a lean scanning loop.

google-re2's Python `finditer` re-encodes the text to UTF-8 and rebuilds an offset table on every call and
match; on an 80-character chat message that wrapper, not the matching, is most of the cost. Here a message
is encoded once (`Utf8Text`) and shared by every pattern, RE2's compiled matcher is called directly, and byte
offsets are turned back into character offsets only for what matched, in one forward pass per scan.
"""

from __future__ import annotations

import re2
from re2 import _re2

_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_bytes_to_chars = _re2.BytesToCharLen
_chars_to_bytes = _re2.CharLenToBytes


class Utf8Text:
    """A str's UTF-8 encoding, made once per message for all patterns."""

    __slots__ = ("data", "ascii")

    def __init__(self, text: str):
        self.ascii = text.isascii()
        # Lone surrogates (already mapped to spaces by normalisation) would not encode; never raise here.
        self.data = text.encode("utf-8", "surrogatepass")


class LinearRegex:
    def __init__(self, pattern: str):
        self.pattern = pattern
        self._raw = re2.compile(pattern)._regexp  # the compiled RE2 object behind the public wrapper

    def spans(self, t: Utf8Text, group: int = 0) -> list[tuple[int, int]]:
        """[start, end) character spans of `group` in every non-overlapping match, left to right."""
        data, match = t.data, self._raw.Match
        pos, end = 0, len(data)
        found: list[tuple[int, int]] = []
        while True:
            spans = match(_UNANCHORED, data, pos, end)
            m_end = spans[0][1]
            if m_end < 0:
                break
            g = spans[group]
            if g[0] >= 0:
                found.append(g)
            if pos == end:
                break
            # an empty match where the search began must still move on, by one whole character
            pos = pos + _chars_to_bytes(data, pos, 1) if m_end == pos else m_end
        if t.ascii or not found:
            return found
        return _to_chars(data, found)


def _to_chars(data: bytes, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte spans (in order, non-overlapping starts) -> character spans, decoding each byte once."""
    out = []
    last_byte = last_char = 0
    for s, e in spans:
        if s >= last_byte:
            cs = last_char + _bytes_to_chars(data, last_byte, s)
        else:  # a group can start before the previous group ended only in pathological patterns
            cs = _bytes_to_chars(data, 0, s)
        ce = cs + _bytes_to_chars(data, s, e)
        out.append((cs, ce))
        last_byte, last_char = e, ce
    return out
