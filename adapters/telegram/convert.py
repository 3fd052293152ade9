"""Telegram Update -> leekguard_types.Message: translation only, no decisions."""

from __future__ import annotations

from telegram import Message as TgMessage
from telegram import Update

from leekguard_types import Author, ImageRef, Message

PLATFORM = "telegram"
# Telegram's service account that sends messages of anonymous group admins ("GroupAnonymousBot").
ANONYMOUS_ADMIN_ID = 1087968824


def chat_key(chat_id: int | str) -> str:
    return f"{PLATFORM}:{chat_id}"


def message_text(msg: TgMessage | None) -> str:
    if msg is None:
        return ""
    return msg.text or msg.caption or ""


def quoted_text(msg: TgMessage) -> str | None:
    """What the message replies to: the reply's text, plus the part the user chose to quote if it differs.

    A reply to a message in another chat (external_reply) carries only the quote.
    """
    parts: list[str] = []
    replied = message_text(msg.reply_to_message)
    if replied:
        parts.append(replied)
    if msg.quote and msg.quote.text and msg.quote.text not in replied:
        parts.append(msg.quote.text)
    return "\n".join(parts) or None


def author_of(msg: TgMessage, *, is_admin: bool = False) -> Author:
    """The author; a message sent on behalf of a chat (anonymous admin, channel) is authored by that chat."""
    sender_chat = msg.sender_chat
    if sender_chat is not None:
        # Anonymous admins post as the group itself; the linked channel's auto-forwards are the owners' posts.
        own = sender_chat.id == msg.chat.id or bool(msg.is_automatic_forward)
        return Author(id=str(sender_chat.id), name=sender_chat.title or sender_chat.username or "",
                      username=sender_chat.username, is_bot=False, is_admin=is_admin or own)
    user = msg.from_user
    if user is None:
        return Author(id="0", name="", is_admin=is_admin)
    return Author(id=str(user.id), name=user.full_name, username=user.username, is_bot=user.is_bot,
                  is_admin=is_admin or user.id == ANONYMOUS_ADMIN_ID)


def images_of(msg: TgMessage, max_bytes: int | None = None) -> tuple[ImageRef, ...]:
    """A photo (its largest size within `max_bytes`, else its smallest) or an image document."""
    if msg.photo:
        sizes = list(msg.photo)  # Telegram lists sizes smallest first
        fitting = [p for p in sizes if max_bytes is None or p.file_size is None or p.file_size <= max_bytes]
        best = fitting[-1] if fitting else sizes[0]  # too large even so: the pipeline skips it and says why
        return (ImageRef(ref=best.file_id, size=best.file_size, mime="image/jpeg", width=best.width,
                         height=best.height),)
    doc = msg.document
    if doc is not None and (doc.mime_type or "").startswith("image/"):
        return (ImageRef(ref=doc.file_id, size=doc.file_size, mime=doc.mime_type),)
    return ()


def to_message(update: Update, *, is_admin: bool = False, image_max_bytes: int | None = None) -> Message | None:
    """The neutral Message of a (possibly edited) message update; None for updates that carry none."""
    msg = update.message or update.edited_message or update.channel_post or update.edited_channel_post
    if msg is None:
        return None
    edited = update.edited_message is not None or update.edited_channel_post is not None
    return convert(msg, edited=edited, is_admin=is_admin, image_max_bytes=image_max_bytes)


def convert(msg: TgMessage, *, edited: bool = False, is_admin: bool = False,
            image_max_bytes: int | None = None) -> Message:
    chat = msg.chat
    reply = msg.reply_to_message
    if reply is not None and reply.forum_topic_created is not None:
        reply = None  # in forum groups every topic message "replies" to the topic's opening service message
    return Message(
        platform=PLATFORM,
        chat_id=str(chat.id),
        message_id=str(msg.message_id),
        author=author_of(msg, is_admin=is_admin),
        text=message_text(msg),
        chat_title=chat.title or chat.full_name or chat.username or "",
        date=msg.edit_date or msg.date,
        reply_to_text=quoted_text(msg) if reply is not None or msg.quote else None,
        reply_to_message_id=str(reply.message_id) if reply is not None else None,
        forwarded=msg.forward_origin is not None,
        edited=edited or msg.edit_date is not None,
        is_private=chat.type == chat.PRIVATE,
        images=images_of(msg, image_max_bytes),
        link=_link(msg),
    )


def _link(msg: TgMessage) -> str | None:
    try:
        return msg.link
    except Exception:  # PTB needs a bot for some chats; a link is a nicety
        return None
