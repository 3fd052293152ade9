"""Tell which kind of export a file is by looking at its first bytes, never at its name."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import ijson

from leekguard_types.records import DISCORD, JSON_ARRAY, JSONL, TELEGRAM, TEXT

HEAD_BYTES = 64 * 1024
# fields a plain JSONL / JSON-array message may carry its text in
TEXT_KEYS = ("text", "content", "message", "body")
# top-level keys of Telegram Desktop's full-account export ("Export Telegram data")
_TELEGRAM_FULL_KEYS = {"chats", "left_chats", "personal_information", "frequent_contacts", "profile_pictures"}
_TELEGRAM_MSG_KEYS = {"from", "from_id", "date_unixtime", "text_entities", "actor", "actor_id"}
_DISCORD_MSG_KEYS = {"content", "author", "timestampEdited", "isPinned"}
_HINT = "export as JSON (Telegram Desktop: 'Machine-readable JSON'; DiscordChatExporter: 'JSON')"


@dataclass(frozen=True, slots=True)
class Sniff:
    format: str | None  # None: not something we can read; `reason` says why
    reason: str = ""
    binary: bool = False  # looks like a media or archive file (skipped quietly inside folders)


def sniff(path: str) -> Sniff:
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as e:
        return Sniff(None, f"cannot read: {e.strerror or e}")
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> Sniff:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        return Sniff(None, "empty file: no messages in it")
    if head.startswith(b"PK\x03\x04"):
        return Sniff(None, "zip archive: unpack it first and scan the folder", binary=True)
    if head.startswith(b"\x1f\x8b"):
        return Sniff(None, "gzip-compressed: decompress it first", binary=True)
    if b"\x00" in head:
        return Sniff(None, "binary data, not a chat export", binary=True)
    body = head.lstrip()
    first = body[:1]
    if first == b"{":
        return _sniff_object(body)
    if first == b"[":
        return _sniff_array(body)
    if first == b"<" and (b"<html" in body[:2048].lower() or b"<!doctype html" in body[:2048].lower()):
        return Sniff(None, f"an HTML export, which cannot be read reliably: {_HINT}")
    return _as_text(head)


def _is_utf8(head: bytes) -> bool:
    """Mostly valid UTF-8: a stray bad byte is reported per line later; a file in another encoding is refused."""
    text = head.decode("utf-8", errors="replace")
    return text.count("\ufffd") <= max(3, len(text) // 100)


def _shape(body: bytes) -> tuple[list[str], set[str]]:
    """Top-level keys of the JSON object in `body`, and the keys of its first message (if any)."""
    top: list[str] = []
    first_msg: set[str] = set()
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(body)):
            if event == "map_key":
                if prefix == "":
                    top.append(value)
                elif prefix in ("messages.item", "chats.list.item.messages.item"):
                    first_msg.add(value)
            elif event == "end_map" and prefix in ("messages.item", "chats.list.item.messages.item"):
                break
    except ijson.JSONError:
        pass  # the head is cut, or there is more than one value (JSONL): what we saw is enough
    return top, first_msg


def _first_line_object(body: bytes) -> dict | None:
    line = body.split(b"\n", 1)[0]
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _sniff_object(body: bytes) -> Sniff:
    top, msg_keys = _shape(body)
    keys = set(top)
    if not top and _first_line_object(body) is None:
        return _as_text(body)  # "{公告} ..." is a line of chat, not JSON
    if "messages" in keys:
        if {"guild", "channel"} & keys or msg_keys & _DISCORD_MSG_KEYS:
            return Sniff(DISCORD)
        if msg_keys & _TELEGRAM_MSG_KEYS or {"name", "type", "id"} & keys:
            return Sniff(TELEGRAM)
    if keys & _TELEGRAM_FULL_KEYS:
        return Sniff(TELEGRAM)
    line = _first_line_object(body)
    if line is not None and any(k in line for k in TEXT_KEYS):
        return Sniff(JSONL)
    if line is not None and b"\n" in body.strip():
        return Sniff(None, "JSON lines without a text field: each line needs one of " + ", ".join(TEXT_KEYS))
    shown = ", ".join(top[:8]) or "none readable"
    return Sniff(None, f"JSON, but not a chat export we know (top-level keys: {shown}); {_HINT}")


def _sniff_array(body: bytes) -> Sniff:
    keys: set[str] = set()
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(body)):
            if prefix == "item" and event == "map_key":
                keys.add(value)
            elif prefix == "item" and event == "end_map" or prefix == "" and event == "end_array":
                break
            elif prefix == "item" and event not in ("start_map", "map_key"):
                break  # an array of plain values, not of messages
    except ijson.JSONError:
        pass
    if keys & set(TEXT_KEYS):
        return Sniff(JSON_ARRAY)
    if not keys and not _parses(body):
        return _as_text(body)  # "[2025-03-01 10:00] Alice: hi" is a chat log line, not JSON
    return Sniff(None, "a JSON array, but not of messages with a text field (" + ", ".join(TEXT_KEYS) + ")")


def _parses(body: bytes) -> bool:
    """The head is JSON, possibly cut short by the head limit."""
    try:
        for _ in ijson.parse(io.BytesIO(body)):
            pass
    except ijson.JSONError as e:
        return "premature EOF" in str(e)
    return True


def _as_text(head: bytes) -> Sniff:
    if not _is_utf8(head):
        return Sniff(None, "not UTF-8 text (convert it first, e.g. iconv -f GB18030 -t UTF-8)", binary=True)
    return Sniff(TEXT)
