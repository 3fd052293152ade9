"""DiscordChatExporter's JSON export: {guild, channel, messages: [{id, timestamp, content, author, ...}]}."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from adapters.exports.jsonstream import CountingReader, meta_get, read_json_messages
from leekguard_types import ExportRecord, ReadProblem
from leekguard_types.records import DISCORD

CHATS = {"": "messages.item"}
# message types that are ordinary messages; anything else (joins, pins, calls, renames) is a system notice
_MESSAGE_TYPES = {"Default", "Reply", "ThreadStarterMessage", "ChatInputCommand", "ContextMenuCommand", ""}
_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")


def read_discord(path: str, f: CountingReader) -> Iterator[ExportRecord | ReadProblem]:
    return read_json_messages(path, f, CHATS, lambda chat, meta, msg, n: _record(path, meta, msg, n))


def _text(msg: dict) -> str:
    parts = [str(msg.get("content") or "")]
    # bots post adverts as embeds, and forwarded messages carry their own content
    for embed in msg.get("embeds") or ():
        if isinstance(embed, dict):
            parts += [str(embed.get(k) or "") for k in ("title", "description")]
            for field in embed.get("fields") or ():
                if isinstance(field, dict):
                    parts += [str(field.get("name") or ""), str(field.get("value") or "")]
    fwd = msg.get("forwardedMessage")
    if isinstance(fwd, dict):
        parts.append(str(fwd.get("content") or ""))
    return "\n".join(p for p in parts if p)


def _time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _photos(msg: dict) -> tuple[str, ...]:
    found = []
    for att in msg.get("attachments") or ():
        if isinstance(att, dict):
            name = str(att.get("fileName") or att.get("url") or "").lower().split("?")[0]
            if name.endswith(_IMAGE_EXT) and att.get("url"):
                found.append(str(att["url"]))
    return tuple(found)


def _record(path: str, meta: dict, msg: dict, n: int) -> ExportRecord:
    author = msg.get("author") if isinstance(msg.get("author"), dict) else {}
    guild_id = str(meta_get(meta, "", "guild.id", "") or "")
    channel_id = str(meta_get(meta, "", "channel.id", "") or "")
    mid = str(msg.get("id") or "")
    link = None
    if channel_id and mid.isdigit():
        # DiscordChatExporter writes guild id 0 for direct messages
        scope = guild_id if guild_id and guild_id != "0" else "@me"
        link = f"https://discord.com/channels/{scope}/{channel_id}/{mid}"
    ref = msg.get("reference") if isinstance(msg.get("reference"), dict) else {}
    guild_name = str(meta_get(meta, "", "guild.name", "") or "")
    channel_name = str(meta_get(meta, "", "channel.name", "") or "")
    return ExportRecord(
        source=path,
        format=DISCORD,
        message_id=mid,
        text=_text(msg),
        sender=str(author.get("nickname") or author.get("name") or ""),
        sender_id=str(author.get("id") or ""),
        time=_time(msg.get("timestamp")),
        chat_id=channel_id,
        chat_title=" / #".join(x for x in (guild_name, channel_name) if x),
        link=link,
        photos=_photos(msg),
        reply_to_id=str(ref["messageId"]) if ref.get("messageId") else None,
        service=str(msg.get("type") or "") not in _MESSAGE_TYPES,
        position=f"message #{n}",
    )
