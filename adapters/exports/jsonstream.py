"""Stream the messages out of a big JSON export with ijson, keeping only one message in memory at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

import ijson

from leekguard_types import ExportRecord, ReadProblem

SCALARS = ("string", "number", "boolean", "null")


class CountingReader:
    """A binary file wrapper that knows how many bytes the parser has taken (for progress and error positions)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.pos += len(data)
        return data


def stream_messages(f: CountingReader, chats: dict[str, str]) -> Iterator[tuple[str, dict, dict]]:
    """Yield (chat prefix, chat metadata, message) for every message object found.

    `chats` maps the ijson prefix of a chat object to the prefix of its message items, e.g.
    {"": "messages.item"} for a single-chat export. The metadata holds every scalar seen outside messages, keyed by
    its full prefix ("name", "guild.id", "chats.list.item.name"); it is reset when a new chat in a list begins.
    Raises ijson.JSONError where the JSON is cut or broken, after yielding every message read before that point.
    """
    owner = {msg: chat for chat, msg in chats.items()}
    meta: dict = {}
    builder: ijson.ObjectBuilder | None = None
    depth = 0
    chat = ""
    for prefix, event, value in ijson.parse(f, use_float=True):
        if builder is not None:
            builder.event(event, value)
            if event == "start_map" or event == "start_array":
                depth += 1
            elif event == "end_map" or event == "end_array":
                depth -= 1
                if depth == 0:
                    obj = builder.value
                    builder = None
                    if isinstance(obj, dict):
                        yield chat, meta, obj
            continue
        if event == "start_map":
            if prefix in owner:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
                chat = owner[prefix]
            elif prefix in chats:
                meta = {}
        elif event in SCALARS:
            meta[prefix] = value


def meta_get(meta: dict, chat: str, key: str, default=None):
    return meta.get(f"{chat}.{key}" if chat else key, default)


def json_error_text(exc: Exception) -> str:
    """yajl's messages span several lines with an ASCII pointer; the first line says what is wrong."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first.rstrip(".")


def read_json_messages(path: str, f: CountingReader, chats: dict[str, str],
                       convert: Callable[[str, dict, dict, int], ExportRecord]) -> Iterator[ExportRecord | ReadProblem]:
    """Run stream_messages and turn each message into a record; bad input becomes ReadProblems, never exceptions."""
    count = 0
    last_id = None
    try:
        for chat, meta, msg in stream_messages(f, chats):
            count += 1
            try:
                record = convert(chat, meta, msg, count)
            except Exception as e:  # one odd message must not end the scan of the file
                yield ReadProblem(path, f"message #{count}", f"unreadable message skipped ({type(e).__name__}: {e})")
                continue
            last_id = record.message_id
            yield record
    except ijson.JSONError as e:
        after = f" (after message id {last_id}; {count} messages read)" if last_id is not None else ""
        yield ReadProblem(path, f"byte {f.pos}", f"truncated or malformed JSON: {json_error_text(e)}{after}",
                          fatal=True)
    except OSError as e:
        yield ReadProblem(path, f"byte {f.pos}", f"read error: {e.strerror or e}", fatal=True)
