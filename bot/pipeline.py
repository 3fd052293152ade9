"""The moderation pipeline: guards -> engine -> policy -> store (durable) -> executor.

    moderator = Moderator(engine, store, config, executor)
    outcome = await moderator.handle(msg)

`handle` never raises for a bad message, a failing detector, a failing store or a failing platform call:
failures are logged, recorded on the incident where there is one, and the next message is served as usual.
The incident is committed before any action is carried out; a redelivered message (same platform message,
same verdict) is recognised by the store and not acted on twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Protocol, runtime_checkable

from bot.actions import Action, ActionResult, Reply
from bot.chat_settings import ChatSettingsService
from bot.config import Config
from bot.policy import LABEL_RANK, BurstMemory, ChatSettings, decide, effective_label
from bot.store.types import NewIncident, RecordResult
from bot.warnings import render_admin_notice, render_brief_mark, render_warning, with_lines
from leekguard_types import Finding, Message, Verdict

log = logging.getLogger(__name__)


@runtime_checkable
class ActionExecutor(Protocol):
    """Implemented by each adapter: the only code that talks to the platform.

    `reply` is the text to send for `warn` (a reply to `msg`) and `notify_admins` (to the admin target in
    `reply.extra["admin_target"]`, or the platform default); None for delete / mute / ban. `action.silent`
    means "act without announcing". Return ActionResult(action, "done" | "failed" | "skipped", detail);
    raising is allowed too, the pipeline turns it into a "failed" result.

    Optional: `async def preview(msg, action, reply, incident_id) -> None`, called by DryRunExecutor instead
    of execute, so an adapter can show what it would have done (the console does).
    Optional: `async def fetch_image(msg, image, max_bytes) -> bytes`, the bytes of one of msg.images (an
    ImageRef the adapter made); without it the adapter's images are not checked (bot/images/moderation.py).
    """

    async def execute(self, msg: Message, action: Action, reply: Reply | None,
                      incident_id: int | None) -> ActionResult: ...


class DryRunExecutor:
    """Wraps any executor: decides and records everything, acts on nothing."""

    def __init__(self, inner: ActionExecutor) -> None:
        self.inner = inner

    async def execute(self, msg: Message, action: Action, reply: Reply | None,
                      incident_id: int | None) -> ActionResult:
        preview = getattr(self.inner, "preview", None)
        if preview is not None:
            await preview(msg, action, reply, incident_id)
        return ActionResult(action, "dry-run", f"would {action.describe()}")


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict | None = None  # label already adjusted to the chat's thresholds
    incident_id: int | None = None
    actions: tuple[Action, ...] = ()
    results: tuple[ActionResult, ...] = ()
    skipped_reason: str | None = None  # the guard (or failure) that stopped processing
    record: RecordResult | None = None

    @property
    def label(self) -> str:
        return self.verdict.label if self.verdict else "clean"


ExtraLines = Callable[[str], list[str]]  # language -> lines added to the warning and the admin notice


def guard_reason(msg: Message, config: Config, self_ids: Iterable[str] = ()) -> str | None:
    """Why a message is not moderated, or None. Cheapest checks first."""
    guards = config.guards
    if not msg.text.strip() and not msg.images:
        return "empty"
    if f"{msg.platform}:{msg.chat_id}" in guards.disabled_chats:
        return "disabled_chat"
    author_key = f"{msg.platform}:{msg.author.id}"
    if msg.author.id in self_ids or author_key in self_ids:
        return "self"
    if msg.author.is_bot and author_key in guards.trusted_bots:
        return "trusted_bot"
    if msg.author.is_admin:
        return "admin"
    if author_key in guards.allowlist:
        return "allowlisted"
    return None


def secrets_of(config: Config) -> list[str]:
    from bot.store.dburl import passwords_in

    kept = (config.telegram.token, config.telegram.webhook.secret_token, config.discord.token)
    tokens = [s.get_secret_value() for s in kept if s is not None]
    return tokens + passwords_in(config.database)  # a PostgreSQL URL's password is a secret too


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class Moderator:
    def __init__(self, engine: Any, store: Any, config: Config, executor: ActionExecutor, *,
                 chat_settings: ChatSettingsService | None = None, burst: BurstMemory | None = None,
                 self_ids: Iterable[str] = (), images: Any = None) -> None:
        self.engine = engine
        self.store = store
        self.config = config
        self.executor = executor
        self.dry_executor = DryRunExecutor(executor)
        self.chat_settings = chat_settings if chat_settings is not None else ChatSettingsService(config, store)
        self.burst = burst if burst is not None else BurstMemory()
        # the bot's own user ids ("123" or "telegram:123"); adapters add theirs once they know them
        self.self_ids: set[str] = set(self_ids)
        # bot.images.moderation.ImageChecks, or None (image checks off): analyses msg.images in the background
        self.images = images
        self._secrets = secrets_of(config)

    async def handle(self, msg: Message) -> Outcome:
        try:
            outcome = await self._handle(msg)
        except Exception:  # last line of defence: one message must not stop the bot
            log.exception("moderation of %s:%s/%s failed", msg.platform, msg.chat_id, msg.message_id)
            return Outcome(skipped_reason="error")
        if msg.images and self.images is not None and outcome.skipped_reason is None:
            # after the text was handled, never before: the picture is judged in the background
            self.images.schedule(self, msg, outcome)
        return outcome

    async def _handle(self, msg: Message) -> Outcome:
        reason = guard_reason(msg, self.config, self.self_ids)
        if reason:
            return Outcome(skipped_reason=reason)
        chat_key = f"{msg.platform}:{msg.chat_id}"
        settings = await self.chat_settings.get(chat_key)
        try:
            verdict = self.engine.analyze_message(msg)
        except Exception:
            log.exception("engine failed on %s/%s", chat_key, msg.message_id)
            return Outcome(skipped_reason="engine_error")
        if verdict.label == "error":  # no verdict at all: no warning, no admin alert, no incident
            log.error("engine failed on %s/%s: %s", chat_key, msg.message_id, verdict.error)
            return Outcome(verdict=verdict, skipped_reason="engine_error")
        verdict = replace(verdict, label=effective_label(verdict, settings))  # type: ignore[arg-type]
        if verdict.label == "clean":
            # An edit that makes a flagged message clean leaves its incident as it was: it records what
            # was posted and what was done about it.
            return Outcome(verdict=verdict)
        return await self._act(msg, verdict, settings)

    async def handle_image_verdict(self, msg: Message, verdict: Verdict, text_outcome: Outcome,
                                   extra_lines: ExtraLines | None = None, advert_key: str | None = None
                                   ) -> Outcome | None:
        """The verdict on a message's text and pictures together (bot/images/moderation.py). Acts only when
        it is worse than the text's own verdict was: policy again, the incident recorded under the same
        message id (the store updates it), then the actions, whose texts get `extra_lines`. None otherwise.
        `advert_key`: what identifies caption + picture for the burst memory (the caption's own text hash
        would make the escalation look like the advert already acted on)."""
        settings = await self.chat_settings.get(f"{msg.platform}:{msg.chat_id}")
        verdict = replace(verdict, label=effective_label(verdict, settings))  # type: ignore[arg-type]
        if LABEL_RANK[verdict.label] <= LABEL_RANK[text_outcome.label]:
            return None
        return await self._act(msg, verdict, settings, extra_lines, advert_key)

    async def _act(self, msg: Message, verdict: Verdict, settings: ChatSettings,
                   extra_lines: ExtraLines | None = None, advert_key: str | None = None) -> Outcome:
        chat_key = f"{msg.platform}:{msg.chat_id}"
        advert = advert_key or verdict.text_hash
        # observe + decide + remember with no await in between: two copies of one advert arriving together
        # cannot both be warned about
        state = self.burst.observe(chat_key, msg.author.id, advert, settings.burst_seconds)
        actions = decide(verdict, settings, state)
        self.burst.remember(chat_key, msg.author.id, advert, actions, settings.burst_seconds, verdict.label)

        record = await self._record(msg, verdict, actions)
        if record is not None and not record.created and not record.changed and not record.pending:
            return Outcome(verdict=verdict, incident_id=record.id, actions=tuple(actions),
                           skipped_reason="duplicate", record=record)
        incident_id = record.id if record else None
        results = await self._execute(msg, verdict, settings, actions, incident_id, extra_lines)
        if record is not None and results:
            await self._save_results(record, results)
        return Outcome(verdict=verdict, incident_id=incident_id, actions=tuple(actions),
                       results=tuple(results), record=record)

    async def _record(self, msg: Message, verdict: Verdict, actions: list[Action]) -> RecordResult | None:
        incident = NewIncident.from_verdict(msg, verdict, actions)
        if verdict.error and not any(f.detector == "error" for f in verdict.findings):
            error = Finding(detector="error", category="context", score=0.0, reason=verdict.error,
                            reason_zh=f"检测器出错：{verdict.error}", rule="error")
            incident = replace(incident, findings=[*incident.findings, error.to_dict()])
        try:
            return await self.store.record(incident)
        except Exception:
            # The store queues what it cannot write; reaching here means even that failed. Moderation goes
            # on: acting on a scam matters more than the missing log line, which is logged loudly instead.
            log.exception("could not record incident for %s:%s/%s", msg.platform, msg.chat_id, msg.message_id)
            return None

    async def _execute(self, msg: Message, verdict: Verdict, settings: ChatSettings, actions: list[Action],
                       incident_id: int | None, extra_lines: ExtraLines | None = None) -> list[ActionResult]:
        executor = self.dry_executor if settings.dry_run else self.executor
        results = []
        for action in actions:
            reply = self._reply_for(action, msg, verdict, settings, actions, incident_id)
            if reply is not None and extra_lines is not None:
                reply = with_lines(reply, extra_lines(reply.extra.get("lang") or settings.language))
            result = await self._carry_out(executor, msg, action, reply, incident_id)
            if result.status == "failed":
                log.warning("%s on %s:%s/%s failed: %s", action.describe(), msg.platform, msg.chat_id,
                            msg.message_id, result.detail)
            results.append(result)
            if (action.kind == "delete" and result.status == "failed"
                    and not any(a.kind == "warn" for a in actions)):
                # the message stays up after all: members must still see it marked
                mark = Action("warn", brief=True)
                results.append(await self._carry_out(executor, msg, mark,
                                                     render_brief_mark(msg, verdict, settings.language),
                                                     incident_id))
        return results

    async def _carry_out(self, executor, msg: Message, action: Action, reply: Reply | None,
                         incident_id: int | None) -> ActionResult:
        try:
            result = await executor.execute(msg, action, reply, incident_id)
        except Exception as exc:
            result = ActionResult(action, "failed", f"{type(exc).__name__}: {exc}")
        return replace(result, detail=redact(result.detail, self._secrets))  # details are stored

    def _reply_for(self, action: Action, msg: Message, verdict: Verdict, settings: ChatSettings,
                   actions: list[Action], incident_id: int | None) -> Reply | None:
        if action.kind == "warn":
            if action.brief:
                return render_brief_mark(msg, verdict, settings.language)
            return render_warning(msg, verdict, verdict.label, settings.language)
        if action.kind == "notify_admins":
            return render_admin_notice(msg, verdict, verdict.label, incident_id, actions, settings.language,
                                       dry_run=settings.dry_run, admin_target=settings.admin_target)
        return None

    async def _save_results(self, record: RecordResult, results: list[ActionResult]) -> None:
        target = record.id if record.id is not None else record.key
        try:
            await self.store.set_action_results(target, results)
        except Exception:
            log.exception("could not save action results for incident %s", target)
