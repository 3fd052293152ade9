"""The Telegram ActionExecutor: carries out decided actions, the only code that changes a Telegram chat.

It never decides and never raises: every outcome, including Telegram refusing, is an ActionResult the
pipeline records on the incident. 429s are waited out and retried by the rate limiter underneath.
"""

from __future__ import annotations

import logging
import time

from telegram import Bot, ChatPermissions, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from adapters.telegram.admins import AdminDirectory
from adapters.telegram.images import fetch_image
from adapters.telegram.texts import notice_hint
from adapters.telegram.render import render_html, render_keyboard
from bot.actions import Action, ActionResult, Reply
from leekguard_types import ImageRef, Message

log = logging.getLogger(__name__)
# Telegram treats restrictions shorter than 30 s or longer than 366 days as "forever".
MIN_RESTRICT, MAX_RESTRICT = 30, 366 * 86400 - 60
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RIGHT_FOR = {"delete": "can_delete_messages", "mute": "can_restrict_members", "ban": "can_restrict_members",
             "unmute": "can_restrict_members", "unban": "can_restrict_members"}


class TelegramExecutor:
    def __init__(self, bot: Bot, *, admin_chat_id: int | str | None = None, admins: AdminDirectory | None = None):
        self.bot = bot
        self.admin_chat_id = admin_chat_id
        self.admins = admins or AdminDirectory(bot)
        self._hinted: set[str] = set()  # groups told how their admins can receive notices (once per run)

    async def execute(self, msg: Message, action: Action, reply: Reply | None,
                      incident_id: int | None) -> ActionResult:
        try:
            detail = await self._do(msg, action, reply)
        except TelegramError as exc:
            detail = explain(action.kind, exc)
            log.warning("telegram %s failed in chat %s (incident %s): %s", action.kind, msg.chat_id,
                        incident_id, detail)
            return ActionResult(action, "failed", detail)
        except Exception as exc:  # a bug here must not lose the incident or stop the bot
            log.exception("telegram %s crashed in chat %s (incident %s)", action.kind, msg.chat_id, incident_id)
            return ActionResult(action, "failed", f"internal error: {type(exc).__name__}")
        if detail.startswith("skipped"):
            return ActionResult(action, "skipped", detail)
        return ActionResult(action, "done", detail)

    async def _do(self, msg: Message, action: Action, reply: Reply | None) -> str:
        chat_id, message_id = int(msg.chat_id), int(msg.message_id)
        user_id = int(msg.author.id)
        if action.kind == "warn":
            if reply is None or action.silent:
                return "skipped: repeated advert, no second warning" if action.silent else "skipped: no text"
            sent = await self.send(chat_id, reply, reply_to=message_id)
            return f"warning message {sent}"
        if action.kind == "delete":
            await self.bot.delete_message(chat_id, message_id)
            return f"deleted message {message_id}"
        if action.kind == "mute":
            seconds = min(max(action.seconds or 3600, MIN_RESTRICT), MAX_RESTRICT)
            await self.bot.restrict_chat_member(chat_id, user_id, ChatPermissions.no_permissions(),
                                                until_date=int(time.time()) + seconds)
            return f"muted user {user_id} for {seconds}s"
        if action.kind == "ban":
            if user_id < 0:  # posted as a channel: ban that channel from the chat
                await self.bot.ban_sender_chat(chat_id, user_id)
            else:
                await self.bot.ban_chat_member(chat_id, user_id)
            return f"banned user {user_id}"
        if action.kind == "notify_admins":
            if reply is None:
                return "skipped: no notification text"
            return await self._notify(msg, reply)
        if action.kind == "unmute":
            return await self.unmute(chat_id, user_id)
        if action.kind == "unban":
            return await self.unban(chat_id, user_id)
        return f"skipped: unknown action {action.kind}"

    async def _notify(self, msg: Message, reply: Reply) -> str:
        """An incident notice names the sender, their id and the incident: it never goes where members read
        it. To the admin chat (/settings, else telegram.admin_chat_id); the group itself only when its admins
        chose it with /settings; otherwise privately to each of the group's admins who has started a chat
        with the bot."""
        target = reply.extra.get("admin_target") or self.admin_chat_id
        if target not in (None, "") and str(target) == msg.chat_id:  # the admins' own choice in /settings
            sent = await self.send(int(msg.chat_id), reply, reply_to=int(msg.message_id))
            return f"notified admins in the group, as its settings ask (message {sent})"
        if target not in (None, ""):
            try:
                sent = await self.send(_chat_ref(target), reply)
                return f"notified admin chat {target} (message {sent})"
            except (BadRequest, Forbidden) as exc:  # admin chat gone or bot removed: the admins privately
                log.warning("admin chat %s unreachable (%s); notifying the group's admins privately", target, exc)
        return await self._notify_privately(msg, reply)

    async def _notify_privately(self, msg: Message, reply: Reply) -> str:
        reached = []
        for user_id in await self.admins.people(int(msg.chat_id)):
            try:
                await self.send(user_id, reply)
                reached.append(user_id)
            except (BadRequest, Forbidden):  # never started a chat with the bot, or blocked it
                continue
        if reached:
            return f"notified {len(reached)} admin(s) privately"
        await self._hint_once(msg, reply.extra.get("lang") or "en")
        return "skipped: no admin chat set and no admin of the group has started a private chat with the bot"

    async def _hint_once(self, msg: Message, lang: str) -> None:
        """Tell the group once how its admins can receive notices; the hint names no incident and no sender."""
        if msg.chat_id in self._hinted:
            return
        self._hinted.add(msg.chat_id)
        try:
            await self.bot.send_message(int(msg.chat_id), notice_hint(lang), link_preview_options=NO_PREVIEW)
        except TelegramError as exc:
            log.warning("cannot post the admin-notice hint in chat %s: %s", msg.chat_id, exc)

    async def send(self, chat_id: int | str, reply: Reply, *, reply_to: int | None = None,
                   markup: InlineKeyboardMarkup | None = None) -> int:
        """Send a rendered Reply (its buttons as an inline keyboard, unless `markup` is given); returns the id."""
        sent = await self.bot.send_message(
            chat_id, render_html(reply), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
            reply_markup=markup or render_keyboard(reply.buttons),
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None,
        )
        return sent.message_id

    async def fetch_image(self, msg: Message, image: ImageRef, max_bytes: int) -> bytes:
        """The bytes of a photo or image document of `msg`, for the image checks."""
        return await fetch_image(self.bot, image, max_bytes)

    # ---- lifting a mute or ban: Undo (bot/undo.py decides what) ----

    async def unmute(self, chat_id: int, user_id: int) -> str:
        """Back to what every member of the chat may do (its default permissions, as getChat tells them)."""
        chat = await self.bot.get_chat(chat_id)
        defaults = chat.permissions or ChatPermissions.all_permissions()  # unknown: no restriction of our own
        await self.bot.restrict_chat_member(chat_id, user_id, defaults, use_independent_chat_permissions=True)
        return f"unmuted user {user_id} (the chat's default permissions)"

    async def unban(self, chat_id: int, user_id: int) -> str:
        if user_id < 0:
            await self.bot.unban_chat_sender_chat(chat_id, user_id)
        else:
            await self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
        return f"unbanned user {user_id}"


def _chat_ref(target: int | str) -> int | str:
    text = str(target).strip()
    return int(text) if text.lstrip("-").isdigit() else text  # "@channelname" stays a string


def explain(kind: str, exc: TelegramError) -> str:
    """A one-line reason an admin can act on."""
    text = str(exc)
    low = text.lower()
    if isinstance(exc, RetryAfter):
        return f"Telegram rate limit still hit after retries: {text}"
    if "not enough rights" in low or "can't be deleted" in low or "have no rights" in low:
        return f"bot lacks admin right {RIGHT_FOR.get(kind, 'for this')}: {text}"
    if "administrator" in low:
        return f"target is a chat admin: {text}"
    if isinstance(exc, Forbidden):
        return f"bot cannot act in this chat: {text}"
    return f"{type(exc).__name__}: {text}"
