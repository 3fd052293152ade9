"""Where a long post's closing lines begin.

A long post can be a sensible essay whose last lines sell something ("...当然，如果你想省时间，我们的《AI视频实战21天》还剩
最后30个名额，299，扫码报名。"). Over the whole post, hundreds of ordinary words outweigh the one pitch; read on
their own, the closing lines are the advert they are. The engine reads them apart (detectors/engine.py).
"""

from __future__ import annotations

import re

# Posts shorter than this are read whole only: their closing lines are most of them.
LONG_POST_CHARS = 240
# The closing passage: the last whole sentences that make at least this many characters...
CLOSING_MIN_CHARS = 90
# ...and at most this many (a closing paragraph, not the second half of an essay).
CLOSING_MAX_CHARS = 260
# A sentence ends after 。！？!?；, a line break, or a full stop or semicolon followed by a space ("$4.99" goes on).
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n；])|(?<=[.;]\s)")


def closing_lines(text: str) -> int | None:
    """The offset where the closing passage of a long post begins; None for a short post, or where no whole
    sentences at the end make a passage (a post of one long sentence)."""
    if len(text) < LONG_POST_CHARS:
        return None
    sentences = _SENTENCE_END.split(text.rstrip())
    size = 0
    for i in range(len(sentences) - 1, 0, -1):
        size += len(sentences[i])
        if size >= CLOSING_MIN_CHARS:
            if size <= CLOSING_MAX_CHARS:
                return sum(map(len, sentences[:i]))
            # this sentence overshoots: the passage is the shorter one after it, if there is one
            return sum(map(len, sentences[:i + 1])) if i + 1 < len(sentences) else None
    return None
