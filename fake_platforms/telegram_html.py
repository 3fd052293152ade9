"""Telegram's HTML parse mode, as strict as Telegram: unknown tags, unbalanced tags and bare `<`/`&` are refused.

This is what catches a missing html.escape() in the bot: Telegram would answer 400 "can't parse entities".
"""

from __future__ import annotations

import html
import re

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\"|='[^'<>]*')?)*)\s*>|<|&")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


class HTMLError(ValueError):
    pass


def check_html(text: str) -> str:
    """Validate Telegram HTML and return the plain text a user would see."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while (m := _TOKEN.search(text, pos)) is not None:
        out.append(text[pos:m.start()])
        token = m.group(0)
        if token == "&":
            ent = _ENTITY.match(text, m.start())
            if ent is None:
                raise HTMLError(f"Unsupported entity or bare '&' at byte offset {m.start()}")
            out.append(html.unescape(ent.group(0)))
            pos = ent.end()
            continue
        if token == "<":
            raise HTMLError(f"Unsupported start tag at byte offset {m.start()}")
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name not in ALLOWED_TAGS:
            raise HTMLError(f'Unsupported start tag "{name}" at byte offset {m.start()}')
        if closing:
            if not stack or stack[-1] != name:
                raise HTMLError(f'Can\'t find end tag corresponding to start tag "{stack[-1] if stack else name}"')
            stack.pop()
        else:
            if name == "a" and "href" not in (m.group(3) or ""):
                raise HTMLError("Tag \"a\" must have attribute \"href\"")
            stack.append(name)
        pos = m.end()
    out.append(text[pos:])
    if stack:
        raise HTMLError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
