"""The gateway half of the fake Discord: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME replay.

Shards as on Discord: an IDENTIFY may carry `shard: [id, count]` (4010 Invalid shard when id is not below
count); that connection then hears only of the servers it owns, (guild_id >> 22) % count == id, in READY,
GUILD_CREATE and every later event of those servers; events outside a server (DMs) go to shard 0.

A session outlives its websocket, as on Discord: events dispatched while the bot is disconnected are kept
(bounded) and replayed after a RESUME, in order, followed by RESUMED. Frames are zlib-stream compressed when the
client asks for it (discord.py does when zstandard is not installed), otherwise plain JSON text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from fake_platforms import discord_payloads as P

if TYPE_CHECKING:
    from fake_platforms.discord_server import FakeDiscord

log = logging.getLogger("fake_discord.gateway")

# op codes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, ACK = (
    0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11)

# which intent a dispatched event needs (events not listed are always sent)
EVENT_INTENTS = {
    "GUILD_CREATE": P.INTENT_GUILDS,
    "GUILD_DELETE": P.INTENT_GUILDS,
    "MESSAGE_CREATE": P.INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": P.INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": P.INTENT_GUILD_MESSAGES,
    "GUILD_BAN_ADD": 1 << 2,
    "GUILD_BAN_REMOVE": 1 << 2,
}


class Connection:
    """One websocket from the bot."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, compress: bool) -> None:
        self.request = request
        self.ws = ws
        self._zlib = zlib.compressobj() if compress else None
        self.session: GatewaySession | None = None

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def send(self, payload: dict) -> None:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        if self._zlib is not None:
            await self.ws.send_bytes(self._zlib.compress(data.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
        else:
            await self.ws.send_str(data)

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, like a network failure."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """Discord's routing of a server to a shard."""
    return (int(guild_id) >> 22) % shard_count


class GatewaySession:
    def __init__(self, server: FakeDiscord, intents: int, replay_limit: int,
                 shard: tuple[int, int] = (0, 1)) -> None:
        self.server = server
        self.shard = shard  # (shard id, shard count)
        self.id = secrets.token_hex(16)
        self.intents = intents
        self.seq = 0
        self.buffer: deque[dict] = deque(maxlen=replay_limit)
        self.conn: Connection | None = None
        self.lock = asyncio.Lock()

    def wants(self, event: str) -> bool:
        need = EVENT_INTENTS.get(event)
        return need is None or bool(self.intents & need)

    async def dispatch(self, event: str, data: dict) -> int | None:
        """Send an event (or keep it for replay when no socket is attached). Returns its sequence number."""
        if not self.wants(event):
            return None
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not self.intents & P.INTENT_MESSAGE_CONTENT:
            data = _without_content(data, self.server.bot_user["id"])
        async with self.lock:
            self.seq += 1
            payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
            self.buffer.append(payload)
            await self._send(payload)
            return payload["s"]

    async def _send(self, payload: dict) -> None:
        conn = self.conn
        if conn is None or conn.closed:
            return
        try:
            await conn.send(payload)
        except (ConnectionError, RuntimeError):
            self.conn = None  # dropped: kept in the buffer for a RESUME

    async def attach_for_resume(self, conn: Connection, last_seq: int | None) -> bool:
        async with self.lock:
            last_seq = last_seq or 0
            oldest = self.buffer[0]["s"] if self.buffer else self.seq + 1
            if last_seq + 1 < oldest:
                return False  # events were lost: the session cannot be resumed
            if self.conn is not None and self.conn is not conn and not self.conn.closed:
                await self.conn.ws.close(code=4000)
            self.conn = conn
            conn.session = self
            for payload in list(self.buffer):
                if payload["s"] > last_seq:
                    await self._send(payload)
            self.seq += 1
            resumed = {"op": DISPATCH, "t": "RESUMED", "s": self.seq, "d": {"_trace": ["fake-gateway"]}}
            self.buffer.append(resumed)
            await self._send(resumed)
            return True


def _without_content(data: dict, bot_id: str) -> dict:
    """Without the MESSAGE_CONTENT intent Discord blanks content, embeds, attachments and components
    (except in messages that mention the bot or that the bot wrote)."""
    if data.get("author", {}).get("id") == bot_id or any(m.get("id") == bot_id for m in data.get("mentions", [])):
        return data
    return {**data, "content": "", "embeds": [], "attachments": [], "components": []}


class Gateway:
    def __init__(self, server: FakeDiscord, *, heartbeat_interval: float, replay_limit: int) -> None:
        self.server = server
        self.heartbeat_interval = heartbeat_interval
        self.replay_limit = replay_limit
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None  # the last session identified or resumed
        self.shards: dict[int, GatewaySession] = {}  # shard id -> its session
        self.connections: list[Connection] = []
        self.ack_heartbeats = True
        self.identifies = 0
        self.resumes = 0
        self.failed_resumes = 0
        self.heartbeats = 0
        self.connected = asyncio.Event()  # set on READY / RESUMED, cleared on disconnect
        self.received: list[dict] = []  # every payload the bot sent (tokens redacted)
        self.paths: list[str] = []  # the URL path of every websocket connection, in order

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.paths.append(request.path)
        conn = Connection(request, ws, compress=request.query.get("compress") == "zlib-stream")
        self.connections.append(conn)
        await conn.send({"op": HELLO, "s": None, "t": None,
                         "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000), "_trace": ["fake-gateway"]}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                await self._on_payload(conn, payload)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
                self.connected.clear()
            if conn in self.connections:
                self.connections.remove(conn)
        return ws

    async def _on_payload(self, conn: Connection, payload: dict) -> None:
        op, data = payload.get("op"), payload.get("d")
        self.received.append(_redacted(payload))
        if op == HEARTBEAT:
            self.heartbeats += 1
            if self.ack_heartbeats:
                await conn.send({"op": ACK, "s": None, "t": None, "d": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif op in (PRESENCE, VOICE, REQUEST_MEMBERS):
            pass  # recorded above; nothing to answer in these tests
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: Connection, data: dict) -> None:
        server = self.server
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if data.get("token") != server.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        for name, bit in P.PRIVILEGED_INTENTS.items():
            if intents & bit and name not in server.privileged_intents_enabled:
                await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
                return
        shard_id, shard_count = data.get("shard") or (0, 1)
        if not 0 <= shard_id < shard_count:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        self.identifies += 1
        session = GatewaySession(server, intents, self.replay_limit, (shard_id, shard_count))
        self.sessions[session.id] = session
        self.current = self.shards[shard_id] = session
        session.conn = conn
        conn.session = session
        owned = [g for g in server.guilds.values() if shard_of(g.id, shard_count) == shard_id]
        await session.dispatch("READY", {
            "v": 10,
            "user": {**server.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": g.id, "unavailable": True} for g in owned],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": server.resume_gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": server.app_id, "flags": server.application_flags},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["hongkong", "singapore"],
            "auth_session_id_hash": "",
            "_trace": ["fake-gateway"],
        })
        for g in owned:
            await session.dispatch("GUILD_CREATE", g.payload())
        self.connected.set()

    async def _resume(self, conn: Connection, data: dict) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.server.token or not await session.attach_for_resume(
                conn, data.get("seq")):
            self.failed_resumes += 1
            await asyncio.sleep(0.05)  # Discord waits 1-5 s before this; keep tests fast
            await conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        self.resumes += 1
        self.current = self.shards[session.shard[0]] = session
        self.connected.set()

    async def dispatch(self, event: str, data: dict) -> int | None:
        """Send an event to the shard that owns its server; None when no connected shard does."""
        if self.current is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        shard_count = self.current.shard[1]
        if shard_count == 1:
            return await self.current.dispatch(event, data)
        guild_id = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
        session = self.shards.get(shard_of(guild_id, shard_count) if guild_id else 0)
        return None if session is None else await session.dispatch(event, data)

    @property
    def identified_shards(self) -> list[list[int] | None]:
        """The `shard` field of every IDENTIFY, in order (None: an unsharded IDENTIFY)."""
        return [p["d"].get("shard") for p in self.received if p.get("op") == IDENTIFY]

    async def drop(self, code: int | None = None, *, shard: int | None = None) -> None:
        """Drop the bot's websocket (of that shard): code=None cuts TCP (network failure), else a close frame
        with that code."""
        session = self.current if shard is None else self.shards.get(shard)
        conn = session.conn if session else None
        if conn is None:
            raise RuntimeError("no connected gateway session to drop")
        async with session.lock:  # not in the middle of a frame
            session.conn = None
            self.connected.clear()
            if code is None:
                conn.abort()
            else:
                await conn.ws.close(code=code)

    async def send_reconnect(self) -> None:
        """op 7: Discord asks the bot to reconnect and resume."""
        if self.current and self.current.conn:
            await self.current.conn.send({"op": RECONNECT, "s": None, "t": None, "d": None})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close(code=1001)


def _redacted(payload: dict) -> dict:
    d = payload.get("d")
    if isinstance(d, dict) and "token" in d:
        return {**payload, "d": {**d, "token": "<redacted>"}}
    return payload
