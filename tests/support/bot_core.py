"""Helpers for the bot-core tests: a fixed-answer engine, a recording executor, and a chat transcript.

The transcript follows errbot's test backend: push a message or a command, pop what the bot did.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.actions import Action, ActionResult, Reply
from bot.chat_settings import ChatSettingsService
from bot.commands import CommandContext, Commands
from bot.config import Config
from bot.pipeline import Moderator, Outcome
from bot.policy import BurstMemory
from leekguard_types import Author, Finding, Message, Span, Verdict


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verdict_for(text: str, score: float = 0.9, category: str = "fake_access", lang: str = "zh-Hans",
                evidence: tuple[str, ...] = (), rule: str = "fake_access.account_sale",
                error: str | None = None) -> Verdict:
    """A verdict as the engine would give it, with evidence spans pointing into `text`."""
    spans = tuple(Span(text.index(e), text.index(e) + len(e), e) for e in evidence if e in text)
    findings = (Finding(detector="pattern", category=category, score=score, reason="Sells access",
                        reason_zh="出售账号", rule=rule, source="000.txt", evidence=spans),) if score > 0 else ()
    label = "scam" if score >= 0.7 else "suspicious" if score >= 0.45 else "clean"
    return Verdict(label, score, (category,) if score > 0 else (), findings, text_hash(text), lang, error)


class FixedEngine:
    """Answers from a table (text -> Verdict), clean otherwise; records what admins taught it."""

    def __init__(self, verdicts: dict[str, Verdict] | None = None, fail_on: str | None = None) -> None:
        self.verdicts = dict(verdicts or {})
        self.fail_on = fail_on
        self.learned: list[tuple[str, str]] = []
        self.exempted: set[tuple[str, str]] = set()

    def analyze(self, text: str, *, reply_to_text: str | None = None, chat_key: str | None = None) -> Verdict:
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("engine exploded")
        return self.verdicts.get(text) or verdict_for(text, score=0.0, lang="en")

    def analyze_message(self, msg: Message) -> Verdict:
        return self.analyze(msg.text, reply_to_text=msg.reply_to_text, chat_key=f"{msg.platform}:{msg.chat_id}")

    def learn(self, text: str, label: str) -> None:
        self.learned.append((text, label))

    def unlearn(self, text: str, label: str) -> None:
        self.learned.remove((text, label))

    def exempt(self, chat_key: str, rule_id: str) -> None:
        self.exempted.add((chat_key, rule_id))

    def unexempt(self, chat_key: str, rule_id: str) -> None:
        self.exempted.discard((chat_key, rule_id))


@lru_cache(maxsize=1)
def real_engine():
    """The real detection engine, loaded once per test session. Tests that teach it must undo that."""
    from detectors.engine import Engine

    return Engine.load()


@dataclass
class Done:
    msg: Message
    action: Action
    reply: Reply | None
    incident_id: int | None


@dataclass
class RecordingExecutor:
    """Records every action; `fail` maps an action kind to an exception to raise; `on_execute` runs first
    (tests use it to look at the store at the moment an action is carried out)."""

    done: list[Done] = field(default_factory=list)
    previews: list[Done] = field(default_factory=list)
    fail: dict[str, Exception] = field(default_factory=dict)
    on_execute: Any = None

    async def execute(self, msg: Message, action: Action, reply: Reply | None,
                      incident_id: int | None) -> ActionResult:
        if self.on_execute is not None:
            await self.on_execute(msg, action, incident_id)
        if action.kind in self.fail:
            raise self.fail[action.kind]
        self.done.append(Done(msg, action, reply, incident_id))
        return ActionResult(action, "done")

    async def preview(self, msg: Message, action: Action, reply: Reply | None, incident_id: int | None) -> None:
        self.previews.append(Done(msg, action, reply, incident_id))

    def pop(self) -> list[Done]:
        out, self.done = self.done, []
        return out


class Chat:
    """One chat as a transcript: `say` posts a member's message, `command` runs a command, `pop` tells
    what the bot did since the last pop."""

    def __init__(self, engine: Any, store: Any, config: Config | None = None, platform: str = "telegram",
                 chat_id: str = "-100", executor: RecordingExecutor | None = None) -> None:
        self.config = config or Config()
        self.platform, self.chat_id = platform, chat_id
        self.executor = executor or RecordingExecutor()
        self.settings = ChatSettingsService(self.config, store)
        self.moderator = Moderator(engine, store, self.config, self.executor, chat_settings=self.settings,
                                   burst=BurstMemory())
        self.commands = Commands(engine, store, self.config, self.settings, executor=self.executor)
        self.store = store
        self._ids = 0
        self.messages: list[Message] = []

    def message(self, author: str, text: str, **kw: Any) -> Message:
        self._ids += 1
        is_admin = kw.pop("is_admin", False)
        is_bot = kw.pop("is_bot", False)
        return Message(platform=self.platform, chat_id=self.chat_id, message_id=kw.pop("message_id", str(self._ids)),
                       author=Author(id=kw.pop("user_id", author), name=author, is_admin=is_admin, is_bot=is_bot),
                       text=text, chat_title="Test group", **kw)

    async def say(self, author: str, text: str, **kw: Any) -> Outcome:
        msg = self.message(author, text, **kw)
        self.messages.append(msg)
        return await self.moderator.handle(msg)

    def ctx(self, user: str = "admin", is_admin: bool = True, reply_to: Message | None = None,
            **kw: Any) -> CommandContext:
        return CommandContext(platform=self.platform, chat_id=self.chat_id, user=Author(id=user, name=user),
                              is_admin=is_admin, chat_title="Test group", reply_to=reply_to, **kw)

    async def command(self, text: str, user: str = "admin", is_admin: bool = True,
                      reply_to: Message | None = None, **kw: Any) -> Reply | None:
        return await self.commands.dispatch(self.ctx(user, is_admin, reply_to, **kw), text)

    def pop(self) -> list[Done]:
        return self.executor.pop()

    def kinds(self) -> list[str]:
        return [d.action.kind + (" (silent)" if d.action.silent else "") for d in self.pop()]
