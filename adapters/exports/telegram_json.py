"""Telegram Desktop "Export chat history" JSON (result.json): single-chat exports and full-account exports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone

from adapters.exports.jsonstream import CountingReader, meta_get, read_json_messages
from leekguard_types import ExportRecord, ReadProblem
from leekguard_types.records import TELEGRAM

# where chats (and their messages) sit: a single-chat export is one chat at the root; the full-account export
# ("Export Telegram data") lists them under chats.list and left_chats.list
CHATS = {
    "": "messages.item",
    "chats.list.item": "chats.list.item.messages.item",
    "left_chats.list.item": "left_chats.list.item.messages.item",
}
_NOT_INCLUDED = "(File"  # "(File not included. Change data exporting settings to download.)"


def read_telegram(path: str, f: CountingReader) -> Iterator[ExportRecord | ReadProblem]:
    base = os.path.dirname(path)
    seen: list = [None, ("", "", None)]  # [chat metadata object, its (chat id, title, link base)]

    def convert(chat: str, meta: dict, msg: dict, n: int) -> ExportRecord:
        if meta is not seen[0]:  # a new chat began: its id, type and name come before its messages
            seen[0], seen[1] = meta, _chat_info(meta, chat)
        return _record(path, base, msg, seen[1], n)

    return read_json_messages(path, f, CHATS, convert)


def _chat_info(meta: dict, chat: str) -> tuple[str, str, str | None]:
    """(bot-style chat id, chat title, permalink base or None)."""
    raw_id = meta_get(meta, chat, "id")
    kind = str(meta_get(meta, chat, "type", "") or "")
    title = str(meta_get(meta, chat, "name", "") or "")
    if raw_id is None:
        return "", title, None
    raw = str(raw_id)
    # Telegram Desktop writes the bare peer id; the Bot API (and so our incidents) sees supergroups and
    # channels as -100<id> and basic groups as -<id>. Members can open t.me/c/<id>/<message> links.
    if kind.endswith("supergroup") or kind.endswith("channel"):
        return f"-100{raw}", title, f"https://t.me/c/{raw}/"
    if kind.endswith("group"):
        return f"-{raw}", title, None
    return raw, title, None


def flatten_text(text) -> str:
    """`text` is a string, or a list of strings and entity objects {type, text[, href]}."""
    if isinstance(text, str):
        return text
    if not isinstance(text, list):
        return ""
    parts: list[str] = []
    for part in text:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            shown = str(part.get("text") or "")
            parts.append(shown)
            href = part.get("href")
            # a text_link hides its target: keep it, scam links are often hidden behind innocent words
            if isinstance(href, str) and href and href not in shown:
                parts.append(f" ({href})")
    return "".join(parts)


def _time(msg: dict) -> datetime | None:
    unix = msg.get("date_unixtime")
    if unix not in (None, ""):
        try:
            return datetime.fromtimestamp(int(unix), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            pass
    date = msg.get("date")
    if isinstance(date, str) and date:
        try:
            return datetime.fromisoformat(date)  # local time of the exporting computer, zone unknown
        except ValueError:
            return None
    return None


def _photos(base: str, msg: dict) -> tuple[str, ...]:
    found = []
    photo = msg.get("photo")
    if isinstance(photo, str) and photo and not photo.startswith(_NOT_INCLUDED):
        found.append(os.path.join(base, photo))
    file = msg.get("file")
    if (isinstance(file, str) and file and not file.startswith(_NOT_INCLUDED)
            and str(msg.get("mime_type", "")).startswith("image/") and msg.get("media_type") != "sticker"):
        found.append(os.path.join(base, file))
    return tuple(found)


def _record(path: str, base: str, msg: dict, info: tuple[str, str, str | None], n: int) -> ExportRecord:
    chat_id, title, link_base = info
    service = msg.get("type") == "service"
    text = flatten_text(msg.get("text")) if "text" in msg else flatten_text(msg.get("text_entities"))
    poll = msg.get("poll")
    if isinstance(poll, dict) and poll.get("question"):
        text = (text + "\n" if text else "") + str(poll["question"])
    mid = msg.get("id")
    reply = msg.get("reply_to_message_id")
    sender = msg.get("actor") if service else msg.get("from")
    sender_id = msg.get("actor_id") if service else msg.get("from_id")
    return ExportRecord(
        source=path,
        format=TELEGRAM,
        message_id="" if mid is None else str(mid),
        text=text,
        sender=str(sender or ""),
        sender_id=str(sender_id or ""),
        time=_time(msg),
        chat_id=chat_id,
        chat_title=title,
        link=f"{link_base}{mid}" if link_base and isinstance(mid, int) and mid > 0 else None,
        photos=_photos(base, msg),
        reply_to_id=None if reply is None else str(reply),
        service=service,
        position=f"message #{n}",
    )
