"""Text that is safe to hand to SQLite, and the excerpt rule.

Lone surrogates: Python strings may hold UTF-16 surrogates that are not valid Unicode (a half emoji from a
JSON escape like "\\ud83d", or text a client cut in the middle of a pair). SQLite stores UTF-8, which cannot
encode them, so the write would fail. Decision: a valid high+low pair is joined into the character it
stands for, and every lone surrogate is replaced by U+FFFD (the replacement character). Everything else,
including NUL, control characters, bidi marks and SQL metacharacters, is stored exactly as written.
The text_hash the engine computed is kept as given, so dedupe is unaffected.

Categories are identifiers chosen by the engine, indexed through SQLite's json_each, which stops at NUL;
so category() also drops NUL characters, the same way on write and in filters.
"""

from __future__ import annotations

import json
from typing import Any

EXCERPT_MARK = "…"


def clean_text(value: Any) -> str:
    s = value if isinstance(value, str) else ("" if value is None else str(value))
    try:
        s.encode("utf-8")
        return s  # the fast path: almost every string
    except UnicodeEncodeError:
        return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def category(value: Any) -> str:
    return clean_text(value).replace("\x00", "")


def clean_opt(value: Any) -> str | None:
    return None if value is None else clean_text(value)


def to_json(value: Any) -> str:
    """Compact JSON that keeps Chinese readable in the database; never fails on odd values."""
    return clean_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def excerpt(text: str, chars: int) -> str:
    if chars <= 0 or len(text) <= chars:
        return text
    return text[: max(chars - 1, 0)] + EXCERPT_MARK
