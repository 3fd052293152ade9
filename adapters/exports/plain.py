"""Plain exports: JSON lines ({"id", "text", ...} per line), a JSON array of such objects, and text (a message per line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO

import ijson

from adapters.exports.detect import TEXT_KEYS
from adapters.exports.jsonstream import CountingReader, json_error_text
from adapters.exports.telegram_json import flatten_text
from leekguard_types import ExportRecord, ReadProblem
from leekguard_types.records import JSON_ARRAY, JSONL, TEXT

MAX_LINE = 1 << 20  # a longer line is skipped (and reported) so that one huge line cannot exhaust memory
_SENDER_KEYS = ("sender", "from", "author", "user", "name", "username")
_SENDER_ID_KEYS = ("sender_id", "from_id", "author_id", "user_id")
_TIME_KEYS = ("time", "date", "timestamp", "created_at", "ts")
_LINK_KEYS = ("link", "url", "permalink")
_CHAT_KEYS = ("chat_id", "chat", "channel_id", "channel")
_REPLY_KEYS = ("reply_to_id", "reply_to_message_id", "reply_to")
_PHOTO_KEYS = ("photos", "images", "photo", "image")


class LineReader:
    """Lines of a binary file, each at most MAX_LINE bytes; counts bytes taken, for progress."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.pos = 0

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        """(line number, line) pairs; line is None when it was too long and was skipped."""
        n = 0
        while True:
            line = self._raw.readline(MAX_LINE + 1)
            if not line:
                return
            n += 1
            self.pos += len(line)
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                while True:  # drain the rest of the over-long line without keeping it
                    more = self._raw.readline(MAX_LINE)
                    self.pos += len(more)
                    if not more or more.endswith(b"\n"):
                        break
                yield n, None
                continue
            yield n, line


def _decode(path: str, n: int, line: bytes) -> tuple[str, ReadProblem | None]:
    if n == 1 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError as e:
        problem = ReadProblem(path, f"line {n}", f"not valid UTF-8 at column {e.start + 1}; bad bytes replaced")
        return line.decode("utf-8", errors="replace"), problem


def _too_long(path: str, n: int) -> ReadProblem:
    return ReadProblem(path, f"line {n}", f"line longer than {MAX_LINE // (1 << 20)} MiB skipped")


def read_text(path: str, lines: LineReader) -> Iterator[ExportRecord | ReadProblem]:
    for n, line in lines:
        if line is None:
            yield _too_long(path, n)
            continue
        text, problem = _decode(path, n, line)
        if problem:
            yield problem
        text = text.rstrip("\r\n")
        if text.strip():
            yield ExportRecord(source=path, format=TEXT, message_id=str(n), text=text, position=f"line {n}")


def read_jsonl(path: str, lines: LineReader) -> Iterator[ExportRecord | ReadProblem]:
    for n, line in lines:
        if line is None:
            yield _too_long(path, n)
            continue
        raw, problem = _decode(path, n, line)
        if problem:
            yield problem
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as e:
            yield ReadProblem(path, f"line {n}", f"not valid JSON ({e.msg} at column {e.colno}); line skipped")
            continue
        if not isinstance(obj, dict):
            yield ReadProblem(path, f"line {n}", f"expected a JSON object, found {type(obj).__name__}; line skipped")
            continue
        yield from_mapping(path, JSONL, obj, n, f"line {n}")


def read_json_array(path: str, f: CountingReader) -> Iterator[ExportRecord | ReadProblem]:
    n = 0
    try:
        for obj in ijson.items(f, "item", use_float=True):
            n += 1
            if isinstance(obj, dict):
                yield from_mapping(path, JSON_ARRAY, obj, n, f"item #{n}")
            else:
                yield ReadProblem(path, f"item #{n}", f"expected a JSON object, found {type(obj).__name__}; skipped")
    except ijson.JSONError as e:
        yield ReadProblem(path, f"byte {f.pos}", f"truncated or malformed JSON: {json_error_text(e)} "
                                                 f"({n} items read)", fatal=True)


def _first(obj: dict, keys: tuple[str, ...]):
    for k in keys:
        if obj.get(k) not in (None, ""):
            return obj[k]
    return None


def _time(value) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:  # seconds, or milliseconds when it is too big to be seconds
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
    if isinstance(value, str) and value.strip():
        v = value.strip()
        if v.isdigit():
            return _time(int(v))
        try:
            return datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def from_mapping(path: str, fmt: str, obj: dict, n: int, position: str) -> ExportRecord:
    """A record from a loosely-shaped message object; anything missing stays empty."""
    text = _first(obj, TEXT_KEYS)
    sender = _first(obj, _SENDER_KEYS)
    sender_id = _first(obj, _SENDER_ID_KEYS)
    if isinstance(sender, dict):
        sender_id = sender_id or sender.get("id")
        sender = sender.get("nickname") or sender.get("name") or sender.get("username")
    photos = _first(obj, _PHOTO_KEYS)
    if isinstance(photos, str):
        photos = [photos]
    mid = _first(obj, ("id", "message_id"))
    reply = _first(obj, _REPLY_KEYS)
    chat = _first(obj, _CHAT_KEYS)
    link = _first(obj, _LINK_KEYS)
    return ExportRecord(
        source=path,
        format=fmt,
        message_id=str(n) if mid is None else str(mid),
        text=flatten_text(text) if text is not None else "",
        sender=str(sender or ""),
        sender_id=str(sender_id or ""),
        time=_time(_first(obj, _TIME_KEYS)),
        chat_id="" if chat is None or isinstance(chat, (dict, list)) else str(chat),
        link=link if isinstance(link, str) else None,
        photos=tuple(str(p) for p in photos if isinstance(p, str)) if isinstance(photos, list) else (),
        reply_to_id=None if reply is None or isinstance(reply, (dict, list)) else str(reply),
        position=position,
    )
