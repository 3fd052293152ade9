"""The fake Telegram's webhook side: once a bot called setWebhook, updates are POSTed to its URL as Telegram
does (one at a time, in order, JSON body, the secret in X-Telegram-Bot-Api-Secret-Token, tried again while it fails)
instead of waiting for getUpdates; each delivery's HTTP status is recorded.

    server.push_message(group, alice, "...")            # with a webhook set: delivered to the bot's server
    server.webhook.deliveries                            # [Delivery(update_id, status), ...]
    await post_update(url, update, secret="...")         # what a proxy (or an attacker) sends a worker directly

One liberty: Telegram only posts to HTTPS on ports 443, 80, 88 and 8443; the fake also accepts plain http to
127.0.0.1, because the tests have no TLS (the proxy's job in production).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

JSON = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
RETRIES = 20  # about 15 s of tries, then the update is given up


@dataclass
class Delivery:
    update_id: int
    status: int  # HTTP status the bot's server answered with (0: no answer)


async def post_update(url: str, update: JSON, secret: str | None = None, *, timeout: float = 5.0,
                      session: aiohttp.ClientSession | None = None) -> int:
    """POST one Update to a webhook server as Telegram does; returns the HTTP status (0 if unreachable)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        async with session.post(url, data=json.dumps(update).encode(), headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return 0
    finally:
        if own:
            await session.close()


def check_webhook_url(url: str) -> str | None:
    """Telegram's answer to a URL it will not post to (None: accepted)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"):
        return None  # the fake's liberty, see the module doc
    return "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"


class WebhookOutbox:
    """The registered webhook (url, secret, allowed updates) and the deliveries made to it."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.secret: str | None = None
        self.allowed_updates: list[str] = []
        self.max_connections = 40
        self.deliveries: list[Delivery] = []
        self.last_error: str | None = None
        self._queue: asyncio.Queue[JSON] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._busy = False

    def set(self, url: str, secret: str | None, allowed_updates: list[str] | None, max_connections: int) -> None:
        if secret is not None and not _SECRET.match(secret):
            raise ValueError("Bad Request: secret token contains unallowed characters")
        self.url, self.secret, self.max_connections = url, secret, max_connections
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver_all(), name="fake-telegram-webhook")

    def clear(self) -> None:
        self.url = self.secret = None

    def info(self, pending: int) -> JSON:
        """getWebhookInfo's answer."""
        info: JSON = {"url": self.url or "", "has_custom_certificate": False,
                      "pending_update_count": pending + self._queue.qsize(), "max_connections": self.max_connections}
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        if self.last_error:
            info["last_error_date"], info["last_error_message"] = 0, self.last_error
        return info

    def enqueue(self, update: JSON) -> None:
        self._queue.put_nowait(update)

    @property
    def idle(self) -> bool:
        return self._queue.empty() and not self._busy

    async def _deliver_all(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                update = await self._queue.get()
                self._busy = True
                try:
                    await self._deliver(session, update)
                finally:
                    self._busy = False

    async def _deliver(self, session: aiohttp.ClientSession, update: JSON) -> None:
        """Like Telegram: a failed delivery is tried again, a while later, a reasonable number of times (the
        bot registers its webhook before its server listens, so the first tries may find nobody there)."""
        for attempt in range(RETRIES):
            if self.url is None:
                return  # deleted meanwhile: Telegram would keep it for getUpdates; the tests never mix the two
            status = await post_update(self.url, update, self.secret, session=session)
            self.deliveries.append(Delivery(update["update_id"], status))
            if status == 200:
                return
            self.last_error = f"Wrong response from the webhook: {status}" if status else "Connection refused"
            await asyncio.sleep(min(0.05 * 2 ** attempt, 1.0))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
