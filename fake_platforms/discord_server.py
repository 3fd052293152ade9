"""A fake Discord (REST API v10 + gateway) on 127.0.0.1 that the REAL discord.py talks to.

    async with FakeDiscord() as fake:              # binds 127.0.0.1 on a random port
        guild = fake.add_guild("AI 学习群")
        general = guild.add_channel("general")
        alice = guild.add_member("alice")
        # point discord.py at it: Route.BASE = fake.api_base; gateway = fake.gateway_url; token = fake.token
        msg = await fake.post(guild, general, alice, "hello")        # MESSAGE_CREATE through the gateway
        call = await fake.wait_for_call("POST /channels/{channel_id}/messages")
        inter = await fake.slash(guild, general, alice, "check", text="...")
        answer = await inter.wait_answer()                            # the message the user sees

Every REST call is recorded (`fake.calls`), with its route template, path parameters, JSON body, status and time.
Faults: `fake.fail("POST /channels/{channel_id}/messages", status=429, retry_after=0.3)`, `fake.rate_limit(...)`
for a real bucket, `await fake.drop_gateway()` to cut the websocket, `fake.gateway.ack_heartbeats = False`.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote

from aiohttp import web

from fake_platforms import discord_payloads as P
from fake_platforms.discord_gateway import Gateway
from fake_platforms.discord_rest import ApiError, Rest
from fake_platforms.discord_world import FakeGuild, FakeInteraction

VIA = "1.1 google"  # discord.py only honours a 429 that came through Discord's proxies (else: Cloudflare ban)


@dataclass
class Call:
    method: str
    route: str  # template, e.g. "POST /channels/{channel_id}/messages"
    path: str
    params: dict
    query: dict
    body: Any
    status: int
    at: float  # time.perf_counter() when the request arrived
    reason: str | None = None  # X-Audit-Log-Reason

    @property
    def key(self) -> str:
        return self.route


@dataclass
class Fault:
    route: str  # route template with method, or "*"
    status: int
    retry_after: float
    is_global: bool
    times: int
    when: Callable[[dict, Any], bool] | None = None


@dataclass
class Bucket:
    limit: int
    per: float
    used: dict = field(default_factory=dict)  # major parameter -> (window start, count)


class FakeDiscord:
    def __init__(self, *, token: str | None = None, heartbeat_interval: float = 41.25,
                 privileged_intents_enabled: tuple[str, ...] = ("message_content",), replay_limit: int = 100_000,
                 interaction_deadline: float = 3.0, record_limit: int = 200_000,
                 default_rate_limit: tuple[int, float] | None = (1000, 1.0), recommended_shards: int = 1) -> None:
        self.token = token or f"fake.{secrets.token_urlsafe(24)}"
        self.app_id = P.snowflake()
        self.bot_user = P.user(self.app_id, "LeekGuard", bot=True)
        self.owner = P.user(P.snowflake(), "server-owner")
        self.privileged_intents_enabled = set(privileged_intents_enabled)
        self.interaction_deadline = interaction_deadline
        self.recommended_shards = recommended_shards  # what GET /gateway/bot answers (discord.shards: auto)
        self.guilds: dict[str, FakeGuild] = {}
        self.messages: dict[str, dict] = {}
        self.deleted: dict[str, dict] = {}
        self.nonces: dict[tuple[str, str], dict] = {}  # (channel, nonce) -> message: enforce_nonce dedupe
        self.commands: dict[str | None, dict] = {}  # guild id (None = global) -> {(name, type): command}
        self.interactions_by_token: dict[str, FakeInteraction] = {}
        self.calls: list[Call] = []
        self.record_limit = record_limit
        self.faults: list[Fault] = []
        self.buckets: dict[str, Bucket] = {}
        # Discord answers every call with X-RateLimit-* headers; without them discord.py sends one request at a
        # time per route and channel. Routes without a bucket of their own get this generous one.
        self.default_rate_limit = default_rate_limit
        self._echoes: set[asyncio.Task] = set()
        self.posted_at: dict[str, float] = {}  # message id -> perf_counter when its MESSAGE_CREATE was sent
        self.files: dict[str, bytes] = {}  # attachment path ("/attachments/...") -> bytes, served like the CDN
        self.last_audit_reason: str | None = None
        self.unauthorized = 0
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval, replay_limit=replay_limit)
        self.rest = Rest(self)
        self._new_call = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ----
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume-gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._rest_entry)
        app.router.add_get("/attachments/{tail:.*}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        for task in list(self._echoes):
            task.cancel()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume-gateway"

    @property
    def application_flags(self) -> int:
        flags = 0
        if "message_content" in self.privileged_intents_enabled:
            flags |= P.APP_FLAG_GATEWAY_MESSAGE_CONTENT
        if "guild_members" in self.privileged_intents_enabled:
            flags |= P.APP_FLAG_GATEWAY_GUILD_MEMBERS
        return flags

    # ---- world ----
    def add_guild(self, name: str = "AI 学习交流群", *, shard: tuple[int, int] | None = None, **kw) -> FakeGuild:
        """shard=(id, count): a server whose id routes it to that shard, (guild_id >> 22) % count == id."""
        if shard is not None:
            kw["guild_id"] = P.snowflake_on_shard(*shard)
        g = FakeGuild(name, self.owner, self.bot_user, **kw)
        self.guilds[g.id] = g
        return g

    def new_bot_message(self, channel_id: str, guild: FakeGuild, body: dict, referenced: dict | None) -> dict:
        msg = P.message(P.snowflake(), channel_id, self.bot_user, body.get("content") or "", guild_id=guild.id,
                        member_obj=guild.member_payload(self.bot_user["id"], with_user=False),
                        embeds=body.get("embeds"), components=body.get("components"), flags=body.get("flags", 0) or 0,
                        referenced=referenced)
        msg["allowed_mentions_sent"] = body.get("allowed_mentions")  # not a Discord field: lets tests check it
        self.messages[msg["id"]] = msg
        return msg

    def messages_in(self, channel_id: str, *, by_bot: bool | None = None) -> list[dict]:
        out = [m for m in self.messages.values() if m["channel_id"] == channel_id]
        if by_bot is not None:
            out = [m for m in out if (m["author"]["id"] == self.bot_user["id"]) == by_bot]
        return out

    def _attach(self, channel_id: str, filename: str, data: bytes, content_type: str) -> dict:
        aid = P.snowflake()
        path = f"/attachments/{channel_id}/{aid}/{filename}"
        self.files[path] = data
        url = f"http://127.0.0.1:{self.port}{path}"
        return {"id": aid, "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                "content_type": content_type}

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.files.get(request.path)
        return web.Response(body=data) if data is not None else web.Response(status=404, text="Not Found")

    # ---- what users do (gateway events) ----
    async def dispatch(self, event: str, data: dict) -> int | None:
        return await self.gateway.dispatch(event, data)

    async def dispatch_quietly(self, event: str, data: dict) -> None:
        """Echo of a REST change on the gateway, sent after the REST answer (Discord fans events out
        independently); skipped when no bot session exists yet. Echoes keep their order (the session lock is
        FIFO)."""
        if self.gateway.current is not None:
            data = {k: v for k, v in data.items() if k != "allowed_mentions_sent"}
            task = asyncio.create_task(self.gateway.dispatch(event, data))
            self._echoes.add(task)
            task.add_done_callback(self._echoes.discard)

    async def post(self, guild: FakeGuild, channel_id: str, user_id: str, content: str, *,
                   reply_to: str | None = None, files: list[tuple[str, bytes, str]] = ()) -> dict:
        """files: attachments as (file name, bytes, content type), served at their CDN-like URL."""
        referenced = self.messages.get(reply_to) if reply_to else None
        msg = P.message(P.snowflake(), channel_id, guild.user(user_id), content, guild_id=guild.id,
                        member_obj=guild.member_payload(user_id, with_user=False), referenced=referenced)
        msg["attachments"] = [self._attach(channel_id, *f) for f in files]
        self.messages[msg["id"]] = msg
        self.posted_at[msg["id"]] = time.perf_counter()
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def edit(self, message_id: str, content: str) -> dict:
        msg = {**self.messages[message_id], "content": content, "edited_timestamp": P.iso_now()}
        self.messages[message_id] = msg
        self.posted_at[message_id] = time.perf_counter()
        await self.dispatch("MESSAGE_UPDATE", msg)
        return msg

    def _interaction_payload(self, guild: FakeGuild, channel_id: str, user_id: str, itype: int, data: dict,
                             message: dict | None = None, locale: str = "zh-CN") -> dict:
        payload = {
            "id": P.snowflake(), "application_id": self.app_id, "type": itype, "data": data,
            "guild_id": guild.id, "guild": {"id": guild.id, "locale": "zh-CN", "features": []},
            "channel_id": channel_id, "channel": guild.channel_payload(channel_id),
            "member": guild.member_payload(user_id, permissions=True),
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48), "version": 1,
            "app_permissions": str(guild.permissions_of(self.bot_user["id"])), "locale": locale,
            "guild_locale": "zh-CN", "entitlements": [], "authorizing_integration_owners": {"0": guild.id},
            "context": 0, "attachment_size_limit": 10485760,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def _interact(self, payload: dict, message: dict | None = None) -> FakeInteraction:
        inter = FakeInteraction(self, payload, message)
        self.interactions_by_token[inter.token] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    def registered_command(self, guild: FakeGuild, name: str, ctype: int) -> tuple[dict, str | None]:
        for scope in (guild.id, None):
            cmd = self.commands.get(scope, {}).get((name, ctype))
            if cmd is not None:
                return cmd, scope
        raise LookupError(f"command {name!r} (type {ctype}) was never synced to guild {guild.id} or globally")

    def _allowed(self, guild: FakeGuild, user_id: str, cmd: dict) -> bool:
        needed = cmd.get("default_member_permissions")
        if needed is None:
            return True
        perms = guild.permissions_of(user_id)
        return perms & P.ADMINISTRATOR or (perms & int(needed)) == int(needed)

    async def slash(self, guild: FakeGuild, channel_id: str, user_id: str, name: str, *,
                    enforce_permissions: bool = True, locale: str = "zh-CN", **options: Any) -> FakeInteraction:
        """A member runs /name. Discord hides commands whose default_member_permissions the member lacks;
        enforce_permissions=False models a server that granted the command to them in its integration settings."""
        cmd, scope = self.registered_command(guild, name, 1)
        if enforce_permissions and not self._allowed(guild, user_id, cmd):
            raise PermissionError(f"Discord does not show /{name} to this member")
        declared = {o["name"]: o for o in cmd.get("options", [])}
        opts, resolved = [], {}
        for key, value in options.items():
            if key not in declared:
                raise LookupError(f"/{name} has no option {key!r} (declared: {sorted(declared)})")
            otype = declared[key]["type"]
            if otype == 7:  # channel: the value is its id, the channel itself comes in `resolved`
                channel = guild.channels[value]
                resolved.setdefault("channels", {})[value] = {
                    "id": value, "name": channel["name"], "type": channel["type"], "parent_id": None,
                    "permissions": str(guild.permissions_of(user_id)), "guild_id": guild.id}
            opts.append({"name": key, "type": otype, "value": value})
        missing = [o["name"] for o in declared.values() if o.get("required") and o["name"] not in options]
        if missing:
            raise LookupError(f"/{name}: required options missing: {missing}")
        data = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = scope
        return await self._interact(self._interaction_payload(guild, channel_id, user_id, 2, data, locale=locale))

    async def context_menu(self, guild: FakeGuild, channel_id: str, user_id: str, name: str,
                           message_id: str) -> FakeInteraction:
        cmd, scope = self.registered_command(guild, name, 3)
        target = self.messages[message_id]
        data = {"id": cmd["id"], "name": name, "type": 3, "target_id": message_id,
                "resolved": {"messages": {message_id: target}}}
        if scope is not None:
            data["guild_id"] = scope
        return await self._interact(self._interaction_payload(guild, channel_id, user_id, 2, data))

    async def press(self, guild: FakeGuild, message_id: str, custom_id: str, user_id: str) -> FakeInteraction:
        msg = self.messages[message_id]
        ids = [c.get("custom_id") for row in msg.get("components", []) for c in row.get("components", [])]
        if custom_id not in ids:
            raise LookupError(f"message {message_id} has no button {custom_id!r} (has {ids})")
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction_payload(guild, msg["channel_id"], user_id, 3, data, message=msg)
        return await self._interact(payload, message=msg)

    async def drop_gateway(self, code: int | None = None, *, shard: int | None = None) -> None:
        await self.gateway.drop(code, shard=shard)

    # ---- faults ----
    def fail(self, route: str, *, status: int = 429, retry_after: float = 0.25, times: int = 1,
             is_global: bool = False, when: Callable[[dict, Any], bool] | None = None) -> Fault:
        fault = Fault(route, status, retry_after, is_global, times, when)
        self.faults.append(fault)
        return fault

    def rate_limit(self, route: str, *, limit: int, per: float) -> None:
        """Enforce a real bucket on a route (per major parameter), with Discord's X-RateLimit-* headers."""
        self.buckets[route] = Bucket(limit, per)

    # ---- recording ----
    def calls_to(self, route: str, status: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.route == route and (status is None or c.status == status)]

    async def wait_for_call(self, route: str, pred: Callable[[Call], bool] | None = None, *,
                            timeout: float = 5.0, status: int | None = 200, start: int = 0) -> Call:
        """The first recorded call (from index `start`) to `route` matching `pred`, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        seen = start
        async with self._new_call:
            while True:
                for c in self.calls[seen:]:
                    if c.route == route and (status is None or c.status == status or
                                             (status == 200 and c.status == 204)) and (pred is None or pred(c)):
                        return c
                seen = len(self.calls)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {route} call within {timeout}s; calls: "
                                       f"{[(c.route, c.status) for c in self.calls[-10:]]}")
                try:
                    await asyncio.wait_for(self._new_call.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def _record(self, call: Call) -> None:
        if len(self.calls) < self.record_limit:
            self.calls.append(call)
        async with self._new_call:
            self._new_call.notify_all()

    # ---- the REST entry point ----
    async def _rest_entry(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        path = "/" + request.match_info["tail"]
        found = self.rest.match(request.method, path)
        if found is None:
            return _json(404, {"message": "404: Not Found", "code": 0})
        template, params, handler = found
        route = f"{request.method} {template}"
        body = await _read_body(request)
        reason = request.headers.get("X-Audit-Log-Reason")
        reason = unquote(reason) if reason is not None else None  # clients URL-encode it (non-ASCII)
        call = Call(request.method, route, path, params, dict(request.query), body, 0, at, reason)
        if not (template.startswith("/interactions/") or template.startswith("/webhooks/")):
            if request.headers.get("Authorization") != f"Bot {self.token}":
                self.unauthorized += 1
                call.status = 401
                await self._record(call)
                return _json(401, {"message": "401: Unauthorized", "code": 0})
        headers: dict[str, str] = {}
        response = self._fault_response(route, params, body) or self._bucket_response(route, params, headers)
        if response is None:
            self.last_audit_reason = reason
            try:
                status, data = await handler(params, body, request.query)
                response = _json(status, data, headers)
            except ApiError as e:
                response = _json(e.status, e.body(), headers)
        call.status = response.status
        await self._record(call)
        return response

    def _fault_response(self, route: str, params: dict, body: Any) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.route in (route, "*") and (fault.when is None or fault.when(params, body)):
                fault.times -= 1
                if fault.status == 429:
                    return _too_many(fault.retry_after, route, fault.is_global)
                return _json(fault.status, {"message": f"{fault.status}: injected fault", "code": 0})
        return None

    def _bucket_response(self, route: str, params: dict, headers: dict) -> web.Response | None:
        bucket = self.buckets.get(route)
        if bucket is None:
            if self.default_rate_limit is None:
                return None
            bucket = self.buckets[route] = Bucket(*self.default_rate_limit)
        major = params.get("channel_id") or params.get("guild_id") or params.get("token") or ""
        now = time.monotonic()
        start, count = bucket.used.get(major, (now, 0))
        if now - start >= bucket.per:
            start, count = now, 0
        reset_after = max(0.001, bucket.per - (now - start))
        if count >= bucket.limit:
            return _too_many(reset_after, route, False)
        bucket.used[major] = (start, count + 1)
        headers.update({"X-RateLimit-Limit": str(bucket.limit), "X-RateLimit-Remaining": str(bucket.limit - count - 1),
                        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                        "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Bucket": _bucket_hash(route)})
        return None


def _bucket_hash(route: str) -> str:
    return format(abs(hash(route)) % (1 << 48), "x")


def _too_many(retry_after: float, route: str, is_global: bool) -> web.Response:
    headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
               "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}", "X-RateLimit-Reset-After": f"{retry_after:.3f}",
               "X-RateLimit-Bucket": _bucket_hash(route), "X-RateLimit-Scope": "global" if is_global else "user"}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return _json(429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global,
                       "code": 0}, headers)


def _json(status: int, data: Any, headers: dict | None = None) -> web.Response:
    headers = {"Via": VIA, **(headers or {})}
    if status == 204 or data is None:
        return web.Response(status=204 if status < 300 else status, headers=headers)
    # exactly "application/json" (no charset), as Discord sends it: discord.py compares the header verbatim
    headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(data, ensure_ascii=False).encode(), headers=headers)


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        # discord.py sends files as multipart with the JSON in the payload_json field
        form = await request.post()
        raw = form.get("payload_json")
        return json.loads(raw) if isinstance(raw, str) else None
    text = await request.text()
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
