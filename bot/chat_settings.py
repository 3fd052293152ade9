"""Per-chat settings changed by admins with /settings: validated, stored in the DB, cached in memory.

The pipeline reads a chat's effective settings on every message, so they are cached; every change goes
through this object, which keeps the cache right. One instance is shared by the pipeline and the commands.
A change reads the stored settings, changes one key and writes them back: a per-chat lock makes two changes
arriving together (two quick button presses, two admins) apply one after the other, so neither is lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from bot.config import CHAT_SETTING_KEYS, ChatOverride, Config, explain_errors
from bot.policy import ChatSettings, effective_settings

log = logging.getLogger(__name__)

_TRUE = {"on", "true", "yes", "1", "enable", "enabled", "开", "開"}
_FALSE = {"off", "false", "no", "0", "disable", "disabled", "关", "關"}
_NONE = {"none", "null", "off", "default", "-"}
_LANGUAGE_ALIASES = {
    "zh": "zh-Hans", "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "cn": "zh-Hans", "简体": "zh-Hans", "中文": "zh-Hans",
    "zh-hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "tw": "zh-Hant", "繁體": "zh-Hant", "繁体": "zh-Hant",
    "en": "en", "english": "en",
}


class SettingError(ValueError):
    """A /settings change that cannot be accepted; the message is for the admin who typed it."""


def parse_setting(key: str, value: str) -> dict[str, Any]:
    """Turn `/settings set KEY VALUE` into a validated one-key dict for the DB layer."""
    key = key.strip().lower().replace("-", "_")
    if key not in CHAT_SETTING_KEYS:
        raise SettingError(f"unknown setting {key!r}; settings: {', '.join(CHAT_SETTING_KEYS)}")
    raw: Any = value.strip()
    if key == "dry_run":
        low = raw.lower()
        raw = True if low in _TRUE else False if low in _FALSE else raw
    elif key == "language":
        raw = _LANGUAGE_ALIASES.get(raw.lower(), raw)
    elif key == "admin_target" and raw.lower() in _NONE:
        raw = None
    try:
        parsed = ChatOverride.model_validate({key: raw})
    except ValidationError as exc:
        raise SettingError("; ".join(explain_errors(exc, {key: raw}))) from None
    return {key: getattr(parsed, key)}


class ChatSettingsService:
    def __init__(self, config: Config, store: Any, *, force_dry_run: bool = False) -> None:
        self.config = config
        self.store = store
        self.force_dry_run = force_dry_run  # `leekguard run --dry-run`: no chat setting can turn it off
        self._cache: dict[str, ChatSettings] = {}
        self._locks: dict[str, asyncio.Lock] = {}  # one per chat ever changed: a few bytes each

    async def get(self, chat_key: str) -> ChatSettings:
        cached = self._cache.get(chat_key)
        if cached is not None:
            return cached
        try:
            stored = await self.stored(chat_key)
        except Exception:  # the DB is unavailable: moderate with the configured policy, try again next time
            log.warning("chat settings for %s unavailable; using config defaults", chat_key, exc_info=True)
            return self._effective(chat_key, None)
        settings = self._cache[chat_key] = self._effective(chat_key, stored)
        return settings

    def _effective(self, chat_key: str, stored: dict[str, Any] | None) -> ChatSettings:
        settings = effective_settings(self.config, chat_key, stored)
        return replace(settings, dry_run=True) if self.force_dry_run else settings

    async def stored(self, chat_key: str) -> dict[str, Any]:
        """The DB layer for one chat, keeping only entries that are still valid."""
        raw = await self.store.get_chat_settings(chat_key) or {}
        good: dict[str, Any] = {}
        for key, value in raw.items():
            try:
                good.update(ChatOverride.model_validate({key: value}).set_fields())
            except ValidationError:
                log.warning("ignoring invalid stored setting %s=%r for %s", key, value, chat_key)
        return good

    async def set(self, chat_key: str, key: str, value: str, by: str | None = None) -> ChatSettings:
        change = parse_setting(key, value)
        async with self._lock(chat_key):
            stored = await self.stored(chat_key)
            stored.update(change)
            stored = {k: v for k, v in stored.items() if v is not None}
            await self.store.set_chat_settings(chat_key, stored, by=by)
            self._cache.pop(chat_key, None)
            return await self.get(chat_key)

    async def reset(self, chat_key: str, key: str | None = None, by: str | None = None) -> ChatSettings:
        """Forget one stored setting (or all of them): the config value applies again."""
        if key is not None:
            key = key.strip().lower().replace("-", "_")
            if key not in CHAT_SETTING_KEYS:
                raise SettingError(f"unknown setting {key!r}; settings: {', '.join(CHAT_SETTING_KEYS)}")
        async with self._lock(chat_key):
            stored = {} if key is None else await self.stored(chat_key)
            stored.pop(key, None)
            await self.store.set_chat_settings(chat_key, stored, by=by)
            self._cache.pop(chat_key, None)
            return await self.get(chat_key)

    def _lock(self, chat_key: str) -> asyncio.Lock:
        return self._locks.setdefault(chat_key, asyncio.Lock())
