"""Sentences only the Telegram adapter says: command menu, self-introduction, admin-rights hints.

Everything else LeekGuard says comes from bot/ (bot/texts.py, bot/warnings.py, bot/commands.py).
zh-Hant is derived from zh-Hans like in bot/texts.py.
"""

from __future__ import annotations

from bot.texts import normalise_language, to_traditional

# (command, English description, Chinese description) for setMyCommands; order = menu order.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("check", "Check a message for AI-hype scams (reply or text)", "检查消息是否为AI骗局（回复或加文字）"),
    ("incidents", "Recent incidents of this chat (admins)", "本群最近事件（管理员）"),
    ("review", "ID confirm|dismiss: review an incident (admins)", "编号 confirm|dismiss：审核事件（管理员）"),
    ("settings", "Show or change this chat's policy (admins)", "查看或修改本群策略（管理员）"),
    ("stats", "What LeekGuard caught here", "本群统计"),
    ("help", "All commands", "全部命令"),
    ("start", "What LeekGuard is", "LeekGuard 简介"),
)

RIGHT_NAMES = {
    "can_delete_messages": {"en": "Delete messages", "zh-Hans": "删除消息"},
    "can_restrict_members": {"en": "Ban users", "zh-Hans": "封禁用户"},
}

_TEXTS: dict[str, dict[str, str]] = {
    "intro": {
        "en": "👋 LeekGuard here: I flag AI-hype scams in this group (fake ChatGPT/Sora access, paid 'AI "
              "get-rich' courses, fake APIs) and explain every warning.\nAnyone can /check a message; admins "
              "choose what I do with /settings (now: {policy}).",
        "zh-Hans": "👋 我是 LeekGuard：识别本群的AI炒作骗局（假ChatGPT/Sora账号、割韭菜课程、假接口），"
                   "每条提醒都附证据。\n"
                   "任何人都可以 /check 检查消息；管理员用 /settings 设置处理方式（当前：{policy}）。",
    },
    "rights.missing": {
        "en": "Admins: for this policy I still need the admin rights: {rights}.",
        "zh-Hans": "管理员请注意：执行当前策略还需要以下管理员权限：{rights}。",
    },
    "rights.blind": {
        "en": "Admins: I cannot read group messages yet: make me an admin, or turn off privacy mode in "
              "@BotFather (/setprivacy -> Disable) and add me again.",
        "zh-Hans": "管理员请注意：我目前看不到群消息：请把我设为管理员，或在 @BotFather 关闭隐私模式"
                   "（/setprivacy -> Disable）后重新拉我进群。",
    },
    "refused": {"en": "Only admins of this chat can do that.", "zh-Hans": "只有本群管理员可以这样做。"},
    "failed": {"en": "That did not work: {reason}", "zh-Hans": "操作失败：{reason}"},
    "slow": {"en": "Too many checks; try again in a minute.", "zh-Hans": "检查太频繁，请一分钟后再试。"},
    "policy.none": {"en": "nothing", "zh-Hans": "不处理"},
    "notice.hint": {
        "en": "Admins: LeekGuard does not post incident notices in the group. To receive them, open a private "
              "chat with me and press Start, or set an admin chat (telegram.admin_chat_id, or /settings). "
              "/incidents lists them meanwhile.",
        "zh-Hans": "管理员请注意：LeekGuard 不会把事件通知发在群里。想接收通知，请私聊我并点击“开始”，"
                   "或设置管理员群（telegram.admin_chat_id，或 /settings）。在此之前可用 /incidents 查看。",
    },
}


def notice_hint(lang: str | None) -> str:
    return tg_text("notice.hint", lang)


def tg_text(key: str, lang: str | None, **values: object) -> str:
    lang = normalise_language(lang)
    entry = _TEXTS[key]
    if lang in entry:
        text = entry[lang]
    elif lang == "zh-Hant":
        text = to_traditional(entry["zh-Hans"])
    else:
        text = entry["en"]
    return text.format(**values) if values else text


def right_name(right: str, lang: str | None) -> str:
    lang = normalise_language(lang)
    names = RIGHT_NAMES.get(right, {"en": right, "zh-Hans": right})
    return names["en"] if lang == "en" else names["zh-Hans"] if lang == "zh-Hans" else to_traditional(
        names["zh-Hans"])


def language_of(language_code: str | None, default: str) -> str:
    """A Telegram user's language_code ("en", "zh-hans", "zh-TW"...) -> one of our languages."""
    code = (language_code or "").lower()
    if code.startswith("zh"):
        return "zh-Hant" if code.endswith(("hant", "tw", "hk", "mo")) else "zh-Hans"
    if code.startswith("en"):
        return "en"
    return normalise_language(default)
