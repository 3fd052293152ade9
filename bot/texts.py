"""Every sentence LeekGuard says, in English and Simplified Chinese; Traditional is derived.

`t(key, lang, **values)` formats one text. zh-Hant comes from the zh-Hans text through OpenCC (Taiwan
phrasing) unless the table gives it explicitly, so a new sentence needs two translations, not three.
"""

from __future__ import annotations

from functools import lru_cache

LANGUAGES = ("zh-Hans", "zh-Hant", "en")

TEXTS: dict[str, dict[str, str]] = {
    # category names (what kind of scam it looks like)
    "cat.fake_access": {"en": "fake access to an AI product (accounts, invites, 'unlocked' versions)",
                        "zh-Hans": "虚假AI产品账号/内测资格", "zh-Hant": "虛假AI產品帳號/內測資格"},
    "cat.paid_course": {"en": "paid 'get rich with AI' course", "zh-Hans": "付费AI课程（割韭菜）"},
    "cat.group_recruiting": {"en": "paid group / referral recruiting", "zh-Hans": "拉人进群/付费社群"},
    "cat.fake_api": {"en": "fake or resold AI API access", "zh-Hans": "虚假或倒卖的AI接口",
                     "zh-Hant": "虛假或倒賣的AI介面"},
    "cat.fake_authority": {"en": "fake authority or endorsement", "zh-Hans": "冒充权威/官方背书"},
    "cat.anxiety_funnel": {"en": "AI-anxiety sales funnel", "zh-Hans": "贩卖AI焦虑引流"},
    "cat.fake_generated": {"en": "fake 'AI-generated' content", "zh-Hans": "伪造的AI生成内容"},
    "cat.other": {"en": "AI-hype scam", "zh-Hans": "AI炒作骗局"},
    # labels
    "label.scam": {"en": "scam", "zh-Hans": "诈骗"},
    "label.suspicious": {"en": "suspicious", "zh-Hans": "可疑"},
    "label.clean": {"en": "no scam signs", "zh-Hans": "未发现诈骗迹象"},
    # the warning posted in the chat
    "warn.head.scam": {"en": "⚠️ LeekGuard: this looks like a scam: {category}.",
                       "zh-Hans": "⚠️ LeekGuard提醒：这条消息疑似诈骗：{category}。"},
    "warn.brief": {"en": "⚠️ LeekGuard: this too looks like a scam ({category}); see the warning above. "
                            "Don't pay, don't add contacts.",
                   "zh-Hans": "⚠️ LeekGuard提醒：这条同样疑似诈骗（{category}），见上方提醒。请勿付款或加好友。"},
    "warn.head.suspicious": {"en": "⚠️ LeekGuard: this may be a scam: {category}.",
                             "zh-Hans": "⚠️ LeekGuard提醒：这条消息可能是骗局：{category}。"},
    "warn.evidence": {"en": "Evidence: {evidence}", "zh-Hans": "证据：{evidence}"},
    "warn.statement": {"en": "{author} ({role}, {date}): \u201c{text}\u201d Source: {source} {url}",
                       "zh-Hans": "{author}（{role}，{date}）原话：\u201c{text}\u201d 译文（LeekGuard 翻译）：{translation} 来源：{source} {url}"},
    "warn.official": {"en": "The real {product}: {url} (official site only)",
                      "zh-Hans": "{product}官方入口：{url}（只认官网）"},
    "warn.advice": {"en": "Don't pay, don't add contacts, don't share accounts.",
                    "zh-Hans": "请勿付款、加好友或共享账号。", "zh-Hant": "請勿付款、加好友或共用帳號。"},
    # what a picture held (added to the warning and the admin notice of a message with images)
    "image.poster_match": {"en": "The picture is a poster already confirmed as a scam in {where} (incident #{id}).",
                           "zh-Hans": "图片与{where}已确认的诈骗海报相同（事件 #{id}）。"},
    "image.where.same": {"en": "this chat", "zh-Hans": "本群"},
    "image.where.other": {"en": "another chat", "zh-Hans": "其他群"},
    "image.qr": {"en": "QR code in the picture: {kinds}.", "zh-Hans": "图片中的二维码：{kinds}。"},
    "image.text": {"en": "Text on the picture: {text}", "zh-Hans": "图片文字：{text}"},
    # admin notification
    "notify.title": {"en": "LeekGuard incident #{id}", "zh-Hans": "LeekGuard 事件 #{id}"},
    "notify.head": {"en": "{label} ({score}) in {chat}: {category}", "zh-Hans": "{chat} 中{label}（{score}）：{category}"},
    "notify.author": {"en": "From: {author}", "zh-Hans": "发送者：{author}"},
    "notify.actions": {"en": "Actions: {actions}", "zh-Hans": "已执行：{actions}"},
    "notify.dry": {"en": "Actions (dry-run, nothing done): {actions}", "zh-Hans": "动作（演习模式，未执行）：{actions}"},
    "notify.none": {"en": "none", "zh-Hans": "无"},
    "button.confirm": {"en": "Confirm scam", "zh-Hans": "确认诈骗"},
    "button.dismiss": {"en": "Not a scam", "zh-Hans": "不是诈骗"},
    "button.ban": {"en": "Ban user", "zh-Hans": "封禁用户"},
    "button.undo": {"en": "Undo", "zh-Hans": "撤销"},
    # /check
    "check.title": {"en": "LeekGuard check", "zh-Hans": "LeekGuard 检查"},
    "check.verdict": {"en": "Verdict: {label} (score {score})", "zh-Hans": "结论：{label}（分数 {score}）"},
    "check.categories": {"en": "Looks like: {categories}", "zh-Hans": "类型：{categories}"},
    "check.reasons": {"en": "Reasons:", "zh-Hans": "理由："},
    "check.text": {"en": "Text: {text}", "zh-Hans": "原文：{text}"},
    "check.none": {"en": "Nothing to check: send /check with some text, or reply /check to a message.",
                   "zh-Hans": "没有可检查的内容：发送 /check 加文字，或回复某条消息发送 /check。"},
    "check.slow": {"en": "Too many checks; try again in a minute.", "zh-Hans": "检查太频繁，请一分钟后再试。"},
    "check.partial": {"en": "(some detectors failed; the result may be incomplete)",
                      "zh-Hans": "（部分检测器出错，结果可能不完整）"},
    "check.never_acts": {"en": "/check only reports; it never acts.", "zh-Hans": "/check 只报告，不执行任何处理。"},
    # /web
    "web.link": {"en": "Your sign-in link to the review console ({chats}), valid {minutes} minutes, once. "
                       "Do not share it:\n{link}",
                 "zh-Hans": "审核台登录链接（{chats}），{minutes} 分钟内有效，仅可使用一次。请勿转发：\n{link}"},
    "web.private_only": {"en": "Ask me for /web in a private chat: the link is personal.",
                         "zh-Hans": "请在与我的私聊中发送 /web：链接仅供你本人使用。"},
    "web.off": {"en": "The web review console is not set up here.", "zh-Hans": "这里尚未启用网页审核台。"},
    # other commands
    "admins_only": {"en": "Only admins of this chat can do that.", "zh-Hans": "只有本群管理员可以这样做。"},
    "start": {"en": "LeekGuard watches this chat for AI-hype scams (fake access, paid courses, fake APIs) "
                    "and explains every warning.\nSend /check with a text to test it; /help for all commands.",
              "zh-Hans": "LeekGuard 帮本群识别AI炒作骗局（假账号、割韭菜课程、假接口），每条提醒都附证据。\n"
                         "发送 /check 加文字即可检查；/help 查看全部命令。"},
    "help.title": {"en": "LeekGuard commands", "zh-Hans": "LeekGuard 命令"},
    "help.check": {"en": "/check TEXT (or as a reply): check a message; never acts",
                   "zh-Hans": "/check 文字（或回复消息）：检查消息，不执行处理"},
    "help.incidents": {"en": "/incidents [N]: recent incidents (admins)", "zh-Hans": "/incidents [N]：最近事件（管理员）"},
    "help.review": {"en": "/review ID confirm|dismiss [exempt] [note]: review an incident (admins)",
                    "zh-Hans": "/review 编号 confirm|dismiss [exempt] [备注]：审核事件（管理员）"},
    "help.undo": {"en": "/undo ID: reopen an incident and lift LeekGuard's mute or ban of its author (admins)",
                  "zh-Hans": "/undo 编号：撤销事件的审核，并解除 LeekGuard 对发送者的禁言或封禁（管理员）"},
    "help.settings": {"en": "/settings [set KEY VALUE | reset KEY]: this chat's policy (admins)",
                      "zh-Hans": "/settings [set 键 值 | reset 键]：本群策略（管理员）"},
    "help.stats": {"en": "/stats: what LeekGuard caught here; /check results that found something are counted on "
                         "their own line, and /incidents lists both",
                   "zh-Hans": "/stats：本群统计；/check 查出问题的结果单独一行计数，/incidents 两者都会列出"},
    "unknown_command": {"en": "Unknown command {name}; /help lists the commands.",
                        "zh-Hans": "未知命令 {name}；/help 查看命令列表。"},
    "bad_usage": {"en": "Usage: {usage}", "zh-Hans": "用法：{usage}"},
    "internal_error": {"en": "Something went wrong; the error was logged.", "zh-Hans": "出错了，错误已记录。"},
    "store_error": {"en": "The incident log is not available right now: {error}",
                    "zh-Hans": "事件记录暂时不可用：{error}"},
    # /incidents
    "incidents.title": {"en": "Recent incidents", "zh-Hans": "最近事件"},
    "incidents.none": {"en": "No incidents recorded in this chat.", "zh-Hans": "本群还没有事件记录。"},
    "incidents.hint": {"en": "Review: /review ID confirm|dismiss", "zh-Hans": "审核：/review 编号 confirm|dismiss"},
    "state.open": {"en": "open", "zh-Hans": "待审核"},
    "state.confirmed": {"en": "confirmed", "zh-Hans": "已确认"},
    "state.dismissed": {"en": "dismissed", "zh-Hans": "已驳回"},
    # /review, buttons
    "review.not_found": {"en": "No incident #{id} in this chat.", "zh-Hans": "本群没有事件 #{id}。"},
    "review.confirmed": {"en": "Incident #{id} confirmed as a scam by {by}. LeekGuard learned from it.",
                         "zh-Hans": "事件 #{id} 已由 {by} 确认为诈骗，LeekGuard 已据此学习。"},
    "review.dismissed": {"en": "Incident #{id} dismissed (not a scam) by {by}. LeekGuard learned from it.",
                         "zh-Hans": "事件 #{id} 已由 {by} 判定为非诈骗，LeekGuard 已据此学习。"},
    "review.exempted": {"en": "Rule {rule} will no longer fire in this chat (/settings unexempt {rule} to undo).",
                        "zh-Hans": "规则 {rule} 在本群不再生效（/settings unexempt {rule} 可恢复）。"},
    "review.no_rule": {"en": "No pattern rule to exempt for this incident.", "zh-Hans": "该事件没有可豁免的规则。"},
    "review.undone": {"en": "Review of incident #{id} undone; it is open again and what was learned is forgotten.",
                      "zh-Hans": "已撤销事件 #{id} 的审核，事件重新待审，学习内容已撤回。"},
    "review.nothing_to_undo": {"en": "Incident #{id} has not been reviewed, and LeekGuard has no mute or ban of "
                                      "its author to lift.",
                                "zh-Hans": "事件 #{id} 尚未审核，LeekGuard 也没有需要解除的禁言或封禁。"},
    # Undo lifting what LeekGuard did to the author (bot/undo.py)
    "undo.what.unmute": {"en": "mute", "zh-Hans": "禁言"},
    "undo.what.unban": {"en": "ban", "zh-Hans": "封禁"},
    "undo.lifted": {"en": "Lifted LeekGuard's {what} of {author}.", "zh-Hans": "已解除 LeekGuard 对 {author} 的{what}。"},
    "undo.lift_dry": {"en": "Dry-run: would lift LeekGuard's {what} of {author}.",
                      "zh-Hans": "演习模式：本会解除 LeekGuard 对 {author} 的{what}。"},
    "undo.lift_failed": {"en": "Could not lift LeekGuard's {what} of {author}: {detail}",
                         "zh-Hans": "无法解除 LeekGuard 对 {author} 的{what}：{detail}"},
    "undo.unavailable": {"en": "LeekGuard cannot lift a mute or ban from here.",
                         "zh-Hans": "此处无法解除禁言或封禁。"},
    "undo.deleted_stays": {"en": "The deleted message cannot be restored.", "zh-Hans": "已删除的消息无法恢复。"},
    "ban.done": {"en": "{author} banned (incident #{id}). A ban alone does not train LeekGuard.",
                 "zh-Hans": "已封禁 {author}（事件 #{id}）。仅封禁不会用于训练。"},
    "ban.failed": {"en": "Could not ban {author}: {detail}", "zh-Hans": "无法封禁 {author}：{detail}"},
    "ban.unavailable": {"en": "Banning is not available here.", "zh-Hans": "此处无法封禁。"},
    "button.unknown": {"en": "Unknown button.", "zh-Hans": "未知按钮。"},
    # /settings
    "settings.title": {"en": "Settings of this chat", "zh-Hans": "本群设置"},
    "settings.changed": {"en": "{key} is now {value}.", "zh-Hans": "{key} 已设为 {value}。"},
    "settings.reset": {"en": "{key} is back to the configured default.", "zh-Hans": "{key} 已恢复默认。"},
    "settings.exemptions": {"en": "Exempted rules: {rules}", "zh-Hans": "豁免的规则：{rules}"},
    "settings.exempt_added": {"en": "Rule {rule} exempted in this chat.", "zh-Hans": "规则 {rule} 已在本群豁免。"},
    "settings.exempt_removed": {"en": "Rule {rule} applies again in this chat.", "zh-Hans": "规则 {rule} 已在本群恢复。"},
    "settings.exempt_missing": {"en": "Rule {rule} was not exempted here.", "zh-Hans": "规则 {rule} 在本群未被豁免。"},
    "settings.hint": {"en": "Change: /settings set KEY VALUE; undo: /settings reset KEY",
                      "zh-Hans": "修改：/settings set 键 值；恢复：/settings reset 键"},
    # /stats
    "stats.title": {"en": "LeekGuard stats for this chat", "zh-Hans": "本群 LeekGuard 统计"},
    "stats.total": {"en": "Incidents: {n}", "zh-Hans": "事件数：{n}"},
    "stats.checks": {"en": "/check results that found something: {n} ({items})",
                     "zh-Hans": "/check 查出问题的结果：{n}（{items}）"},
    "stats.by_verdict": {"en": "By verdict: {items}", "zh-Hans": "按结论：{items}"},
    "stats.by_state": {"en": "By review: {items}", "zh-Hans": "按审核：{items}"},
    "stats.by_category": {"en": "By kind: {items}", "zh-Hans": "按类型：{items}"},
    "stats.by_day": {"en": "Last days: {items}", "zh-Hans": "最近几天：{items}"},
    "help.help": {"en": "/help: this list; /start: what LeekGuard is", "zh-Hans": "/help：本列表；/start：简介"},
}


@lru_cache(maxsize=1)
def _to_traditional():
    import opencc  # a table of ~1 MB: loaded on first use only

    return opencc.OpenCC("s2twp").convert


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    return _to_traditional()(text)


def normalise_language(lang: str | None, fallback: str = "zh-Hans") -> str:
    return lang if lang in LANGUAGES else (fallback if fallback in LANGUAGES else "en")


def template(key: str, lang: str) -> str:
    entry = TEXTS[key]
    if lang in entry:
        return entry[lang]
    if lang == "zh-Hant" and "zh-Hans" in entry:
        return to_traditional(entry["zh-Hans"])
    return entry["en"]


def t(key: str, lang: str, /, **values: object) -> str:
    text = template(key, lang)
    return text.format(**values) if values else text


def category_name(category: str, lang: str) -> str:
    key = f"cat.{category}"
    return t(key if key in TEXTS else "cat.other", lang)
