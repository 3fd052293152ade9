"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

PTB lets an application bring its own `telegram.request.BaseRequest`; this one sends the same requests
(url-encoded forms, multipart for uploads) with an aiohttp ClientSession. Measured with bench/bench_telegram.py
on this project's hardware: the httpx/httpcore stack costs about 0.9 ms of CPU per Bot API call and its
connection pool gets slower as requests queue, which kept the bot from 300 messages/second; aiohttp (already
installed: discord.py depends on it) does the same work for a fraction of that. Errors map to PTB's own
exceptions exactly like HTTPXRequest: timeouts -> TimedOut, any other transport failure -> NetworkError.
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    __slots__ = ("_pool_size", "_timeouts", "_session")

    def __init__(self, connection_pool_size: int = 16, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0):
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout, "media_write": media_write_timeout}
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT},
                                                  raise_for_status=False)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, name: str, value: object) -> float | None:
        return self._timeouts[name] if isinstance(value, DefaultValue) else value  # type: ignore[return-value]

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():  # type: ignore[union-attr]
                form.add_field(name, value)
            for name, part in files.items():
                filename, content, mime = part if len(part) == 3 else (*part, None)  # type: ignore[misc]
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        elif request_data is not None:
            # the same url-encoded form httpx would send, encoded once here (aiohttp's FormData is slower)
            data = request_data.url_encoded_parameters().encode()
            headers = _FORM
        connect = self._timeout("connect", connect_timeout)
        pool = self._timeout("pool", pool_timeout)
        # aiohttp has no separate write timeout; waiting for the pool and connecting share `connect`
        timeout = aiohttp.ClientTimeout(
            total=None, sock_read=self._timeout("read", read_timeout),
            connect=None if connect is None or pool is None else connect + pool, sock_connect=connect)
        try:
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
