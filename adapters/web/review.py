"""A review from the web is the review chat buttons make: the same store calls and the same learning path.

confirm / dismiss: IncidentStore.review (stores the learned sample, drops an earlier opposite one), the poster
bookkeeping, then the engine follows: inside `leekguard run` through the bot's LearnedSync (refresh), in a
separate `leekguard web` process on the bot's next learning refresh (as with `leekguard incidents review`).
undo: reopen (forget what the review taught) and drop the rule exemption the review added. Lifting a mute or
ban needs the platform, so that stays with the chat's Undo button.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.store.types import ReviewResult

log = logging.getLogger("leekguard.web")
DECISIONS = ("confirm", "dismiss", "undo")


class WebReviewer:
    def __init__(self, store: Any, learning: Any = None) -> None:
        self.store, self.learning = store, learning

    async def review(self, incident_id: int, decision: str, by: str, note: str | None = None) -> ReviewResult:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        result = await self.store.review(incident_id, "open" if decision == "undo" else decision, by=by,
                                         note=note or None)
        if decision == "undo":
            for ex in await self.store.list_exemptions(result.incident.chat_key):
                if ex.incident_id == incident_id:
                    await self.store.remove_exemption(ex.chat_key, ex.rule_id)
        await self._posters(incident_id, result.incident.state)
        if self.learning is not None:
            await self.learning.refresh()
        return result

    async def _posters(self, incident_id: int, state: str) -> None:
        try:
            from bot.images.moderation import review_posters

            await review_posters(self.store.path, incident_id, state)
        except Exception:  # the review is committed; posters follow on the bot's next refresh
            log.exception("posters of incident %s not updated after its web review", incident_id)
