"""Telegram commands and buttons -> bot/commands.py handlers; their Replies rendered back as HTML.

Authority is decided here, because only the adapter can ask Telegram: button presses and admin commands are
honoured only from admins of the incident's (or settings') chat, checked with getChatMember (cached
briefly). Every callback query is answered, a refusal included, so no button spins forever.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any, Protocol

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram import Message as TgMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from adapters.telegram.convert import ANONYMOUS_ADMIN_ID, PLATFORM, author_of, convert
from adapters.telegram.render import render_html
from adapters.telegram.texts import COMMANDS, language_of, tg_text
from bot.actions import Reply
from bot.commands import CommandContext, Commands, parse_command
from bot.store.types import split_key
from leekguard_types import Author

if TYPE_CHECKING:
    from adapters.telegram.admins import AdminDirectory
    from adapters.telegram.executor import TelegramExecutor
    from bot.chat_settings import ChatSettingsService
    from bot.config import Config
    from bot.runner import Services

log = logging.getLogger(__name__)
COMMAND_NAMES = [name for name, _, _ in COMMANDS] + ["undo", "web"]  # /web: a private sign-in link (not in the menu)
ANSWER_CHARS = 200  # Telegram's limit for callback answers
KNOWN_CHATS_CHECKED = 20  # private /incidents: at most this many chats are asked about
SETTINGS_PREFIX = "set:"


def settings_keyboard(chat_id: int, lang: str) -> InlineKeyboardMarkup:
    """Buttons that each stand for one `/settings set KEY VALUE`."""
    zh = lang != "en"
    rows = [
        [("⚠️ 警告" if zh else "⚠️ Warn", "scam:warn,notify_admins"),
         ("🗑 +删除" if zh else "🗑 +Delete", "scam:warn,delete,notify_admins"),
         ("🔇 +禁言" if zh else "🔇 +Mute", "scam:warn,delete,mute,notify_admins"),
         ("⛔ 封禁" if zh else "⛔ Ban", "scam:delete,ban,notify_admins")],
        [("禁言10分钟" if zh else "Mute 10m", "mute_seconds:10m"), ("1小时" if zh else "1h", "mute_seconds:1h"),
         ("1天" if zh else "1d", "mute_seconds:1d")],
        [("灵敏度低" if zh else "Sensitivity low", "sensitivity:low"), ("中" if zh else "normal", "sensitivity:normal"),
         ("高" if zh else "high", "sensitivity:high")],
        [("简体", "language:zh-Hans"), ("繁體", "language:zh-Hant"), ("English", "language:en")],
        [("演习模式 开" if zh else "Dry-run on", "dry_run:on"), ("关" if zh else "off", "dry_run:off")],
        [("通知发到本群" if zh else "Notify here", f"admin_target:{chat_id}"),
         ("通知默认" if zh else "Notify default", "admin_target:default")],
    ]
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=SETTINGS_PREFIX + data)
                                  for label, data in row] for row in rows])


class Session(Protocol):
    """What the commands need of the running bot: adapters/telegram/adapter.py's TelegramSession, which builds
    TelegramCommands (a Protocol, so this module does not import the one that imports it)."""

    services: Services
    config: Config
    chat_settings: ChatSettingsService
    executor: TelegramExecutor
    admins: AdminDirectory


class TelegramCommands:
    def __init__(self, session: Session, commands: Commands):
        self.session = session
        self.commands = commands
        self.seen_groups: dict[int, str] = {}  # chat id -> title, for /incidents in a private chat

    def register(self, app: Application) -> None:
        app.add_handler(CommandHandler(COMMAND_NAMES, self.on_command, filters=filters.UpdateType.MESSAGE))
        app.add_handler(CallbackQueryHandler(self.on_button))
        private = (filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & (filters.TEXT | filters.CAPTION)
                   & ~filters.COMMAND)
        app.add_handler(MessageHandler(private, self.on_private_message))

    async def publish_menu(self, bot: Any) -> None:
        """setMyCommands in English (default) and Chinese (language_code zh); a failure is not fatal."""
        try:
            await bot.set_my_commands([BotCommand(name, en) for name, en, _ in COMMANDS])
            await bot.set_my_commands([BotCommand(name, zh) for name, _, zh in COMMANDS], language_code="zh")
        except TelegramError as exc:
            log.warning("telegram: could not register the command menu: %s", exc)

    # ---- commands ----

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        tg = update.effective_message
        if tg is None or not tg.text:
            return
        parsed = parse_command(tg.text)
        if parsed is None:
            return
        name = parsed[0]
        ctx = await self.context_for(tg, want_admin_chats=name in ("incidents", "web") and tg.chat.type == "private")
        reply = await self.commands.dispatch(ctx, tg.text)
        if reply is None:
            return
        markup = None
        if name == "settings" and ctx.is_admin and not ctx.is_private and reply.fields:
            markup = settings_keyboard(tg.chat_id, await self._lang(ctx))
        await self.session.executor.send(tg.chat_id, reply, reply_to=tg.message_id, markup=markup)

    async def on_private_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a private chat any text or forwarded message is checked (never acted on)."""
        tg = update.effective_message
        if tg is None:
            return
        ctx = await self.context_for(tg)
        text = tg.text or tg.caption or ""
        reply = await self.commands.check(ctx, text)
        await self.session.executor.send(tg.chat_id, reply, reply_to=tg.message_id)

    async def context_for(self, tg: TgMessage, *, want_admin_chats: bool = False) -> CommandContext:
        chat, user = tg.chat, tg.from_user
        private = chat.type == "private"
        if not private:
            self.seen_groups[chat.id] = chat.title or ""
        author = author_of(tg)
        if private or user is None:
            is_admin = False  # a private chat has no admins; /check there is rate-limited like anywhere
        elif tg.sender_chat is not None or user.id == ANONYMOUS_ADMIN_ID:
            is_admin = author.is_admin  # anonymous admin posting as the group
        else:
            is_admin = await self.session.admins.is_admin(chat.id, user.id)
        admin_chats: tuple[str, ...] = ()
        if private and want_admin_chats and user is not None:
            admin_chats = await self._chats_administered(user.id)
            is_admin = bool(admin_chats)
        reply_to = convert(tg.reply_to_message) if tg.reply_to_message is not None else None
        if reply_to is not None and not reply_to.text and not reply_to.images:
            reply_to = None  # a topic's service message or a sticker: nothing to check
        lang = language_of(user.language_code, self.session.config.language) if private and user else None
        return CommandContext(platform=PLATFORM, chat_id=str(chat.id), user=author, is_admin=is_admin,
                              chat_title=chat.title or chat.full_name or "", is_private=private,
                              message_id=str(tg.message_id), reply_to=reply_to, language=lang,
                              admin_chats=admin_chats)

    async def _chats_administered(self, user_id: int) -> tuple[str, ...]:
        """Group chats (seen since start or in the incident log) where the user is an admin now."""
        candidates = dict.fromkeys(self.seen_groups)
        try:
            for incident in await self.session.services.store.list(limit=500):
                if incident.source == PLATFORM and incident.chat_id.lstrip("-").isdigit():
                    candidates.setdefault(int(incident.chat_id))
        except Exception:
            log.warning("telegram: incident log unavailable for /incidents", exc_info=True)
        admin_of = []
        for chat_id in list(candidates)[:KNOWN_CHATS_CHECKED]:
            if await self.session.admins.is_admin(chat_id, user_id):
                admin_of.append(f"{PLATFORM}:{chat_id}")
        return tuple(admin_of)

    async def _lang(self, ctx: CommandContext) -> str:
        return ctx.language or (await self.session.chat_settings.get(ctx.chat_key)).language

    # ---- buttons ----

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        answer: tuple[str, bool] = ("", False)  # (text, show as alert)
        try:
            data = query.data or ""
            if data.startswith(SETTINGS_PREFIX):
                answer = await self._settings_button(update, data[len(SETTINGS_PREFIX):])
            else:
                answer = await self._incident_button(update, data)
        except Exception:
            log.exception("telegram: button %r failed", query.data)
            answer = (tg_text("failed", self.session.config.language, reason="internal error"), True)
        finally:
            try:
                await query.answer(answer[0][:ANSWER_CHARS] or None, show_alert=answer[1])
            except TelegramError as exc:  # too old (the bot was down): nothing left to answer
                log.info("telegram: could not answer a button press: %s", exc)

    async def _incident_button(self, update: Update, data: str) -> tuple[str, bool]:
        query, user = update.callback_query, update.effective_user
        lang = self.session.config.language
        verb, _, raw_id = data.partition(":")
        chat_key = await self.commands.incident_chat(int(raw_id)) if raw_id.isdigit() else None
        if chat_key is None or user is None:
            return (tg_text("failed", lang, reason=f"incident {raw_id or '?'} not found"), True)
        platform, chat_id = split_key(chat_key)
        is_admin = platform == PLATFORM and chat_id.lstrip("-").isdigit() and \
            await self.session.admins.is_admin(int(chat_id), user.id)
        ctx = CommandContext(platform=platform or PLATFORM, chat_id=chat_id,
                             user=Author(id=str(user.id), name=user.full_name, username=user.username),
                             is_admin=is_admin)
        reply = await self.commands.handle_button(data, ctx)
        if not is_admin or reply.ephemeral:
            return (reply.text, True)
        await self._append_outcome(query.message, reply)
        return (reply.text, False)

    async def _append_outcome(self, message: Any, reply: Reply) -> None:
        """Write who did what under the admin notification, keeping its buttons (Undo stays available)."""
        if not isinstance(message, TgMessage) or message.text is None:
            return
        text = f"{message.text_html}\n<i>{html.escape(reply.text, quote=False)}</i>"
        if len(text) > 4096:
            return
        try:
            await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=message.reply_markup,
                                    link_preview_options=LinkPreviewOptions(is_disabled=True))
        except BadRequest as exc:  # message too old to edit, or unchanged: the answer still tells the admin
            log.info("telegram: could not update the notification: %s", exc)

    async def _settings_button(self, update: Update, data: str) -> tuple[str, bool]:
        """A button under /settings, pressed in the chat whose settings it changes."""
        query, message, user = update.callback_query, update.effective_message, update.effective_user
        if message is None or user is None:
            return ("", False)
        chat = message.chat
        is_admin = chat.type != "private" and await self.session.admins.is_admin(chat.id, user.id)
        ctx = CommandContext(platform=PLATFORM, chat_id=str(chat.id), chat_title=chat.title or "", is_admin=is_admin,
                             user=Author(id=str(user.id), name=user.full_name, username=user.username))
        key, _, value = data.partition(":")
        # two quick presses both count: bot.chat_settings applies changes to one chat one at a time
        reply = await self.commands.settings(ctx, f"set {key} {value}")
        if not is_admin or reply.ephemeral:
            return (reply.text, True)
        shown = await self.commands.settings(ctx, "")
        try:
            await query.edit_message_text(render_html(shown), parse_mode=ParseMode.HTML,
                                          reply_markup=settings_keyboard(chat.id, await self._lang(ctx)),
                                          link_preview_options=LinkPreviewOptions(is_disabled=True))
        except BadRequest as exc:  # e.g. "message is not modified" when the value was already set
            log.info("telegram: settings message not updated: %s", exc)
        return (reply.text, False)
