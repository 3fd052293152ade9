"""bot.actions.Reply -> Telegram HTML text + inline keyboard. Rendering only: the words come from bot/.

Reply.text is complete plain text; here it is escaped, its first line is bolded when it is the title, and
lines quoting the message ("> ...") become a blockquote with the evidence spans in bold. Telegram refuses
messages over 4096 characters (UTF-16 units, after parsing the HTML), so long texts are cut before escaping:
no tag or entity is ever cut in half.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.actions import Button, Reply
from leekguard_types import Span

MAX_TEXT = 4096
_BUDGET = 3900  # visible UTF-16 units; leaves room for the title line
BUTTONS_PER_ROW = 2


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _shorten(text: str, limit: int) -> str:
    if utf16_len(text) <= limit:
        return text
    cut = text[:limit]
    while utf16_len(cut) > limit - 1:
        cut = cut[: max(1, len(cut) - (utf16_len(cut) - limit + 1))]
    return cut.rstrip() + "…"


def _emphasise(line: str, spans: tuple[Span, ...]) -> str:
    """Escape a line, bolding each evidence text that occurs in it (first occurrence only)."""
    marks: list[tuple[int, int]] = []
    for span in sorted(spans, key=lambda s: -len(s.text)):  # "API key" wins over the "API" inside it
        needle = span.text.strip()
        at = line.find(needle) if needle else -1
        if at >= 0 and all(at >= e or at + len(needle) <= s for s, e in marks):
            marks.append((at, at + len(needle)))
    out, pos = [], 0
    for start, end in sorted(marks):
        out.append(html.escape(line[pos:start], quote=False))
        out.append(f"<b>{html.escape(line[start:end], quote=False)}</b>")
        pos = end
    out.append(html.escape(line[pos:], quote=False))
    return "".join(out)


def render_html(reply: Reply) -> str:
    text = _shorten(reply.text.strip(), _BUDGET) or reply.title or "…"
    lines = text.split("\n")
    out: list[str] = []
    title = reply.title.strip()
    if title and title not in lines[0]:
        out.append(f"<b>{html.escape(title, quote=False)}</b>")
    quote: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("> "):
            quote.append(_emphasise(line[2:], reply.highlight))
            continue
        if quote:
            out.append("<blockquote>" + "\n".join(quote) + "</blockquote>")
            quote = []
        escaped = html.escape(line, quote=False)
        out.append(f"<b>{escaped}</b>" if i == 0 and title and title in line and escaped else escaped)
    if quote:
        out.append("<blockquote>" + "\n".join(quote) + "</blockquote>")
    return "\n".join(out)


def render_keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Callback data is the Button's "<verb>:<id>" string (Telegram allows 64 bytes)."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b.label, callback_data=b.action[:64]) for b in buttons]
    return InlineKeyboardMarkup([keys[i:i + BUTTONS_PER_ROW] for i in range(0, len(keys), BUTTONS_PER_ROW)])
