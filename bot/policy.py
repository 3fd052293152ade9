"""Policy: what to do about a verdict in a given chat, decided as data (a list of Actions).

Nothing here talks to a platform or a database: `decide` is a pure function of the verdict, the chat's
effective settings and a snapshot of recent activity (`BurstState`), which `BurstMemory` keeps in a small
bounded in-memory structure.

Rules, in order:
1. The label is re-derived from the score with the chat's thresholds (config `detection` shifted by the
   chat's sensitivity), so a chat set to "high" acts on lower scores without retraining anything.
2. Escalation: a `suspicious` message from a user already flagged in this burst, or a re-post of an advert
   already flagged in this chat, is handled as `scam` (repetition is what spammers do).
3. One full warning per user per burst: no second warning to the same user, and none for a re-posted
   advert (same text_hash) whoever posts it. Members read each message on its own, so every later scam stays
   marked: deleted where the policy deletes, otherwise a one-line reply that points to the first warning.
4. Repeats escalate: a sender's second and later flagged messages in a burst add the chat's `repeat`
   actions (e.g. mute); admins hear once per sender per burst.
5. Order: warn first (it replies to the message, which must still exist), then delete, mute, ban, notify;
   a ban makes a mute pointless.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from bot.actions import Action
from bot.config import ChatOverride, Config
from leekguard_types import Verdict

# How bad a label is; an engine error is no verdict, so it is never worse than anything.
LABEL_RANK = {"error": -1, "clean": 0, "suspicious": 1, "scam": 2}
SENSITIVITY_SHIFT = {"low": 0.10, "normal": 0.0, "high": -0.10}
ACTION_ORDER = ("warn", "delete", "mute", "ban", "notify_admins")


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """The effective policy of one chat, after merging config defaults, config `chats:` and /settings."""

    chat_key: str
    scam: tuple[str, ...]
    suspicious: tuple[str, ...]
    mute_seconds: int
    sensitivity: str
    language: str
    dry_run: bool
    burst_seconds: int
    repeat: tuple[str, ...]
    admin_target: str | None
    scam_threshold: float  # already shifted by sensitivity
    suspicious_threshold: float

    def actions_for(self, label: str) -> tuple[str, ...]:
        return {"scam": self.scam, "suspicious": self.suspicious}.get(label, ())


def effective_settings(config: Config, chat_key: str, stored: dict[str, Any] | None = None) -> ChatSettings:
    """Merge policy defaults <- config chats[chat_key] <- DB-stored settings (already validated)."""
    merged: dict[str, Any] = {**config.policy.model_dump(), "language": config.language, "admin_target": None}
    layer = config.chat_override(chat_key)
    if layer is not None:
        merged.update(layer.set_fields())
    if stored:
        merged.update(ChatOverride.model_validate(stored).set_fields())
    shift = SENSITIVITY_SHIFT[merged["sensitivity"]]
    clamp = lambda x: min(1.0, max(0.0, round(x, 4)))  # noqa: E731
    return ChatSettings(
        chat_key=chat_key,
        scam=tuple(merged["scam"]),
        suspicious=tuple(merged["suspicious"]),
        mute_seconds=merged["mute_seconds"],
        sensitivity=merged["sensitivity"],
        language=merged["language"],
        dry_run=merged["dry_run"],
        burst_seconds=merged["burst_seconds"],
        repeat=tuple(merged["repeat"]),
        admin_target=merged["admin_target"],
        scam_threshold=clamp(config.detection.scam_threshold + shift),
        suspicious_threshold=clamp(config.detection.suspicious_threshold + shift),
    )


def effective_label(verdict: Verdict, settings: ChatSettings) -> str:
    if verdict.score >= settings.scam_threshold:
        return "scam"
    if verdict.score >= settings.suspicious_threshold:
        return "suspicious"
    return "clean"


# ---- burst memory ----

@dataclass(frozen=True, slots=True)
class BurstState:
    """What happened recently in this chat, as far as one message is concerned."""

    user_flags: int = 0  # how often this user was flagged in the current burst
    user_warned: bool = False  # this user already got a warning in the current burst
    advert_seen: bool = False  # the same advert (text_hash) was already flagged in this chat
    admins_told: str = ""  # the worst label admins already heard about for this user in this burst ("" = none)


@dataclass(slots=True)
class _UserEntry:
    last: float
    flags: int
    warned: bool


class BurstMemory:
    """Recent flagged activity per chat+user and chat+advert; bounded (LRU) and forgetful (burst window).

    `observe()` returns the BurstState for a message; `remember()` records what was decided for it.
    Call both without awaiting in between so two copies of one advert cannot both be warned about.
    """

    def __init__(self, max_entries: int = 20_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._users: OrderedDict[tuple[str, str], _UserEntry] = OrderedDict()
        self._adverts: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._told: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._users) + len(self._adverts) + len(self._told)

    def observe(self, chat_key: str, user_id: str, text_hash: str, window: int) -> BurstState:
        now = self.clock()
        user = self._users.get((chat_key, user_id))
        if user is not None and now - user.last > window:
            user = None
        advert_at = self._adverts.get((chat_key, text_hash))
        told_at, told_label = self._told.get((chat_key, user_id), (None, ""))
        return BurstState(
            user_flags=user.flags if user else 0,
            user_warned=bool(user and user.warned),
            advert_seen=advert_at is not None and now - advert_at <= window,
            admins_told=told_label if told_at is not None and now - told_at <= window else "",
        )

    def remember(self, chat_key: str, user_id: str, text_hash: str, actions: list[Action], window: int,
                 label: str = "scam") -> None:
        now = self.clock()
        key = (chat_key, user_id)
        user = self._users.get(key)
        if user is None or now - user.last > window:
            user = _UserEntry(last=now, flags=0, warned=False)
        user.last, user.flags = now, user.flags + 1
        user.warned = user.warned or any(a.kind == "warn" for a in actions)
        self._put(self._users, key, user)
        self._put(self._adverts, (chat_key, text_hash), now)
        told_at, told_label = self._told.get(key, (None, ""))
        if told_at is not None and now - told_at > window:
            told_label = ""
        if any(a.kind == "notify_admins" for a in actions):
            told_label = max(told_label, label, key=lambda lb: LABEL_RANK.get(lb, -1))
        if told_label:  # told once for the whole burst, however long the sender keeps on
            self._put(self._told, key, (now, told_label))

    def _put(self, table: OrderedDict, key: Any, value: Any) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self.max_entries:
            table.popitem(last=False)


# ---- the decision ----

def decide(verdict: Verdict, settings: ChatSettings, burst: BurstState = BurstState()) -> list[Action]:
    """Actions for one message; [] for a clean one. Pure: same inputs, same actions."""
    label = effective_label(verdict, settings)
    if label == "clean":
        return []
    if label == "suspicious" and (burst.user_flags > 0 or burst.advert_seen):
        label = "scam"
    kinds = set(settings.actions_for(label))
    if burst.user_flags > 0:
        kinds.update(settings.repeat)  # escalation along the chat's policy
    if "ban" in kinds:
        kinds.discard("mute")
    brief = False
    if (burst.user_warned or burst.advert_seen) and "warn" in kinds:
        # no second full warning; a message that stays up still gets a one-line mark
        brief = "delete" not in kinds
        if not brief:
            kinds.discard("warn")
    if LABEL_RANK.get(burst.admins_told, -1) >= LABEL_RANK[label]:
        kinds.discard("notify_admins")  # admins already know this sender; told again only when it got worse
    actions = []
    for kind in ACTION_ORDER:
        if kind in kinds:
            action = Action(kind, seconds=settings.mute_seconds if kind == "mute" else None,  # type: ignore[arg-type]
                            silent=burst.advert_seen and kind != "warn", brief=kind == "warn" and brief)
            actions.append(action)
    return actions
