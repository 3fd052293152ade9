"""What the platform load benches send (the same for Telegram and Discord) and how they read latencies."""

from __future__ import annotations

SCAMS = ["Sora内测账号 只要{n}元 加V私聊 wx: sora{n}", "ChatGPT Plus 共享账号 {n}元/月 联系 @seller{n}",
         "Midjourney 永久会员 低价出售 加微信 mj{n}", "DeepSeek 官方内测邀请码 {n}元一个 私聊我 qq{n}",
         "Claude Pro account for sale ${n}, contact @claudecheap{n}", "Sora invite code, only ${n}, DM @sora{n}",
         "AI副业课程 月入过万 扫码进群 限时{n}"]
CLEAN = ["anyone tried the new Sora video model? demo {n} looks great", "今天的会议改到下午{n}点，大家注意",
         "I read the DeepSeek paper, section {n} is interesting", "午饭吃什么？第{n}次问了", "thanks, that helped ({n})",
         "GPT 写的代码还得自己检查，第{n}个bug", "周末一起去爬山吗 {n}"]


def make_plan(engine, total: int, scam_share: float) -> list[tuple[str, bool]]:
    """Messages with unique texts (one advert re-posted would be silenced by design), labelled by the engine."""
    plan = []
    every = max(1, round(1 / scam_share)) if scam_share > 0 else 0
    for i in range(total):
        scam = bool(every) and i % every == 0
        text = (SCAMS if scam else CLEAN)[i % 7].format(n=100 + i)
        plan.append((text, engine.analyze(text).label == "scam"))
    return plan


def pct(values: list[float], p: float) -> float:
    """p-th percentile of sorted values (nearest rank)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
