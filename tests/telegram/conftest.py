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


@pytest.fixture(autouse=True)
def _untaught_engine():
    """A test whose review buttons taught the shared engine leaves it behind: learning moves every weight a
    little, and a later test's borderline caption must not depend on which tests ran before it."""
    before = shared_engine()._generation
    yield
    if shared_engine()._generation != before:
        shared_engine.cache_clear()
