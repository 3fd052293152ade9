"""Sentences only the Discord adapter says: slash-command descriptions and a few Discord-specific answers.

Everything else LeekGuard says comes from bot/ (bot/texts.py, bot/warnings.py, bot/commands.py).
zh-Hant is derived from zh-Hans like in bot/texts.py.
"""

from __future__ import annotations

import discord

from bot.texts import normalise_language, to_traditional

CONTEXT_MENU = "Check for scam"

# English text (the source string sent to Discord) -> Simplified Chinese, for command descriptions.
DESCRIPTIONS_ZH: dict[str, str] = {
    "Check a text for AI-hype scam signs (only you see the answer)": "检查一段文字是否为AI炒作骗局（仅你可见）",
    "The text to check": "要检查的文字",
    "Recent LeekGuard incidents in this server": "本服务器最近的 LeekGuard 事件",
    "How many (1-50)": "数量（1-50）",
    "Review an incident: confirm it is a scam, or dismiss it": "审核事件：确认诈骗或判为误报",
    "Incident number": "事件编号",
    "confirm = it is a scam; dismiss = not a scam": "confirm = 确认诈骗；dismiss = 不是诈骗",
    "Dismiss only: stop the rule that fired from firing in this server": "仅用于 dismiss：本服务器不再触发该规则",
    "A note for the incident log": "审核备注",
    "Undo an incident: reopen it, lift LeekGuard's mute or ban": "撤销事件：重新待审，解除 LeekGuard 的禁言或封禁",
    "Show or change this server's LeekGuard policy": "查看或修改本服务器的 LeekGuard 策略",
    "Setting to change (leave empty to show all)": "要修改的设置（留空则显示全部）",
    "New value, e.g. warn,delete,mute or 1h or en": "新值，例如 warn,delete,mute 或 1h 或 zh-Hans",
    "Mod-log channel for notices (sets admin_target)": "接收通知的 mod-log 频道（设置 admin_target）",
    "Forget this server's value of the setting": "恢复该设置的默认值",
    "What LeekGuard caught in this server": "本服务器的拦截统计",
    CONTEXT_MENU: "检查是否为骗局",
}

_TEXTS: dict[str, dict[str, str]] = {
    "channel.elsewhere": {"en": "That channel is not a text channel of this server.",
                          "zh-Hans": "该频道不是本服务器的文字频道。"},
    "not_found": {"en": "Incident #{id} not found.", "zh-Hans": "找不到事件 #{id}。"},
    "review.field": {"en": "Review", "zh-Hans": "审核"},
    "failed": {"en": "That did not work: {reason}", "zh-Hans": "操作失败：{reason}"},
}


def dc_text(key: str, lang: str | None, **values: object) -> str:
    lang = normalise_language(lang)
    entry = _TEXTS[key]
    text = entry.get(lang) or (to_traditional(entry["zh-Hans"]) if lang == "zh-Hant" else entry["en"])
    return text.format(**values) if values else text


def language_of(locale: discord.Locale | None) -> str | None:
    """The asker's Discord client language as a LeekGuard language; None when we do not speak it."""
    value = str(locale or "")
    if value in ("zh-CN",):
        return "zh-Hans"
    if value in ("zh-TW", "zh-HK"):
        return "zh-Hant"
    if value.startswith("en"):
        return "en"
    return None


class Translator(discord.app_commands.Translator):
    """Chinese command descriptions for Discord clients set to Chinese (names stay English: they are typed)."""

    async def translate(self, string: discord.app_commands.locale_str, locale: discord.Locale,
                        context: discord.app_commands.TranslationContext) -> str | None:
        if context.location in (discord.app_commands.TranslationContextLocation.command_name,
                                discord.app_commands.TranslationContextLocation.parameter_name,
                                discord.app_commands.TranslationContextLocation.choice_name):
            if string.message != CONTEXT_MENU:
                return None
        zh = DESCRIPTIONS_ZH.get(string.message)
        if zh is None:
            return None
        if locale == discord.Locale.chinese:
            return zh
        if locale == discord.Locale.taiwan_chinese:
            return to_traditional(zh)
        return None
