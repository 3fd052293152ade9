"""Fixtures every Telegram test module shares: the fake Bot API server on 127.0.0.1, and the engine."""

import pytest

from fake_platforms.telegram_harness import shared_engine
from fake_platforms.telegram_server import FakeTelegramServer


@pytest.fixture
async def server():
    async with FakeTelegramServer() as s:
        yield s


@pytest.fixture
def engine():
    return shared_engine()
