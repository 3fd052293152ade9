"""Run the real Telegram adapter (real python-telegram-bot, engine and store) against the fake server.

    async with running_bot(server, engine, tmp_path / "lg.db", policy={...}) as bot:
        server.push_message(group, alice, "...")
        await server.wait_for_calls("sendMessage")
        await bot.store.list(chat="telegram:-1001")

Shared by tests/telegram/ and bench/bench_telegram.py.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any, AsyncIterator

from adapters.telegram.adapter import TelegramAdapter
from bot.chat_settings import ChatSettingsService
from bot.config import Config
from bot.images.moderation import ImageChecks
from bot.runner import Services
from bot.store.service import IncidentStore
from fake_platforms.bot_harness import RunningBot, eventually, started  # noqa: F401 (re-exported for the tests)
from fake_platforms.telegram_server import FakeTelegramServer


@functools.lru_cache(maxsize=1)
def shared_engine() -> Any:
    """One real engine for the tests (loading trains the classifier: ~1 s). A test that teaches it (review
    buttons) gets it replaced afterwards (tests/telegram/conftest.py): learning moves every weight a little."""
    from detectors.engine import Engine

    return Engine.load()


def make_config(server: FakeTelegramServer, db: Path, **sections: Any) -> Config:
    telegram = {"token": server.token, "base_url": server.base_url, "base_file_url": server.base_file_url,
                **sections.pop("telegram", {})}
    return Config.model_validate({"database": str(db), "telegram": telegram, **sections})


async def open_images(config: Config, engine: Any, analyzer: Any) -> ImageChecks | None:
    return await ImageChecks.open(config, engine, analyzer=analyzer, warm_up=analyzer is None)


@contextlib.asynccontextmanager
async def running_bot(server: FakeTelegramServer, engine: Any, db: Path, *, limits: tuple[float, float] | None = None,
                      concurrent_updates: int = 64, poll_timeout: float = 2.0, analyzer: Any = None,
                      **sections: Any) -> AsyncIterator[RunningBot]:
    """sections: config sections (policy=..., guards=..., chats=..., telegram=... extra keys).
    With images={"enabled": True} the image checks run, on `analyzer` (an ImageAnalyzer to reuse) if given."""
    config = make_config(server, db, **sections)
    store = await IncidentStore.open(str(db), synchronous="NORMAL")
    services = Services(config=config, engine=engine, store=store, chat_settings=ChatSettingsService(config, store),
                        images=await open_images(config, engine, analyzer))
    adapter = TelegramAdapter(limits=limits, concurrent_updates=concurrent_updates, poll_timeout=poll_timeout)
    try:
        async with started(adapter, services, "telegram") as bot:
            yield bot
    finally:
        await services.close()
