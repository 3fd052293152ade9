"""JSON shapes of Discord API objects, as the real API sends them (API v10).

Used by the fake Discord server (fake_platforms/discord_server.py). Snowflakes are strings, timestamps are
ISO 8601, permissions are decimal strings, optional fields are present with null where Discord sends null.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timezone

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions)
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
MODERATE_MEMBERS = 1 << 40

EVERYONE_DEFAULT = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | EMBED_LINKS | USE_APPLICATION_COMMANDS

# Gateway intents
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = {"guild_members": INTENT_GUILD_MEMBERS, "guild_presences": INTENT_GUILD_PRESENCES,
                      "message_content": INTENT_MESSAGE_CONTENT}

# Application flags saying a privileged intent is switched on in the developer portal
APP_FLAG_GATEWAY_PRESENCE = 1 << 12
APP_FLAG_GATEWAY_GUILD_MEMBERS = 1 << 14
APP_FLAG_GATEWAY_MESSAGE_CONTENT = 1 << 18

MESSAGE_FLAG_EPHEMERAL = 1 << 6

_counter = itertools.count(1)


def snowflake(at: float | None = None) -> str:
    """A new snowflake id: milliseconds since the Discord epoch << 22, plus a process-wide increment."""
    ms = int((time.time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0xFFF) | (1 << 17))


def snowflake_on_shard(shard_id: int, shard_count: int) -> str:
    """A new snowflake that routes to the given shard: its timestamp (the bits above 22) is moved back to the
    nearest millisecond with (ms % shard_count) == shard_id."""
    sid = int(snowflake())
    ms = sid >> 22
    ms -= (ms - shard_id) % shard_count
    return str((ms << 22) | (sid & ((1 << 22) - 1)))


def snowflake_time(sid: str) -> datetime:
    return datetime.fromtimestamp(((int(sid) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=timezone.utc)


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat()


def user(uid: str, username: str, *, bot: bool = False, global_name: str | None = None) -> dict:
    data = {
        "id": uid,
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if bot:
        data["bot"] = True
    return data


def role(rid: str, name: str, permissions: int, position: int) -> dict:
    return {
        "id": rid,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(cid: str, guild_id: str, name: str, position: int, overwrites: list[dict] | None = None) -> dict:
    return {
        "id": cid,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def member(user_obj: dict, role_ids: list[str], *, nick: str | None = None, joined_at: str | None = None,
           with_user: bool = True, permissions: int | None = None) -> dict:
    data = {
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": list(role_ids),
        "joined_at": joined_at or iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_obj
    if permissions is not None:  # only in interaction payloads: the member's computed permissions in the channel
        data["permissions"] = str(permissions)
    return data


def guild(gid: str, name: str, owner_id: str, *, roles: list[dict], channels: list[dict], members: list[dict]) -> dict:
    """A GUILD_CREATE payload (the guild object plus the gateway-only extra fields)."""
    return {
        "id": gid,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "zh-CN",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        # gateway GUILD_CREATE extras
        "joined_at": iso_now(),
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message(mid: str, channel_id: str, author: dict, content: str, *, guild_id: str | None = None,
            member_obj: dict | None = None, embeds: list | None = None, components: list | None = None,
            flags: int = 0, referenced: dict | None = None, edited_timestamp: str | None = None,
            mentions: list | None = None, webhook_id: str | None = None, interaction_id: str | None = None) -> dict:
    data = {
        "id": mid,
        "type": 19 if referenced else 0,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": snowflake_time(mid).isoformat(),
        "edited_timestamp": edited_timestamp,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "pinned": False,
        "flags": flags,
        "components": components or [],
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if member_obj is not None:
        data["member"] = member_obj
    if referenced is not None:
        data["message_reference"] = {"type": 0, "message_id": referenced["id"], "channel_id": channel_id,
                                     **({"guild_id": guild_id} if guild_id else {})}
        data["referenced_message"] = referenced
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if interaction_id is not None:
        data["interaction_metadata"] = {"id": interaction_id, "type": 2, "user": author,
                                        "authorizing_integration_owners": {}}
    return data


def application(app_id: str, owner: dict, *, flags: int) -> dict:
    return {
        "id": app_id,
        "name": "LeekGuard Test",
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": flags,
        "owner": owner,
        "team": None,
        "bot": owner,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "approximate_guild_count": 1,
    }


def command_from_request(body: dict, cmd_id: str, app_id: str, guild_id: str | None, version: str) -> dict:
    """The application command object Discord answers with after a bulk overwrite."""
    data = {
        "id": cmd_id,
        "application_id": app_id,
        "version": version,
        "type": body.get("type", 1),
        "name": body["name"],
        "description": body.get("description", ""),
        "options": body.get("options", []),
        # Discord answers with the permission bits as a string, whatever the client sent
        "default_member_permissions": None if body.get("default_member_permissions") is None
        else str(body["default_member_permissions"]),
        "nsfw": body.get("nsfw", False),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types", [0]),
        "name_localizations": body.get("name_localizations"),
        "description_localizations": body.get("description_localizations"),
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    else:
        data["dm_permission"] = body.get("dm_permission", True)
    return data
