"""What every chat-export reader (adapters/exports/) yields: one ExportRecord per message, or a ReadProblem when
input is bad.

Readers never raise for bad input: they yield a ReadProblem naming the file and the position, and, when the
problem ends the file (truncated JSON, unreadable file), stop after what they could read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# format names, as shown to users
TELEGRAM = "telegram"
DISCORD = "discord"
JSONL = "jsonl"
JSON_ARRAY = "json-array"
TEXT = "text"


@dataclass(frozen=True, slots=True)
class ExportRecord:
    source: str  # the file it came from, as given on the command line / found in a folder
    format: str  # TELEGRAM, DISCORD, JSONL, JSON_ARRAY or TEXT
    message_id: str  # as the export gives it (a line number for plain text)
    text: str  # "" when the message has none (sticker, photo without caption)
    sender: str = ""
    sender_id: str = ""
    time: datetime | None = None  # timezone-aware when the export says which zone
    chat_id: str = ""  # platform chat id, as the bot would see it ("-1001234" / Discord channel id)
    chat_title: str = ""
    link: str | None = None  # permalink back to the message, where the export allows one
    photos: tuple[str, ...] = ()  # local paths (or URLs) of attached images
    reply_to_id: str | None = None
    service: bool = False  # join/pin/etc. notices: read and counted, never analysed
    position: str = ""  # where in the file ("line 12", "message 40"), for messages about it

    @property
    def platform(self) -> str:
        return self.format if self.format in (TELEGRAM, DISCORD) else "file"


@dataclass(frozen=True, slots=True)
class ReadProblem:
    source: str
    position: str  # "byte 1234", "line 7", "" when it concerns the whole file
    message: str  # one line, says what is wrong and, when useful, what to do
    fatal: bool = False  # True: nothing more was read from this file

    def __str__(self) -> str:
        where = f"{self.source}: {self.position}: " if self.position else f"{self.source}: "
        return where + self.message
