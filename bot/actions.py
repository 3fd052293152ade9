"""What the pipeline and the command handlers decide, as data: actions, their results, replies and buttons.

bot.policy decides Actions, an adapter's executor carries them out and answers ActionResults; command handlers
and the pipeline return Replies that adapters only render. All frozen dataclasses. The message and verdict types
they refer to live in leekguard_types. Nothing here imports a chat-platform package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from leekguard_types import Span

# ---- actions: data decided by bot.policy, carried out only by an adapter ----

# unmute / unban: never decided by the policy; carried out by Undo to lift a mute / ban LeekGuard did (bot/undo.py)
ActionKind = Literal["warn", "delete", "mute", "ban", "notify_admins", "unmute", "unban"]


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    seconds: int | None = None  # mute duration
    silent: bool = False  # repeated advert: act without another warning
    brief: bool = False  # warn: a one-line mark pointing to the first warning (a repeat in the same burst)

    def describe(self) -> str:
        if self.kind == "mute" and self.seconds:
            return f"mute {self.seconds}s"
        return self.kind.replace("_", " ")


ActionStatus = Literal["done", "failed", "dry-run", "skipped"]


@dataclass(frozen=True, slots=True)
class ActionResult:
    action: Action
    status: ActionStatus
    detail: str = ""

    def to_dict(self) -> dict:
        return {"action": self.action.kind, "seconds": self.action.seconds, "status": self.status, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Button:
    """A platform-neutral button: adapters render it (inline keyboard, discord.ui.Button)."""

    label: str
    # "<verb>:<incident id>", e.g. "confirm:12", "dismiss:12", "ban:12", "undo:12"
    action: str
    style: Literal["primary", "danger", "secondary", "success"] = "secondary"


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command handler or the pipeline wants said; adapters only render it."""

    text: str  # plain text, complete on its own (console prints it as is)
    title: str = ""
    fields: tuple[tuple[str, str], ...] = ()  # (name, value) pairs for embeds / HTML bold labels
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = False  # only the asker sees it, where the platform can do that
    highlight: tuple[Span, ...] = ()  # spans of `quote` to emphasise
    quote: str = ""  # original text the highlight spans refer to
    extra: dict = field(default_factory=dict, compare=False)
