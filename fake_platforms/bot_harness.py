"""What the Telegram and Discord test harnesses share: polling for eventual results, and the running bot."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable

from bot.runner import Services


async def eventually(probe: Callable[[], Awaitable[Any]], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll an async probe until it returns something truthy (the bot finishes work after its last call)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)


@dataclass
class RunningBot:
    adapter: Any  # TelegramAdapter | DiscordAdapter
    services: Services
    task: asyncio.Task
    platform: str  # "telegram" | "discord": the prefix of its chat keys

    @property
    def store(self) -> Any:
        return self.services.store

    @property
    def session(self) -> Any:
        return self.adapter.session

    async def incidents(self, chat_id: int | str, count: int = 1, *, with_results: bool = True,
                        timeout: float = 5.0) -> list[Any]:
        """The chat's (server's) incidents, once `count` exist (and carry their action results), oldest first."""
        async def probe() -> list[Any]:
            found = await self.store.list(chat=f"{self.platform}:{chat_id}")
            if len(found) < count or (with_results and not all(i.action_results for i in found)):
                return []
            return sorted(found, key=lambda i: i.id)
        return await eventually(probe, timeout)


@contextlib.asynccontextmanager
async def started(adapter: Any, services: Services, platform: str) -> AsyncIterator[RunningBot]:
    """Run the adapter as `leekguard run` would, wait until it is ready (or raise its start-up failure),
    and cancel it on the way out. The caller closes the services."""
    task = asyncio.create_task(adapter.run(services), name=f"{platform}-adapter")
    try:
        ready = asyncio.create_task(adapter.ready.wait())
        done, _ = await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task.done():
                task.result()  # raises the start-up failure
            raise TimeoutError(f"the {platform} adapter did not start")
        yield RunningBot(adapter, services, task, platform)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
