"""The OAuth2 invite URL for the Discord bot: which permissions it needs, and why."""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES = ("bot", "applications.commands")

# permission flag name -> why LeekGuard needs it (shown by `leekguard discord invite-url`)
NEEDED_PERMISSIONS: dict[str, str] = {
    "view_channel": "see the channels it moderates",
    "read_message_history": "reply to a message (the warning quotes it)",
    "send_messages": "post warnings and mod-log notices",
    "send_messages_in_threads": "post warnings in threads",
    "embed_links": "warnings and notices are embeds",
    "manage_messages": "delete scam messages (policy: delete)",
    "moderate_members": "time out scammers (policy: mute)",
    "ban_members": "ban scammers (policy: ban, the Ban button)",
}


def needed_permissions() -> discord.Permissions:
    return discord.Permissions(**{name: True for name in NEEDED_PERMISSIONS})


def client_id_from_token(token: str) -> int | None:
    """A bot token starts with the base64 of the bot's user id, which is its application (client) id."""
    head = token.split(".", 1)[0]
    try:
        text = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() and 15 <= len(text) <= 21 else None


def invite_url(client_id: int, guild_id: int | None = None) -> str:
    kwargs = {}
    if guild_id is not None:
        kwargs.update(guild=discord.Object(guild_id), disable_guild_select=True)
    return discord.utils.oauth_url(client_id, permissions=needed_permissions(), scopes=SCOPES, **kwargs)
