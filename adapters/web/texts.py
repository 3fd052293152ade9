"""The console's words in English and Chinese; the browser's Accept-Language chooses."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {  # key: (English, 中文)
    "title": ("LeekGuard review console", "LeekGuard 审核台"),
    "incidents": ("Incidents", "事件"), "stats": ("Stats", "统计"), "logout": ("Log out", "退出"),
    "login": ("Log in", "登录"), "token": ("Admin token", "管理令牌"),
    "login.bad": ("Wrong token.", "令牌不正确。"),
    "link.bad": ("This sign-in link is not valid any more: ask the bot for /web again.",
                 "此登录链接已失效:请再向机器人发送 /web。"),
    "chat": ("Chat", "群组"), "verdict": ("Verdict", "判定"), "category": ("Category", "类别"),
    "state": ("State", "状态"), "since": ("From", "起始日期"), "until": ("To", "截止日期"), "q": ("Text", "文本"),
    "any": ("any", "全部"), "filter": ("Filter", "筛选"), "reset": ("Reset", "清除"),
    "export": ("Export", "导出"), "next": ("Next page →", "下一页 →"), "first": ("← First page", "← 第一页"),
    "none": ("No incidents match.", "没有符合条件的事件。"),
    "when": ("When", "时间"), "author": ("Author", "发送者"), "message": ("Message", "消息"),
    "score": ("Score", "分数"), "open": ("open", "待审"), "confirmed": ("confirmed", "已确认"),
    "dismissed": ("dismissed", "已驳回"), "scam": ("scam", "诈骗"), "suspicious": ("suspicious", "可疑"),
    "clean": ("clean", "正常"),
    "confirm": ("Confirm", "确认"), "dismiss": ("Dismiss", "驳回"), "undo": ("Undo", "撤销"),
    "note": ("Note", "备注"), "bulk": ("Review the selected incidents", "批量审核所选事件"),
    "select": ("Select", "选择"), "all_on_page": ("all {n} on this page", "本页全部 {n} 个"),
    "findings": ("Findings", "检测依据"), "reason": ("Reason", "原因"), "rule": ("Rule", "规则"),
    "evidence": ("Evidence", "证据"), "statement": ("Statement cited", "引用的官方声明"),
    "actions": ("Actions taken", "已采取的措施"), "history": ("Review history", "审核记录"),
    "reviewed": ("Reviewed by {by} on {at}", "{by} 于 {at} 审核"), "not_reviewed": ("Not reviewed yet.", "尚未审核。"),
    "earlier": ("Earlier verdicts of this message", "此消息之前的判定"),
    "excerpt": ("(excerpt: {n} characters in all)", "(摘录:原文共 {n} 字)"),
    "review.done": ("Incident #{id} is now {state}.", "事件 #{id} 现为{state}。"),
    "bulk.done": ("{n} incidents reviewed.", "已审核 {n} 个事件。"),
    "bulk.none": ("Select at least one incident.", "请至少选择一个事件。"),
    "per_day": ("Incidents per day", "每日事件"), "per_category": ("Per category", "按类别"),
    "per_chat": ("Per chat", "按群组"), "outcomes": ("Review outcomes", "审核结果"), "total": ("Total", "总数"),
    "not_found": ("No incident #{id}.", "没有事件 #{id}。"), "back": ("← Incidents", "← 事件列表"),
    "undo.note": ("Undo reopens the incident and forgets what its review taught; a mute or ban is lifted "
                  "with the chat's Undo button.", "撤销会重新打开事件并撤回审核所学;禁言或封禁请用群内的撤销按钮解除。"),
}


def language(accept_language: str | None) -> str:
    """'zh' when the browser prefers Chinese to English, else 'en'."""
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower()[:2]
        if lang in ("zh", "en") and q > best_q:
            best, best_q = lang, q
    return best


def translator(lang: str):
    i = 1 if lang == "zh" else 0

    def t(key: str, **values: object) -> str:
        pair = TEXTS.get(key)
        text = pair[i] if pair else key
        return text.format(**values) if values else text

    return t
