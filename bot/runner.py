"""`leekguard run`: the given platform adapters in ONE asyncio event loop, with the services they share.

Writing an adapter (adapters/telegram/, adapters/discord/, adapters/console.py):

    class TelegramAdapter:                      # constructed with no arguments
        name = "telegram"
        async def run(self, services: Services) -> None:
            executor = MyExecutor(...)          # implements bot.pipeline.ActionExecutor
            moderator = services.moderator(executor)
            commands = services.commands(executor)
            ...                                 # serve until cancelled; clean up in `finally`/`async with`

`run` serves until it is cancelled (shutdown: SIGINT / SIGTERM) and cleans up on CancelledError. Returning
means "this adapter is finished" (the console at end of input). Raising any other exception means "this
adapter failed": it is logged and `run` is called again after a backoff (1 s, 2 s, 4 s ... 5 min), while the
other adapters keep serving. Raise `AdapterStopped` for a failure that retrying cannot fix (a rejected token):
it is logged and the adapter is not restarted.

Which adapters run is decided by the command line (cli/wiring.py), the one place that imports adapters.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.chat_settings import ChatSettingsService
from bot.config import Config
from bot.pipeline import ActionExecutor, Moderator, redact, secrets_of
from bot.policy import BurstMemory

if TYPE_CHECKING:
    from bot.commands import Commands
    from bot.images.moderation import ImageChecks
    from bot.learning import LearnedSync

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0  # reviews made elsewhere (the CLI) reach a running bot within this time


class AdapterStopped(Exception):
    """Raised by an adapter whose failure retrying cannot fix (e.g. the platform rejected the token)."""


@dataclass
class Services:
    """What every adapter gets: shared by all adapters of one process."""

    config: Config
    engine: Any  # detectors.engine.Engine
    store: Any  # bot.store.service.IncidentStore
    chat_settings: ChatSettingsService
    burst: BurstMemory = field(default_factory=BurstMemory)
    images: ImageChecks | None = None  # None: image checks are off
    learning: LearnedSync | None = None  # keeps the engine in step with reviews (None: commands teach it directly)

    def moderator(self, executor: ActionExecutor) -> Moderator:
        """A Moderator that carries out actions through this adapter's executor."""
        return Moderator(self.engine, self.store, self.config, executor,
                         chat_settings=self.chat_settings, burst=self.burst, images=self.images)

    def commands(self, executor: ActionExecutor | None = None) -> "Commands":
        """Platform-neutral command handlers; the executor is used by the "ban" button."""
        from bot.commands import Commands

        return Commands(self.engine, self.store, self.config, self.chat_settings, executor=executor,
                        learning=self.learning, images=self.images)

    async def refresh(self) -> None:
        """Pick up what was changed outside this process: learned samples, exemptions, confirmed posters."""
        if self.learning is not None:
            await self.learning.refresh()
        if self.images is not None:
            await self.images.refresh()

    async def close(self) -> Any:
        """Image checks first (they may still record an incident), then the store; returns its close report."""
        if self.images is not None:
            try:
                await self.images.close()
            except Exception:
                log.exception("image checks did not close cleanly")
        return await self.store.close()


@runtime_checkable
class Adapter(Protocol):
    name: str

    async def run(self, services: Services) -> None: ...


# ---- start-up ----

async def open_services(config: Config, *, force_dry_run: bool = False) -> Services:
    """Open the store, load the engine, re-apply what admins taught it (samples, exemptions), and open the
    image checks when they are on (the log says either way). Close with `await services.close()`."""
    from bot.images.moderation import ImageChecks
    from bot.learning import load_learned
    from bot.store.service import IncidentStore
    from detectors.engine import DetectionSettings, Engine

    store = await IncidentStore.open(config.database, retention_days=config.store.retention_days,
                                     text_mode=config.store.text, excerpt_chars=config.store.excerpt_chars)
    try:
        settings = DetectionSettings.from_config(config)
        engine = await asyncio.to_thread(Engine.load, settings)
        await asyncio.to_thread(engine.warm_up)  # no chat message waits for jieba's dictionary
        learning = await load_learned(engine, store)
        images = await ImageChecks.open(config, engine)
    except BaseException:
        await store.close()
        raise
    return Services(config=config, engine=engine, store=store,
                    chat_settings=ChatSettingsService(config, store, force_dry_run=force_dry_run),
                    images=images, learning=learning)


async def keep_in_step(services: Services, every: float = REFRESH_SECONDS) -> None:
    """Refresh services every `every` seconds until cancelled; a failed refresh is logged and retried."""
    while True:
        await asyncio.sleep(every)
        try:
            await services.refresh()
        except Exception:
            log.exception("refresh of learned samples / known posters failed; retrying in %.0f s", every)


# ---- running ----

async def supervise(adapter: Adapter, services: Services, *, first_delay: float = 1.0, max_delay: float = 300.0,
                    healthy_after: float = 60.0) -> None:
    """Run one adapter; restart it with exponential backoff when it fails (a long healthy run resets it)."""
    loop = asyncio.get_running_loop()
    secrets = secrets_of(services.config)
    failures = 0
    while True:
        started = loop.time()
        try:
            await adapter.run(services)
            log.info("%s adapter finished", adapter.name)
            return
        except AdapterStopped as exc:
            log.error("%s adapter stopped: %s", adapter.name, redact(str(exc), secrets))
            return
        except Exception as exc:
            failures = 1 if loop.time() - started >= healthy_after else failures + 1
            delay = min(max_delay, first_delay * 2 ** (failures - 1))
            log.error("%s adapter failed (%s); restarting in %.0f s", adapter.name,
                      redact(f"{type(exc).__name__}: {exc}", secrets), delay)
            log.debug("%s adapter failure", adapter.name, exc_info=True)
            await asyncio.sleep(delay)


async def serve(services: Services, adapters: list[Adapter]) -> None:
    """All adapters in one TaskGroup, until they finish or SIGINT / SIGTERM arrives."""
    loop = asyncio.get_running_loop()
    group_task = asyncio.current_task()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, _request_stop, group_task, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / no signals here
            pass
    try:
        async with asyncio.TaskGroup() as tg:
            for adapter in adapters:
                tg.create_task(supervise(adapter, services), name=f"adapter:{adapter.name}")
    except asyncio.CancelledError:
        if group_task is not None and group_task.cancelling():
            group_task.uncancel()
        log.info("shutting down")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _request_stop(task: asyncio.Task | None, sig: signal.Signals) -> None:
    log.info("received %s", sig.name)
    if task is not None and not task.done():
        task.cancel()


async def run_bot(config: Config, adapters: list[Adapter], *, force_dry_run: bool = False) -> None:
    services = await open_services(config, force_dry_run=force_dry_run)
    log.info("serving: %s%s", ", ".join(a.name for a in adapters), " (dry-run)" if force_dry_run else "")
    refresher = asyncio.create_task(keep_in_step(services), name="refresh")
    try:
        await serve(services, adapters)
    finally:
        refresher.cancel()
        await asyncio.gather(refresher, return_exceptions=True)
        report = await services.close()
        if report is not None and not getattr(report, "ok", True):
            from bot.store.dburl import redact as hide_password

            log.error("shut down with %d incident(s) not written to %s", len(report.unwritten), hide_password(config.database))
