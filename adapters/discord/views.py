"""The mod-log review buttons, as a persistent dynamic item.

The custom_id carries everything needed ("leekguard:confirm:42"), so a button on a notice posted before a
restart still works: discord.py matches the id against the template of the class registered with
`client.add_dynamic_items(ReviewButton)` at start-up, whatever message it sits on.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

TEMPLATE = r"leekguard:(?P<verb>confirm|dismiss|ban|undo):(?P<incident>\d{1,18})"


class ReviewHandler(Protocol):
    async def on_review_button(self, interaction: discord.Interaction, verb: str, incident_id: int) -> None: ...


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
    VERBS = ("confirm", "dismiss", "ban", "undo")

    def __init__(self, verb: str, incident_id: int, *, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label or verb.title(), style=style,
                                           custom_id=f"leekguard:{verb}:{incident_id}"))
        self.verb = verb
        self.incident_id = incident_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: Any) -> "ReviewButton":
        return cls(match["verb"], int(match["incident"]), label=item.label, style=item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: ReviewHandler | None = getattr(interaction.client, "leekguard", None)
        if handler is None:  # not our client: nothing sensible to do
            await interaction.response.send_message("LeekGuard is not running here.", ephemeral=True)
            return
        await handler.on_review_button(interaction, self.verb, self.incident_id)
