"""Chat-export readers for `leekguard scan`: find the exports among paths and folders, then stream their messages.

    files, problems, skipped = find_exports(["result.json", "exports/"])
    for export in files:
        for item in export:              # ExportRecord, or ReadProblem naming file and position
            ...
        export.pos / export.size         # bytes read so far, for a progress bar

Formats are told apart by content (adapters.exports.detect), never by file name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from adapters.exports.detect import Sniff, sniff
from adapters.exports.discord_json import read_discord
from adapters.exports.jsonstream import CountingReader
from adapters.exports.plain import LineReader, read_json_array, read_jsonl, read_text
from adapters.exports.telegram_json import read_telegram
from leekguard_types import ExportRecord, ReadProblem
from leekguard_types.records import DISCORD, JSON_ARRAY, JSONL, TELEGRAM, TEXT

__all__ = ["ExportFile", "ExportRecord", "ReadProblem", "find_exports", "open_export",
           "TELEGRAM", "DISCORD", "JSONL", "JSON_ARRAY", "TEXT"]

# media folders beside a Telegram result.json: never chat exports themselves
_TELEGRAM_MEDIA_DIRS = {"photos", "files", "video_files", "voice_messages", "round_video_messages", "stickers",
                        "contacts", "profile_pictures", "stories", "css", "js", "images"}
_READ_BUFFER = 256 * 1024


@dataclass
class ExportFile:
    path: str
    format: str
    size: int
    _reader: CountingReader | LineReader | None = field(default=None, repr=False)

    @property
    def pos(self) -> int:
        """Bytes read so far."""
        return self._reader.pos if self._reader is not None else 0

    def __iter__(self) -> Iterator[ExportRecord | ReadProblem]:
        try:
            raw = open(self.path, "rb", buffering=_READ_BUFFER)
        except OSError as e:
            yield ReadProblem(self.path, "", f"cannot open: {e.strerror or e}", fatal=True)
            return
        with raw:
            if self.format in (JSONL, TEXT):
                self._reader = LineReader(raw)
                read = read_jsonl if self.format == JSONL else read_text
                try:
                    yield from read(self.path, self._reader)
                except OSError as e:
                    yield ReadProblem(self.path, f"byte {self.pos}", f"read error: {e.strerror or e}", fatal=True)
                return
            if raw.read(3) != b"\xef\xbb\xbf":  # the JSON parser does not expect a byte-order mark
                raw.seek(0)
            self._reader = CountingReader(raw)
            reader = {TELEGRAM: read_telegram, DISCORD: read_discord, JSON_ARRAY: read_json_array}[self.format]
            yield from reader(self.path, self._reader)


def open_export(path: str) -> ExportFile | ReadProblem:
    """The export at `path`, or a ReadProblem saying why it is not one we can read."""
    found = sniff(path)
    if found.format is None:
        return ReadProblem(path, "", found.reason, fatal=True)
    return _export(path, found)


def _export(path: str, found: Sniff) -> ExportFile:
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return ExportFile(path, found.format, size)


def find_exports(paths: list[str]) -> tuple[list[ExportFile], list[ReadProblem], list[tuple[str, str]]]:
    """Exports named directly or found in folders; problems for named paths that cannot be read;
    (path, reason) for files inside folders that are not chat exports (photos, HTML pages...)."""
    files: list[ExportFile] = []
    problems: list[ReadProblem] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(path: str, found: Sniff) -> None:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            files.append(_export(path, found))

    for path in paths:
        if os.path.isdir(path):
            before = len(files)
            _walk(path, add, skipped)
            if len(files) == before:
                problems.append(ReadProblem(path, "", "no chat export found in this folder", fatal=True))
        elif os.path.exists(path):
            found = sniff(path)
            if found.format is None:
                problems.append(ReadProblem(path, "", found.reason, fatal=True))
            else:
                add(path, found)
        else:
            problems.append(ReadProblem(path, "", "no such file or folder", fatal=True))
    return files, problems, skipped


def _walk(top: str, add, skipped: list[tuple[str, str]]) -> None:
    for folder, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        has_telegram = False
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            found = sniff(path)
            if found.format is None:
                skipped.append((path, found.reason))
                continue
            has_telegram |= found.format == TELEGRAM
            add(path, found)
        if has_telegram:
            dirnames[:] = [d for d in dirnames if d not in _TELEGRAM_MEDIA_DIRS]
