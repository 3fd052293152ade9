"""Policy: per-chat settings, thresholds, escalation, and one warning per user per burst."""

from __future__ import annotations

from bot.actions import Action
from bot.config import Config, PolicyConfig
from bot.policy import BurstMemory, BurstState, decide, effective_settings
from tests.support.bot_core import verdict_for

CHAT = "telegram:-100"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings(**policy):
    return effective_settings(Config(policy=PolicyConfig(**policy)), CHAT)


def kinds(actions: list[Action]) -> list[str]:
    return [a.kind + (" (silent)" if a.silent else "") + (" (brief)" if a.brief else "") for a in actions]


def test_layers_merge_config_defaults_then_chat_config_then_stored_settings():
    config = Config.model_validate({"language": "zh-Hant", "policy": {"scam": ["warn"], "mute_seconds": 60},
                                    "chats": {CHAT: {"scam": ["warn", "delete"], "language": "en"}}})
    plain = effective_settings(config, "telegram:-999")
    assert (plain.scam, plain.language, plain.mute_seconds) == (("warn",), "zh-Hant", 60)
    chat = effective_settings(config, CHAT)
    assert (chat.scam, chat.language, chat.mute_seconds) == (("warn", "delete"), "en", 60)
    stored = effective_settings(config, CHAT, {"scam": ["ban"], "mute_seconds": 5, "admin_target": "-555"})
    assert (stored.scam, stored.language, stored.mute_seconds, stored.admin_target) == (("ban",), "en", 5, "-555")


def test_sensitivity_shifts_both_thresholds():
    assert (settings().scam_threshold, settings().suspicious_threshold) == (0.70, 0.45)
    high = settings(sensitivity="high")
    assert (high.scam_threshold, high.suspicious_threshold) == (0.60, 0.35)
    low = settings(sensitivity="low")
    assert (low.scam_threshold, low.suspicious_threshold) == (0.80, 0.55)
    borderline = verdict_for("Sora账号", score=0.62)
    assert kinds(decide(borderline, settings())) == ["notify_admins"]  # suspicious by default
    assert kinds(decide(borderline, high)) == ["warn", "notify_admins"]  # a scam for a sensitive chat
    assert decide(verdict_for("x", score=0.5), low) == []  # clean for a relaxed chat


def test_default_policy_warns_and_notifies_on_scam_and_only_notifies_on_suspicious():
    assert kinds(decide(verdict_for("a", score=0.9), settings())) == ["warn", "notify_admins"]
    assert kinds(decide(verdict_for("a", score=0.5), settings())) == ["notify_admins"]
    assert decide(verdict_for("a", score=0.1), settings()) == []


def test_actions_come_in_a_safe_order_and_ban_makes_mute_pointless():
    s = settings(scam=["notify_admins", "ban", "mute", "delete", "warn"], mute_seconds=120)
    assert kinds(decide(verdict_for("a"), s)) == ["warn", "delete", "ban", "notify_admins"]
    muted = decide(verdict_for("a"), settings(scam=["mute"], mute_seconds=120))
    assert muted == [Action("mute", seconds=120)]


def observe_decide(memory: BurstMemory, s, user: str, text: str, score: float = 0.9) -> list[str]:
    verdict = verdict_for(text, score=score)
    state = memory.observe(CHAT, user, verdict.text_hash, s.burst_seconds)
    actions = decide(verdict, s, state)
    memory.remember(CHAT, user, verdict.text_hash, actions, s.burst_seconds)
    return kinds(actions)


def test_one_warning_per_user_per_burst_and_a_reposted_advert_gets_silent_actions():
    clock = Clock()
    memory = BurstMemory(clock=clock)
    s = settings(scam=["warn", "delete", "notify_admins"], burst_seconds=600)
    assert observe_decide(memory, s, "alice", "advert one") == ["warn", "delete", "notify_admins"]
    # the same advert again, same user: deleted silently, admins already know
    assert observe_decide(memory, s, "alice", "advert one") == ["delete (silent)"]
    # another advert from alice: no second warning, deleted; admins heard of alice once this burst
    assert observe_decide(memory, s, "alice", "advert two") == ["delete"]
    # bob posts alice's advert: no warning (it was answered), silent delete, admins told about bob
    assert observe_decide(memory, s, "bob", "advert one") == ["delete (silent)", "notify_admins (silent)"]
    # carol posts something new: she gets her own warning
    assert observe_decide(memory, s, "carol", "advert three") == ["warn", "delete", "notify_admins"]
    # after a quiet burst window, alice is warned again
    clock.now += 601
    assert observe_decide(memory, s, "alice", "advert one") == ["warn", "delete", "notify_admins"]


def test_a_burst_lasts_while_the_user_keeps_posting():
    clock = Clock()
    memory = BurstMemory(clock=clock)
    s = settings(burst_seconds=600)
    assert observe_decide(memory, s, "alice", "ad 1") == ["warn", "notify_admins"]
    for i in range(2, 6):  # every 5 minutes, for 20 minutes: still one burst
        clock.now += 300
        assert observe_decide(memory, s, "alice", f"ad {i}") == ["warn (brief)"]  # marked, not re-warned


def test_suspicious_messages_escalate_to_scam_actions_on_repetition():
    memory = BurstMemory(clock=Clock())
    s = settings(scam=["warn", "delete"], suspicious=["notify_admins"])
    assert observe_decide(memory, s, "alice", "maybe 1", score=0.5) == ["notify_admins"]
    # a second suspicious message from the same user in the burst is handled as a scam
    assert observe_decide(memory, s, "alice", "maybe 2", score=0.5) == ["warn", "delete"]
    # someone else re-posting a flagged advert is handled as a scam too (silently: it was answered)
    assert observe_decide(memory, s, "bob", "maybe 1", score=0.5) == ["delete (silent)"]


def test_burst_memory_is_bounded():
    memory = BurstMemory(max_entries=50, clock=Clock())
    s = settings()
    for i in range(1000):
        observe_decide(memory, s, f"user{i}", f"advert {i}")
    assert len(memory) <= 150  # three tables, each capped
    # the most recent user is still remembered
    assert observe_decide(memory, s, "user999", "another") == ["warn (brief)"]  # warned and told already


def test_decide_is_a_pure_function_of_its_inputs():
    s = settings(scam=["warn", "mute"])
    v = verdict_for("a")
    state = BurstState(user_flags=1, user_warned=True)
    assert decide(v, s, state) == decide(v, s, state) == [Action("warn", brief=True), Action("mute", seconds=3600)]


def test_every_repeat_stays_marked_and_escalates_along_the_chats_policy():
    memory = BurstMemory(clock=Clock())
    s = settings(scam=["warn", "notify_admins"], repeat=["mute"])
    assert observe_decide(memory, s, "mallory", "sora accounts 299") == ["warn", "notify_admins"]
    # a second and a third different scam: a one-line mark each (members read every message on its own),
    # admins already know about mallory, and the chat's repeat policy mutes
    assert observe_decide(memory, s, "mallory", "gpt-5 invites 99") == ["warn (brief)", "mute"]
    assert observe_decide(memory, s, "mallory", "kling seats 50") == ["warn (brief)", "mute"]
    # the same advert re-posted by someone else: marked too, silently muted is not asked for
    assert observe_decide(memory, s, "trudy", "sora accounts 299") == ["warn (brief)", "notify_admins (silent)"]
