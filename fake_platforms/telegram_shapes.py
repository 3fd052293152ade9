"""JSON shapes of the Telegram Bot API objects the fake server hands out.

Only fields that the real API sends and python-telegram-bot 22 requires or reads are filled in, with the
names and types of https://core.telegram.org/bots/api, so PTB parses them exactly as it would parse Telegram.
"""

from __future__ import annotations

import re
import time
from typing import Any

JSON = dict[str, Any]

ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages", "can_manage_topics",
)
MEMBER_PERMISSIONS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
    "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
    "can_add_web_page_previews", "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics",
    "can_react_to_messages", "can_edit_tag",
)
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")


def now() -> int:
    return int(time.time())


def user(user_id: int, first_name: str, *, username: str | None = None, is_bot: bool = False,
         last_name: str | None = None, language_code: str | None = None) -> JSON:
    u: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        u["last_name"] = last_name
    if username:
        u["username"] = username
    if language_code:
        u["language_code"] = language_code
    return u


def chat(chat_id: int, chat_type: str = "supergroup", *, title: str | None = None,
         username: str | None = None, first_name: str | None = None) -> JSON:
    c: JSON = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        c["first_name"] = first_name or "User"
    else:
        c["title"] = title or f"Group {chat_id}"
    if username:
        c["username"] = username
    return c


def chat_full_info(c: JSON) -> JSON:
    """getChat answers with ChatFullInfo: the Chat fields plus a few required extras."""
    gifts = {k: True for k in ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                               "gifts_from_channels")}
    return {**c, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def command_entities(text: str) -> list[JSON]:
    """Telegram marks a leading /command with a bot_command entity; PTB's CommandHandler relies on it."""
    m = _COMMAND.match(text or "")
    return [{"type": "bot_command", "offset": 0, "length": len(m.group(0))}] if m else []


def message(message_id: int, c: JSON, from_user: JSON | None, *, text: str | None = None,
            caption: str | None = None, photo_file_id: str | None = None, reply_to: JSON | None = None,
            forward_origin: JSON | None = None, date: int | None = None, reply_markup: JSON | None = None,
            edit_date: int | None = None, extra: JSON | None = None) -> JSON:
    m: JSON = {"message_id": message_id, "date": date or now(), "chat": c}
    if from_user is not None:
        m["from"] = from_user
    if text is not None:
        m["text"] = text
        if ents := command_entities(text):
            m["entities"] = ents
    if photo_file_id is not None:
        m["photo"] = [
            {"file_id": f"{photo_file_id}", "file_unique_id": f"u{photo_file_id}", "width": 320, "height": 240,
             "file_size": 1000},
        ]
        if caption is not None:
            m["caption"] = caption
    elif caption is not None:
        m["caption"] = caption
    if reply_to is not None:
        m["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
    if forward_origin is not None:
        m["forward_origin"] = forward_origin
    if edit_date is not None:
        m["edit_date"] = edit_date
    if reply_markup is not None:
        m["reply_markup"] = reply_markup
    if extra:
        m.update(extra)
    return m


def origin_user(sender: JSON, date: int | None = None) -> JSON:
    return {"type": "user", "date": date or now(), "sender_user": sender}


def origin_hidden_user(name: str, date: int | None = None) -> JSON:
    return {"type": "hidden_user", "date": date or now(), "sender_user_name": name}


def origin_channel(c: JSON, message_id: int, date: int | None = None) -> JSON:
    return {"type": "channel", "date": date or now(), "chat": c, "message_id": message_id}


def chat_member(u: JSON, status: str, *, until_date: int | None = None, rights: JSON | None = None) -> JSON:
    """A ChatMember of any status, with every field PTB 22.8 requires for that status."""
    rights = rights or {}
    cm: JSON = {"user": u, "status": status}
    if status == "creator":
        cm.update(is_anonymous=False)
    elif status == "administrator":
        cm.update(can_be_edited=False, is_anonymous=False)
        cm.update({r: bool(rights.get(r, False)) for r in ADMIN_RIGHTS})
    elif status == "restricted":
        cm.update(is_member=True, until_date=until_date or 0)
        cm.update({p: bool(rights.get(p, False)) for p in MEMBER_PERMISSIONS})
    elif status == "kicked":
        cm.update(until_date=until_date or 0)
    return cm


def chat_member_updated(c: JSON, from_user: JSON, old: JSON, new: JSON) -> JSON:
    return {"chat": c, "from": from_user, "date": now(), "old_chat_member": old, "new_chat_member": new}


def callback_query(query_id: str, from_user: JSON, msg: JSON | None, data: str) -> JSON:
    q: JSON = {"id": query_id, "from": from_user, "chat_instance": f"ci{from_user['id']}", "data": data}
    if msg is not None:
        q["message"] = msg
    return q


def error(code: int, description: str, retry_after: int | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body
