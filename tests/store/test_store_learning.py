"""Learning from reviews reaches the engine: at start-up, and later from reviews made by another process."""

from __future__ import annotations

import pytest

from bot.learning import LearnedSync, load_learned
from bot.store.service import IncidentStore
from tests.support.incidents import incident


class RecordingEngine:
    """Records the calls bot.learning makes (the Engine's learn / unlearn / exempt / unexempt API)."""

    def __init__(self, fail_learn_on: str | None = None) -> None:
        self.calls: list[tuple] = []
        self.fail_learn_on = fail_learn_on

    def learn(self, text: str, label: str) -> None:
        if text == self.fail_learn_on:
            raise RuntimeError("classifier busy")
        self.calls.append(("learn", text, label))

    def unlearn(self, text: str, label: str) -> None:
        self.calls.append(("unlearn", text, label))

    def exempt(self, chat_key: str, rule_id: str) -> None:
        self.calls.append(("exempt", chat_key, rule_id))

    def unexempt(self, chat_key: str, rule_id: str) -> None:
        self.calls.append(("unexempt", chat_key, rule_id))


@pytest.fixture
async def stores(db):
    """The bot's store and a second one on the same database, standing for the CLI in another process."""
    bot = await IncidentStore.open(db)
    cli = await IncidentStore.open(db)
    yield bot, cli
    await cli.close()
    await bot.close()


async def test_start_up_applies_everything_once_and_refresh_follows_other_processes(stores):
    bot, cli = stores
    a = await bot.record(incident(text="买 Sora 内测号"))
    await cli.review(a.id, "confirm", by="alice")
    await cli.add_exemption("telegram:-100", "$price", by="alice")
    engine = RecordingEngine()

    sync = await load_learned(engine, bot)
    assert engine.calls == [("learn", "买 Sora 内测号", "scam"), ("exempt", "telegram:-100", "$price")]
    assert not (await sync.refresh()).any  # nothing applied twice

    # the CLI dismisses it: the scam sample is replaced by a clean one, the exemption is lifted
    await cli.review(a.id, "dismiss", by="bob")
    await cli.remove_exemption("telegram:-100", "$price")
    change = await sync.refresh()
    assert (change.learned, change.unlearned, change.exempted, change.unexempted) == (1, 1, 0, 1)
    assert engine.calls[2:] == [("unlearn", "买 Sora 内测号", "scam"), ("learn", "买 Sora 内测号", "clean"),
                                ("unexempt", "telegram:-100", "$price")]


async def test_a_failing_engine_call_is_skipped_and_retried(stores, caplog):
    bot, cli = stores
    await cli.add_sample("坏样本", "scam")
    await cli.add_sample("好样本", "clean")
    engine = RecordingEngine(fail_learn_on="坏样本")
    sync = LearnedSync(engine, bot)
    assert (await sync.refresh()).learned == 1
    assert "engine.learn failed" in caplog.text
    engine.fail_learn_on = None
    assert (await sync.refresh()).learned == 1
    assert [c[1] for c in engine.calls] == ["好样本", "坏样本"]


async def test_real_engine_takes_samples_and_exemptions(stores):
    # The real Engine's API, end to end (the recording engine above covers the order of the calls).
    from detectors.engine import Engine

    bot, cli = stores
    engine = Engine.load()
    text = "GPT-5 内测资格 限时 49 元 私聊"
    def log_odds() -> float:  # the score itself saturates near 1 for such a text
        return sum(f.score for f in engine.analyze(text).findings)

    before = log_odds()
    await cli.add_sample(text, "scam", by="alice")
    await cli.add_exemption("telegram:-100", "$price")
    sync = await load_learned(engine, bot)
    assert log_odds() > before  # the learned sample moved the classifier
    assert "$price" in engine.exemptions("telegram:-100")
    await cli.remove_exemption("telegram:-100", "$price")
    await sync.refresh()
    assert engine.exemptions("telegram:-100") == frozenset()
