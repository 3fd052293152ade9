"""Sign-in links to the web review console (`/web` in a private chat with the bot).

A link carries who asked and the chats they administer, signed with itsdangerous (keyed by the console's admin
token, LEEKGUARD_WEB_TOKEN, which the bot and the console share) and valid for LINK_MINUTES. The console
(adapters/web) accepts each link once and limits that session to those chats. No crypto of our own.
"""

from __future__ import annotations

import os
import secrets
from typing import Any, Iterable

TOKEN_ENV = "LEEKGUARD_WEB_TOKEN"
SALT = "leekguard-web-signin"
LINK_MINUTES = 10


def _serializer(token: str) -> Any:
    from itsdangerous import URLSafeTimedSerializer  # the `web` extra

    return URLSafeTimedSerializer(token, salt=SALT)


def web_token() -> str | None:
    return os.environ.get(TOKEN_ENV, "").strip() or None


def make_link(base_url: str, token: str, by: str, chats: Iterable[str]) -> str:
    signed = _serializer(token).dumps({"by": by, "chats": list(chats), "nonce": secrets.token_urlsafe(12)})
    return f"{base_url.rstrip('/')}/signin?t={signed}"


def read_link(token: str, value: str, max_age: float = LINK_MINUTES * 60) -> dict | None:
    """The link's {"by", "chats", "nonce"}, or None when it is forged, altered or expired."""
    from itsdangerous import BadSignature

    try:
        data = _serializer(token).loads(value, max_age=max_age)
    except BadSignature:  # SignatureExpired is one too
        return None
    ok = isinstance(data, dict) and isinstance(data.get("chats"), list) and data["chats"] and data.get("nonce")
    return data if ok else None
