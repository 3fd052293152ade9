"""discord.py objects -> LeekGuard's platform-neutral events, and who counts as a moderator.

A Discord server is one LeekGuard "chat" (chat_id = guild id): policy, /settings, statistics and the mod-log
are per server, as moderators expect. The channel is kept in the message link (jump URL) and in the adapter's
map of messages being handled, so actions reach the right channel.
"""

from __future__ import annotations

import re
from typing import Iterable

import discord

from leekguard_types import Author, ImageRef, Message

PLATFORM = "discord"
_JUMP = re.compile(r"/channels/(?P<guild>\d+|@me)/(?P<channel>\d+)/(?P<message>\d+)$")


def chat_key(guild_id: int | str) -> str:
    return f"{PLATFORM}:{guild_id}"


def is_moderator(member: discord.abc.User | None, moderator_roles: Iterable[int | str] = (),
                 channel: discord.abc.GuildChannel | discord.Thread | None = None) -> bool:
    """Manage Messages (in the channel when given, else server-wide), Administrator, or a configured role
    (by id or by name)."""
    if not isinstance(member, discord.Member):
        return False
    perms = channel.permissions_for(member) if channel is not None else member.guild_permissions
    if perms.manage_messages or perms.administrator:
        return True
    wanted = {str(r).casefold() for r in moderator_roles}
    return bool(wanted) and any(str(r.id) in wanted or r.name.casefold() in wanted for r in member.roles)


def message_text(m: discord.Message) -> str:
    """What the author wrote: the content, plus the text of forwarded messages and of embeds other bots or
    webhooks post (a scam can hide in either)."""
    parts = [m.content or ""]
    for snapshot in getattr(m, "message_snapshots", None) or ():
        parts.append(snapshot.content or "")
    if m.author.bot or m.webhook_id:
        for e in m.embeds:
            parts.extend(x for x in (e.title, e.description) if x)
            parts.extend(f"{f.name}\n{f.value}" for f in e.fields)
    return "\n".join(p for p in parts if p).strip()


def _images(m: discord.Message) -> tuple[ImageRef, ...]:
    return tuple(
        ImageRef(ref=a.url, size=a.size, mime=a.content_type, width=a.width, height=a.height)
        for a in m.attachments if (a.content_type or "").startswith("image/")
    )


def _reply_to(m: discord.Message) -> tuple[str | None, str | None]:
    ref = m.reference
    if ref is None or ref.message_id is None:
        return None, None
    resolved = ref.resolved if isinstance(ref.resolved, discord.Message) else None
    return (resolved.content if resolved is not None else None), str(ref.message_id)


def to_message(m: discord.Message, *, moderator_roles: Iterable[int | str] = (), edited: bool = False) -> Message:
    guild = m.guild
    channel_name = getattr(m.channel, "name", None) or "dm"
    reply_text, reply_id = _reply_to(m)
    return Message(
        platform=PLATFORM,
        chat_id=str(guild.id) if guild else f"dm-{m.channel.id}",
        message_id=str(m.id),
        author=Author(
            id=str(m.author.id),
            name=m.author.display_name,
            username=m.author.name,
            is_bot=m.author.bot or m.webhook_id is not None,
            is_admin=is_moderator(m.author, moderator_roles, m.channel if guild else None),
        ),
        text=message_text(m),
        chat_title=f"{guild.name} #{channel_name}" if guild else channel_name,
        date=m.edited_at if edited and m.edited_at else m.created_at,
        reply_to_text=reply_text,
        reply_to_message_id=reply_id,
        forwarded=bool(getattr(m, "message_snapshots", None)),
        edited=edited,
        is_private=guild is None,
        images=_images(m),
        link=m.jump_url,
    )


def channel_of(msg: Message) -> tuple[int, int] | None:
    """(channel id, message id) from a Message's jump URL."""
    found = _JUMP.search(msg.link or "")
    if not found:
        return None
    return int(found["channel"]), int(found["message"])
