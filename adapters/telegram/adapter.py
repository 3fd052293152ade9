"""The Telegram adapter: python-telegram-bot in, leekguard_types.Message out, ActionExecutor back.

    adapter = TelegramAdapter()            # cli/wiring.py: constructed with no arguments
    await adapter.run(services)            # bot.runner.Services; serves until cancelled

It only translates and executes: an Update becomes a leekguard_types.Message for bot.pipeline.Moderator, a
command or button becomes a call of bot/commands.py (adapters/telegram/commands.py), and decided actions are
carried out by adapters/telegram/executor.py. Sends go through a rate limiter that respects Telegram's
per-chat and global flood limits and waits out 429s instead of dropping the message. Updates arrive by long
polling, or with telegram.mode: webhook through python-telegram-bot's own webhook server
(adapters/telegram/webhook.py); everything after that is the same.

Importing this module changes nothing outside it. What the adapter sets for the whole process is done
explicitly: PTB's timedelta durations when an adapter or session is built (use_timedelta_durations), the
shorter GIL switch interval when a session starts (shorten_gil_switch_interval).

Absolute imports only: this package is named like the `telegram` package it imports.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections import defaultdict
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken
from telegram.ext import (Application, ApplicationBuilder, ChatMemberHandler, ContextTypes, ExtBot, MessageHandler,
                          filters)

from adapters.telegram.admins import AdminDirectory, missing_rights
from adapters.telegram.commands import COMMAND_NAMES, TelegramCommands
from adapters.telegram.convert import chat_key, to_message
from adapters.telegram.executor import TelegramExecutor
from adapters.telegram.http_request import AiohttpRequest
from adapters.telegram.log_redaction import protect_token
from adapters.telegram.polling import polling_error, quiet_shutdown
from adapters.telegram.ratelimit import MessageRateLimiter
from adapters.telegram.texts import right_name, tg_text
from adapters.telegram.webhook import (ServingOnlyBot, WebhookPlan, WebhookRefused, WebhookSettingsError,
                                       start_webhook)
from bot.actions import Reply
from bot.config import Config
from bot.runner import AdapterStopped, Services
from bot.warnings import products_in

log = logging.getLogger(__name__)
GIL_SWITCH_INTERVAL = 0.001
# Pause between two getUpdates calls. Against a nearby Bot API server (self-hosted, or the local fake) a busy
# bot's long poll otherwise returns about one update at a time, and every call costs CPU; 5 ms lets updates
# gather into batches (bench at 300 msg/s: getUpdates calls 2976 -> 1320, bot CPU 74 % -> 59 %, p99 warning
# latency 24 -> 14 ms). Against api.telegram.org the network round trip already batches them.
POLL_INTERVAL = 0.005
# chat_member: promotions and demotions (sent only to admin bots) refresh the cached admin list at once
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]
_IN_CHAT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


def use_timedelta_durations() -> None:
    """Opt in to PTB's future behaviour (durations as timedelta): without it every 429 warns of a deprecation.

    Process-wide (an environment variable PTB reads each time it converts a duration), so it is done when an
    adapter or a session is built, not when this module is imported. An explicit setting is kept.
    """
    os.environ.setdefault("PTB_TIMEDELTA", "1")


def shorten_gil_switch_interval(seconds: float = GIL_SWITCH_INTERVAL) -> None:
    """Let the store's SQLite thread get the GIL sooner while the event loop is busy.

    Every incident write hops to aiosqlite's thread and back; with CPython's default 5 ms switch interval each
    hop can wait up to 5 ms for a busy event loop to let go of the GIL, and under load the writes (and the
    warnings that wait for them) queued for 30-50 ms (bench/bench_telegram.py: p50 warning latency 51 ms at
    5 ms, 4 ms at 1 ms). Only ever lowered, never raised: another component may have chosen less.
    """
    if sys.getswitchinterval() > seconds:
        sys.setswitchinterval(seconds)


class ConfigurationError(RuntimeError):
    """The adapter cannot start with this configuration (no token, webhook mode without a secret)."""


class _KeyedLocks:
    """One lock per key, dropped when unused: keeps one author's messages (and their edits) in order while
    different authors are handled concurrently."""

    def __init__(self) -> None:
        self._locks: dict[Any, asyncio.Lock] = {}
        self._users: defaultdict[Any, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


def build_application(config: Config, *, rate_limiter: MessageRateLimiter | None = None,
                      concurrent_updates: int = 256, connection_pool: int = 16) -> Application:
    tg = config.telegram
    token = tg.token.get_secret_value() if tg.token else ""
    if not token:
        raise ConfigurationError("no Telegram token: set TELEGRAM_BOT_TOKEN (or telegram.token in the config)")
    protect_token(token)
    urls = {k: v for k, v in (("base_url", tg.base_url), ("base_file_url", tg.base_file_url)) if v}
    # A webhook worker that only serves gets a bot that never registers the webhook (adapters/telegram/webhook.py)
    bot_class = ServingOnlyBot if tg.mode == "webhook" and not tg.webhook.set_webhook else ExtBot
    bot = bot_class(token, request=AiohttpRequest(connection_pool, pool_timeout=10.0),
                    get_updates_request=AiohttpRequest(1), rate_limiter=rate_limiter or MessageRateLimiter(), **urls)
    return ApplicationBuilder().bot(bot).concurrent_updates(concurrent_updates).build()


class TelegramAdapter:
    """What `leekguard run` starts (cli/wiring.py): constructed with no arguments, `run` serves until cancelled.

    Tests and the bench pass options (a faster limiter, shorter long polls) and wait for `ready`.
    """

    name = "telegram"

    # concurrent_updates: updates handled at once. Generous on purpose: a handler whose warning waits for a
    # group's flood limit (20 messages a minute) holds its slot, and the other groups must not wait behind it.
    def __init__(self, *, limits: tuple[float, float] | None = None, concurrent_updates: int = 256,
                 connection_pool: int = 16, poll_timeout: float = 10.0,
                 poll_interval: float = POLL_INTERVAL) -> None:
        use_timedelta_durations()
        self.limits = limits  # (messages per second overall, messages per minute per group)
        self.concurrent_updates = concurrent_updates
        self.connection_pool = connection_pool
        self.poll_timeout = poll_timeout
        self.poll_interval = poll_interval
        self.ready = asyncio.Event()
        self.session: TelegramSession | None = None

    async def run(self, services: Services) -> None:
        limiter = MessageRateLimiter(*self.limits) if self.limits else MessageRateLimiter()
        try:
            session = TelegramSession(services, rate_limiter=limiter, concurrent_updates=self.concurrent_updates,
                                      connection_pool=self.connection_pool, poll_timeout=self.poll_timeout,
                                      poll_interval=self.poll_interval)
        except ConfigurationError as exc:
            raise AdapterStopped(str(exc)) from None
        self.session = session
        try:
            try:
                await session.start()
            except InvalidToken:
                raise AdapterStopped("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)") from None
            except WebhookRefused as exc:
                raise AdapterStopped(str(exc)) from None
            self.ready.set()
            await asyncio.Event().wait()  # serve until cancelled
        finally:
            self.ready.clear()
            await session.stop()


class TelegramSession:
    """One running bot: the PTB Application, its handlers, and the pipeline they feed."""

    def __init__(self, services: Services, *, rate_limiter: MessageRateLimiter | None = None,
                 concurrent_updates: int = 256, connection_pool: int = 16, poll_timeout: float = 10.0,
                 poll_interval: float = POLL_INTERVAL):
        use_timedelta_durations()
        self.services = services
        self.config = services.config
        self.poll_timeout = poll_timeout
        self.poll_interval = poll_interval
        self.webhook: WebhookPlan | None = None  # None: long polling
        if self.config.telegram.mode == "webhook":
            try:
                self.webhook = WebhookPlan.of(self.config.telegram)
            except WebhookSettingsError as exc:
                raise ConfigurationError(str(exc)) from None
            protect_token(self.webhook.secret)  # PTB logs requests at DEBUG; the secret never reaches a log
        self.app = build_application(self.config, rate_limiter=rate_limiter, concurrent_updates=concurrent_updates,
                                     connection_pool=connection_pool)
        self.bot = self.app.bot
        self.admins = AdminDirectory(self.bot)
        self.executor = TelegramExecutor(self.bot, admin_chat_id=self.config.telegram.admin_chat_id,
                                         admins=self.admins)
        self.chat_settings = services.chat_settings
        self.moderator = services.moderator(self.executor)
        self.commands = TelegramCommands(self, services.commands(self.executor))
        self._order = _KeyedLocks()
        self._started = False
        self._register_handlers()

    def serialized(self, key: Any) -> Any:
        """Async context: handlers with the same key run one after the other (None: no ordering)."""
        return self._order.hold(key)

    # ---- wiring ----

    def _register_handlers(self) -> None:
        app = self.app
        self.commands.register(app)  # commands, buttons and private-chat checks come first
        app.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(ChatMemberHandler(self._on_chat_member, ChatMemberHandler.CHAT_MEMBER))
        # Our own commands are answered, not moderated, also once edited ("/check <advert>" asks about an
        # advert); any other text starting with a slash is moderated like the rest.
        ours = filters.Regex(rf"^/({'|'.join(COMMAND_NAMES)})(@\w+)?(\s|$)")
        moderated = (filters.ChatType.GROUPS & filters.UpdateType.MESSAGES & ~ours
                     & (filters.TEXT | filters.CAPTION | filters.PHOTO | filters.Document.IMAGE))
        app.add_handler(MessageHandler(moderated, self._on_group_message))
        app.add_error_handler(self._on_error)

    # ---- lifecycle ----

    async def start(self) -> None:
        """Connect, register the command menu and start long polling (or the webhook server); returns once
        updates flow."""
        shorten_gil_switch_interval()
        # the warnings' seed data (products, official statements) loads on first use: 0.3 s that would
        # otherwise delay the first warning
        await asyncio.to_thread(products_in, "")
        await self.app.initialize()  # getMe: fails fast on a wrong token
        self.moderator.self_ids.update({str(self.bot.id), f"telegram:{self.bot.id}"})
        await self.commands.publish_menu(self.bot)
        await self.app.start()
        if self.webhook is not None:
            await start_webhook(self.app, self.webhook, ALLOWED_UPDATES)
            log.info("telegram: webhook mode as @%s: %s", self.bot.username, self.webhook.describe())
        else:
            quiet_shutdown()
            await self.app.updater.start_polling(timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                                 poll_interval=self.poll_interval, error_callback=polling_error)
            log.info("telegram: polling mode as @%s (one process; telegram.mode: webhook to scale out)",
                     self.bot.username)
        self._started = True
        if self.config.telegram.admin_chat_id:
            log.info("telegram: incident notices go to the admin chat %s (telegram.admin_chat_id)",
                     self.config.telegram.admin_chat_id)
        else:
            log.info("telegram: no telegram.admin_chat_id set: incident notices go privately to each group's "
                     "admins who have started a chat with the bot (or to an admin chat chosen in /settings), "
                     "never into the group")

    async def stop(self) -> None:
        try:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
        finally:
            await self.app.shutdown()
            self._started = False

    # ---- moderation ----

    async def _on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        tg = update.effective_message
        if tg is None:
            return
        is_admin = False
        if tg.sender_chat is None and tg.from_user is not None and not tg.from_user.is_bot:
            is_admin = tg.from_user.id in await self.admins.admin_ids(tg.chat_id)
        msg = to_message(update, is_admin=is_admin, image_max_bytes=self.config.images.max_bytes)
        if msg is None:
            return
        async with self.serialized((msg.chat_id, msg.author.id)):
            await self.moderator.handle(msg)

    # ---- joining a group ----

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        self.admins.forget_chat(chat.id)
        old, new = change.old_chat_member, change.new_chat_member
        joined = old.status not in _IN_CHAT and new.status in _IN_CHAT
        if not joined or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return
        log.info("telegram: added to %s (%s) by user %s", chat.id, chat.title, change.from_user.id)
        await self.executor.send(chat.id, await self.introduction(chat.id, new))

    async def _on_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is not None and (change.old_chat_member.status != change.new_chat_member.status):
            self.admins.forget_chat(change.chat.id)  # someone was promoted, demoted, banned or left

    async def introduction(self, chat_id: int, me: ChatMember | None) -> Reply:
        """Two lines about LeekGuard, then what admins must still grant for the configured policy."""
        settings = await self.chat_settings.get(chat_key(chat_id))
        lang = settings.language
        policy = ", ".join(settings.scam) or tg_text("policy.none", lang)
        lines = [tg_text("intro", lang, policy=policy)]
        missing = missing_rights(me, set(settings.scam) | set(settings.suspicious))
        if missing:
            lines.append(tg_text("rights.missing", lang, rights=", ".join(right_name(r, lang) for r in missing)))
        is_admin = me is not None and me.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        if not is_admin and not self.bot.can_read_all_group_messages:
            lines.append(tg_text("rights.blind", lang))
        return Reply(text="\n".join(lines), extra={"kind": "introduction"})

    # ---- errors ----

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log and keep going: one bad update or failed call must not stop the bot."""
        where = ""
        if isinstance(update, Update) and update.effective_chat is not None:
            where = f" in chat {update.effective_chat.id} (update {update.update_id})"
        log.error("telegram: error%s: %s", where, context.error, exc_info=context.error)
