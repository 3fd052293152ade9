"""An engine error is an error, not a verdict: logged, counted, and nothing is said or done about the message."""

import pytest

from bot.store.service import IncidentStore
from detectors.engine import Engine
from tests.support.bot_core import Chat

SCAM = "Sora内测账号 只要299 加V私聊"


@pytest.fixture
def broken_engine(monkeypatch):
    engine = Engine.load()

    def explode(text, reply_to_text):
        raise RuntimeError("index out of step")

    monkeypatch.setattr(engine, "_analyze", explode)
    engine._cache.clear()
    return engine


def test_a_failing_engine_returns_an_error_not_a_verdict(broken_engine, caplog):
    v = broken_engine.analyze(SCAM)
    assert v.label == "error" and not v.is_hit
    assert v.score == 0.0 and v.categories == () and v.findings == ()
    assert "RuntimeError: index out of step" in v.error
    assert broken_engine.failures == 1
    assert any("engine failure" in r.getMessage() for r in caplog.records)


async def test_the_bot_says_and_does_nothing_about_a_message_the_engine_failed_on(broken_engine, tmp_path):
    store = await IncidentStore.open(tmp_path / "lg.db")
    try:
        chat = Chat(broken_engine, store)
        outcome = await chat.say("mallory", SCAM)
        assert outcome.skipped_reason == "engine_error"
        assert chat.pop() == []  # no warning, no admin alert, no deletion
        assert outcome.incident_id is None
    finally:
        await store.close()


def test_the_same_engine_still_judges_once_it_works_again(broken_engine, monkeypatch):
    monkeypatch.undo()
    assert broken_engine.analyze(SCAM).label == "scam"
