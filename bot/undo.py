"""Undo, the platform-neutral half: which of LeekGuard's own actions on an incident's author can be lifted.

    for kind in in_effect(incident.action_results): ...        # "ban", "mute": done and not lifted since
    results = await lift(executor, incident)                   # ActionResults of "unban" / "unmute"

Only what LeekGuard itself did for THIS incident and recorded as done is lifted: a mute (the adapter gives
the member the chat's default permissions back / removes the Discord timeout) and a ban (unban). Failed,
skipped and dry-run actions never happened, so there is nothing to lift; a mute or ban made by a human is
not LeekGuard's to lift. A deleted message cannot be brought back. The lifts are appended to the
incident's action results by the caller, so the log shows who was let back and a second Undo knows what
is already lifted (the history is replayed in order: ban, Undo, Ban button, Undo lifts the second ban).
"""

from __future__ import annotations

from typing import Any, Iterable

from bot.actions import Action, ActionResult
from leekguard_types import Author, Message

LIFT = {"mute": "unmute", "ban": "unban"}  # what LeekGuard did -> the action that lifts it
_LIFTED = {lift: kind for kind, lift in LIFT.items()}
# A ban first: on Telegram a ban replaces the mute, on Discord a timeout can only be removed from a member.
LIFT_ORDER = ("ban", "mute")


def in_effect(action_results: Iterable[dict]) -> list[str]:
    """The kinds of action ("ban", "mute") LeekGuard carried out on the author and has not lifted since."""
    on: set[str] = set()
    for result in action_results:
        if result.get("status") != "done":
            continue
        kind = result.get("action")
        if kind in LIFT:
            on.add(kind)
        elif kind in _LIFTED:
            on.discard(_LIFTED[kind])
    return [kind for kind in LIFT_ORDER if kind in on]


def deleted_a_message(action_results: Iterable[dict]) -> bool:
    return any(r.get("action") == "delete" and r.get("status") == "done" for r in action_results)


def message_of(incident: Any) -> Message:
    """The incident's message, as the executor needs it to act on its author (bot.store.types.Incident)."""
    return Message(platform=incident.source, chat_id=incident.chat_id, message_id=incident.message_id,
                   author=Author(id=incident.author_id, name=incident.author_name), text=incident.text,
                   chat_title=incident.chat_title)


async def lift(executor: Any, incident: Any) -> list[ActionResult]:
    """Carry out the lifts through the adapter's executor (a DryRunExecutor in a dry-run chat); a raising
    executor becomes a "failed" result, like in the pipeline."""
    msg = message_of(incident)
    results = []
    for kind in in_effect(incident.action_results):
        action = Action(LIFT[kind])  # type: ignore[arg-type]
        try:
            result = await executor.execute(msg, action, None, incident.id)
        except Exception as exc:
            result = ActionResult(action, "failed", f"{type(exc).__name__}: {exc}")
        results.append(result)
    return results
