"""What an adapter hands to the pipeline: one chat message, its author and its images, platform-neutral.

Immutable by contract: adapters build these objects, nobody mutates them (use dataclasses.replace). They are
frozen dataclasses. Nothing here imports a chat-platform package or any module of LeekGuard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    name: str = ""
    username: str | None = None
    is_bot: bool = False
    # Filled by the adapter when it knows (chat admin / moderator role); guards use it.
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image attached to a message; `ref` is whatever the adapter needs to fetch it."""

    ref: str
    size: int | None = None
    mime: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Message:
    platform: str  # "telegram" | "discord" | "console" | "scan" | "check"
    chat_id: str
    message_id: str
    author: Author
    text: str
    chat_title: str = ""
    date: datetime | None = None
    reply_to_text: str | None = None  # quoted text of the message this one replies to
    reply_to_message_id: str | None = None
    forwarded: bool = False
    edited: bool = False
    is_private: bool = False
    images: tuple[ImageRef, ...] = ()
    link: str | None = None  # permalink, where the platform has one
