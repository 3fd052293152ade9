"""The REST half of the fake Discord: the routes discord.py calls for a moderation bot, with Discord's
status codes and JSON error shapes (code 10008 Unknown Message, 50013 Missing Permissions, 50035 Invalid Form Body,
10062 Unknown interaction, 40060 already acknowledged)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from fake_platforms import discord_payloads as P

if TYPE_CHECKING:
    from fake_platforms.discord_server import FakeDiscord


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid_form(field: str, message: str) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", {field: {"_errors": [{"code": "BASE_TYPE_INVALID",
                                                                            "message": message}]}})


MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def check_message_body(body: dict) -> None:
    """The limits Discord enforces on a message body (content, embeds, components)."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not content and not embeds and not components and not body.get("sticker_ids"):
        raise ApiError(400, 50006, "Cannot send an empty message")
    if len(content) > 2000:
        raise invalid_form("content", "Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        raise invalid_form("embeds", "Must be 10 or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            if len(e.get(key) or "") > limit:
                raise invalid_form(f"embeds.{i}.{key}", f"Must be {limit} or fewer in length.")
        fields = e.get("fields") or []
        if len(fields) > 25:
            raise invalid_form(f"embeds.{i}.fields", "Must be 25 or fewer in length.")
        for j, f in enumerate(fields):
            if not f.get("name") or not f.get("value"):
                raise invalid_form(f"embeds.{i}.fields.{j}", "This field is required")
            if len(f["name"]) > 256 or len(f["value"]) > 1024:
                raise invalid_form(f"embeds.{i}.fields.{j}", "Field name <= 256, value <= 1024.")
            total += len(f["name"]) + len(f["value"])
        total += len(e.get("title") or "") + len(e.get("description") or "")
        total += len((e.get("footer") or {}).get("text") or "") + len((e.get("author") or {}).get("name") or "")
    if total > 6000:
        raise invalid_form("embeds", "Embed size exceeds maximum size of 6000")
    if len(components) > 5:
        raise invalid_form("components", "Must be 5 or fewer in length.")
    for i, row in enumerate(components):
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= 5:
            raise invalid_form(f"components.{i}", "An action row holds 1 to 5 components.")
        for j, c in enumerate(items):
            if c.get("type") == 2 and c.get("style") != 5 and not 1 <= len(c.get("custom_id") or "") <= 100:
                raise invalid_form(f"components.{i}.components.{j}.custom_id", "Must be 1 to 100 in length.")
            if len(c.get("label") or "") > 80:
                raise invalid_form(f"components.{i}.components.{j}.label", "Must be 80 or fewer in length.")


def check_command(body: dict) -> None:
    ctype = body.get("type", 1)
    name = body.get("name") or ""
    if ctype == 1:
        if not COMMAND_NAME.match(name) or name != name.lower():
            raise invalid_form("name", "Command name is invalid")
        if not 1 <= len(body.get("description") or "") <= 100:
            raise invalid_form("description", "Must be between 1 and 100 in length.")
        for i, opt in enumerate(body.get("options") or []):
            if not COMMAND_NAME.match(opt.get("name") or "") or opt["name"] != opt["name"].lower():
                raise invalid_form(f"options.{i}.name", "Option name is invalid")
            if not 1 <= len(opt.get("description") or "") <= 100:
                raise invalid_form(f"options.{i}.description", "Must be between 1 and 100 in length.")
    elif not 1 <= len(name) <= 32 or body.get("description"):
        raise invalid_form("name", "Context menu commands: name 1-32 characters, empty description")


class Rest:
    """Route handlers. Each takes (params, body, query) and returns (status, json body or None)."""

    def __init__(self, server: FakeDiscord) -> None:
        self.s = server
        self.routes: list[tuple[str, str, re.Pattern, Any]] = []
        for method, template, fn in [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("PATCH", "/guilds/{guild_id}/members/{user_id}", self.edit_member),
            ("PUT", "/guilds/{guild_id}/bans/{user_id}", self.create_ban),
            ("DELETE", "/guilds/{guild_id}/bans/{user_id}", self.remove_ban),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{app_id}/{token}", self.create_followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_webhook_message),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_webhook_message),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self.delete_webhook_message),
            ("GET", "/applications/{app_id}/commands", self.get_commands),
            ("PUT", "/applications/{app_id}/commands", self.put_commands),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands),
        ]:
            pattern = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            self.routes.append((method, template, pattern, fn))

    def match(self, method: str, path: str) -> tuple[str, dict, Any] | None:
        for m, template, pattern, fn in self.routes:
            if m == method:
                found = pattern.match(path)
                if found:
                    return template, found.groupdict(), fn
        return None

    # ---- lookups that raise Discord's errors ----
    def _guild(self, guild_id: str):
        g = self.s.guilds.get(guild_id)
        if g is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return g

    def _channel(self, channel_id: str):
        for g in self.s.guilds.values():
            if channel_id in g.channels:
                return g, g.channels[channel_id]
        raise ApiError(404, 10003, "Unknown Channel")

    def _message(self, channel_id: str, message_id: str) -> dict:
        msg = self.s.messages.get(message_id)
        if msg is None or msg["channel_id"] != channel_id:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def _need(self, guild, permission: int) -> None:
        if not guild.permissions_of(self.s.bot_user["id"]) & permission:
            raise ApiError(*MISSING_PERMISSIONS)

    def _can_moderate(self, guild, user_id: str) -> None:
        if user_id == guild.owner_id or guild.permissions_of(user_id) & P.ADMINISTRATOR:
            raise ApiError(*MISSING_PERMISSIONS)
        if guild.top_role_position(user_id) >= guild.top_role_position(self.s.bot_user["id"]):
            raise ApiError(*MISSING_PERMISSIONS)

    # ---- identity ----
    async def get_me(self, p, body, q):
        return 200, {**self.s.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}

    async def get_application(self, p, body, q):
        return 200, P.application(self.s.app_id, self.s.bot_user, flags=self.s.application_flags)

    async def get_gateway(self, p, body, q):
        return 200, {"url": self.s.gateway_url}

    async def get_gateway_bot(self, p, body, q):
        return 200, {"url": self.s.gateway_url, "shards": self.s.recommended_shards,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000,
                                             "max_concurrency": 1}}

    async def get_guild(self, p, body, q):
        data = self._guild(p["guild_id"]).payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            data.pop(key, None)
        return 200, data

    async def get_channel(self, p, body, q):
        return 200, self._channel(p["channel_id"])[1]

    # ---- messages ----
    async def create_message(self, p, body, q):
        guild, _ = self._channel(p["channel_id"])
        self._need(guild, P.SEND_MESSAGES)
        check_message_body(body)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):  # a retried send returns the message it created
            earlier = self.s.nonces.get((p["channel_id"], str(nonce)))
            if earlier is not None and earlier["id"] in self.s.messages:
                return 200, earlier
        ref = body.get("message_reference")
        referenced = None
        if ref:
            referenced = self.s.messages.get(str(ref.get("message_id")))
            if referenced is None and ref.get("fail_if_not_exists", True):
                raise invalid_form("message_reference", "Unknown message")
        msg = self.s.new_bot_message(p["channel_id"], guild, body, referenced=referenced)
        if nonce is not None:
            self.s.nonces[(p["channel_id"], str(nonce))] = msg
        await self.s.dispatch_quietly("MESSAGE_CREATE", msg)
        return 200, msg

    async def get_message(self, p, body, q):
        return 200, self._message(p["channel_id"], p["message_id"])

    async def edit_message(self, p, body, q):
        msg = self._message(p["channel_id"], p["message_id"])
        if msg["author"]["id"] != self.s.bot_user["id"]:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        merged = {**msg, **{k: v for k, v in body.items() if k in ("content", "embeds", "components", "flags")}}
        check_message_body(merged)
        merged["edited_timestamp"] = P.iso_now()
        self.s.messages[msg["id"]] = merged
        await self.s.dispatch_quietly("MESSAGE_UPDATE", merged)
        return 200, merged

    async def delete_message(self, p, body, q):
        msg = self._message(p["channel_id"], p["message_id"])
        guild, _ = self._channel(p["channel_id"])
        if msg["author"]["id"] != self.s.bot_user["id"]:
            self._need(guild, P.MANAGE_MESSAGES)
        del self.s.messages[msg["id"]]
        self.s.deleted[msg["id"]] = msg
        await self.s.dispatch_quietly("MESSAGE_DELETE", {"id": msg["id"], "channel_id": msg["channel_id"],
                                                         "guild_id": guild.id})
        return 204, None

    # ---- members, timeouts, bans ----
    async def get_member(self, p, body, q):
        guild = self._guild(p["guild_id"])
        if p["user_id"] not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, guild.member_payload(p["user_id"])

    async def edit_member(self, p, body, q):
        guild = self._guild(p["guild_id"])
        member = guild.members.get(p["user_id"])
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        if "communication_disabled_until" in body:
            self._need(guild, P.MODERATE_MEMBERS)
            self._can_moderate(guild, p["user_id"])
            until = body["communication_disabled_until"]
            if until is not None:
                when = datetime.fromisoformat(until)
                if when > datetime.now(timezone.utc) + timedelta(days=28):
                    raise invalid_form("communication_disabled_until", "Cannot be more than 28 days ahead")
            member["communication_disabled_until"] = until
        if "nick" in body:
            member["nick"] = body["nick"]
        return 200, guild.member_payload(p["user_id"])

    async def create_ban(self, p, body, q):
        guild = self._guild(p["guild_id"])
        self._need(guild, P.BAN_MEMBERS)
        user_id = p["user_id"]
        if user_id in guild.members:
            self._can_moderate(guild, user_id)
            user = guild.members.pop(user_id)["user"]
        else:
            user = P.user(user_id, f"user{user_id[-4:]}")
        seconds = int((body or {}).get("delete_message_seconds", 0))
        if not 0 <= seconds <= 604800:
            raise invalid_form("delete_message_seconds", "Must be between 0 and 604800")
        guild.bans[user_id] = {"user": user, "reason": self.s.last_audit_reason}
        await self.s.dispatch_quietly("GUILD_BAN_ADD", {"guild_id": guild.id, "user": user})
        return 204, None

    async def remove_ban(self, p, body, q):
        guild = self._guild(p["guild_id"])
        self._need(guild, P.BAN_MEMBERS)
        ban = guild.bans.pop(p["user_id"], None)
        if ban is None:
            raise ApiError(404, 10026, "Unknown Ban")
        await self.s.dispatch_quietly("GUILD_BAN_REMOVE", {"guild_id": guild.id, "user": ban["user"]})
        return 204, None

    # ---- interactions ----
    def _interaction(self, interaction_id: str | None, token: str):
        inter = self.s.interactions_by_token.get(token)
        if inter is None or (interaction_id is not None and inter.id != interaction_id):
            raise ApiError(404, 10062, "Unknown interaction")
        return inter

    async def interaction_callback(self, p, body, q):
        inter = self._interaction(p["interaction_id"], p["token"])
        if time.monotonic() - inter.created > self.s.interaction_deadline:
            raise ApiError(404, 10062, "Unknown interaction")  # not answered within 3 s
        if inter.callback is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        ctype = body.get("type")
        data = body.get("data") or {}
        message = None
        if ctype == 4:
            check_message_body(data)
            message = inter.make_response_message(data)
        elif ctype == 7:
            if inter.message is None:
                raise ApiError(400, 40004, "Interaction has no message to update")
            message = {**self.s.messages.get(inter.message["id"], inter.message),
                       **{k: v for k, v in data.items() if k in ("content", "embeds", "components")}}
            self.s.messages[message["id"]] = message
        elif ctype in (5, 6, 9):
            pass
        else:
            raise invalid_form("type", f"Unsupported interaction callback type {ctype}")
        inter.callback = body
        inter.original = message
        inter.changed()
        answer = {"interaction": {"id": inter.id, "type": inter.type,
                                  "response_message_id": message["id"] if message else None,
                                  "response_message_loading": ctype == 5,
                                  "response_message_ephemeral": bool(data.get("flags", 0) & P.MESSAGE_FLAG_EPHEMERAL)}}
        if message is not None:
            answer["resource"] = {"type": ctype, "message": message}
        return 200, answer

    async def create_followup(self, p, body, q):
        inter = self._interaction(None, p["token"])
        if inter.callback is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        check_message_body(body)
        message = inter.make_response_message(body)
        inter.followups.append(message)
        inter.changed()
        return 200, message

    async def get_webhook_message(self, p, body, q):
        inter = self._interaction(None, p["token"])
        msg = inter.find_message(p["message_id"])
        if msg is None:
            raise ApiError(404, 10008, "Unknown Message")
        return 200, msg

    async def edit_webhook_message(self, p, body, q):
        inter = self._interaction(None, p["token"])
        msg = inter.find_message(p["message_id"])
        if msg is None and p["message_id"] == "@original" and inter.callback and inter.callback.get("type") == 5:
            msg = inter.make_response_message({**body, "flags": (inter.callback.get("data") or {}).get("flags", 0)})
            inter.original = msg
        if msg is None:
            raise ApiError(404, 10008, "Unknown Message")
        msg.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        msg["edited_timestamp"] = P.iso_now()
        check_message_body(msg)
        inter.edits += 1
        inter.changed()
        return 200, msg

    async def delete_webhook_message(self, p, body, q):
        inter = self._interaction(None, p["token"])
        if inter.find_message(p["message_id"]) is None:
            raise ApiError(404, 10008, "Unknown Message")
        if p["message_id"] == "@original":
            inter.original = None
        inter.changed()
        return 204, None

    # ---- application commands ----
    async def get_commands(self, p, body, q):
        return 200, list(self.s.commands.get(p.get("guild_id"), {}).values())

    async def put_commands(self, p, body, q):
        if p["app_id"] != self.s.app_id:
            raise ApiError(403, 50001, "Missing Access")
        guild_id = p.get("guild_id")
        if guild_id is not None:
            self._guild(guild_id)
        if not isinstance(body, list) or len(body) > 110:
            raise invalid_form("_root", "Must be a list of at most 110 commands")
        for cmd in body:
            check_command(cmd)
        old = self.s.commands.get(guild_id, {})
        version = P.snowflake()
        result = {}
        for cmd in body:
            key = (cmd["name"], cmd.get("type", 1))
            cmd_id = old[key]["id"] if key in old else P.snowflake()
            result[key] = P.command_from_request(cmd, cmd_id, self.s.app_id, guild_id, version)
        self.s.commands[guild_id] = result
        return 200, list(result.values())
