"""Serving the console: uvicorn on one address, in the caller's event loop, stopped by cancelling.

`leekguard web` runs it alone; inside `leekguard run` (config `web.enabled`) WebAdapter runs it beside the chat
adapters, over the bot's own store and LearnedSync, so a review on the page reaches the engine at once.
uvicorn's own signal handling is left out: the process's owner (click, bot.runner) handles signals.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import uvicorn

from adapters.web.app import create_app
from adapters.web.auth import admin_token


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # the owner of the event loop handles SIGINT / SIGTERM
        yield


async def serve_app(store: Any, token: str, host: str, port: int, *, secure_cookies: bool = False,
                    learning: Any = None) -> None:
    app = create_app(store, token, learning=learning, secure_cookies=secure_cookies)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=True,
                            forwarded_allow_ips="127.0.0.1", server_header=False, lifespan="off")
    server = _Server(config)
    task = asyncio.ensure_future(server.serve())
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await task
        raise
    except SystemExit:  # uvicorn exits when it cannot bind; here that is one adapter's failure, not the process's
        raise OSError(f"the web console could not listen on {host}:{port} (address in use?)") from None


class WebAdapter:
    """The console as one of `leekguard run`'s adapters (cli/wiring.py adds it when `web.enabled`)."""

    name = "web"

    async def run(self, services: Any) -> None:
        from bot.runner import AdapterStopped

        web = services.config.web
        try:
            token = admin_token()
        except ValueError as exc:
            raise AdapterStopped(str(exc)) from None
        await serve_app(services.store, token, web.host, web.port, secure_cookies=web.secure_cookies,
                        learning=services.learning)
