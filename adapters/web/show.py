"""What the templates show: a message cut into plain / evidence / control-character pieces, and chart bars.

Jinja2 escapes every piece. Direction overrides and other invisible controls (RTL override U+202E...) are
not passed on: each is shown as a visible [U+202E] mark, so a name or a message cannot reorder the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

CONTROLS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Piece:
    text: str
    kind: str  # "text" | "mark" (evidence) | "ctrl" (a visible stand-in for an invisible control)


def _controls(text: str, kind: str) -> list[Piece]:
    out, pos = [], 0
    for m in CONTROLS.finditer(text):
        if m.start() > pos:
            out.append(Piece(text[pos:m.start()], kind))
        out.append(Piece(f"[U+{ord(m.group()):04X}]", "ctrl"))
        pos = m.end()
    if pos < len(text):
        out.append(Piece(text[pos:], kind))
    return out


def safe(text: str | None) -> list[Piece]:
    return _controls(text or "", "text")


def spans(text: str, findings: Iterable[dict]) -> list[tuple[int, int]]:
    """Merged evidence spans inside the stored text (a span that no longer fits is found by its words)."""
    found = []
    for f in findings:
        if float(f.get("score") or 0) <= 0:
            continue
        for ev in f.get("evidence") or ():
            start, end, words = ev.get("start"), ev.get("end"), ev.get("text") or ""
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text) and (
                    not words or text[start:end] == words):
                found.append((start, end))
            elif words and (at := text.find(words)) >= 0:
                found.append((at, at + len(words)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlighted(text: str, findings: Iterable[dict]) -> list[Piece]:
    out, pos = [], 0
    for start, end in spans(text, findings):
        out += _controls(text[pos:start], "text") + _controls(text[start:end], "mark")
        pos = end
    return out + _controls(text[pos:], "text")


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float  # percent of the widest bar


def bars(counts: dict[str, int], limit: int = 30) -> list[Bar]:
    items = list(counts.items())[:limit]
    top = max((n for _, n in items), default=0) or 1
    return [Bar(k, n, round(100.0 * n / top, 1)) for k, n in items]
