"""Slash commands, the "Check for scam" message context menu and the mod-log buttons -> bot/commands.py.

Authority is decided here, because only the adapter can ask Discord: admin commands carry
default_member_permissions (Manage Messages) so Discord hides them from ordinary members, and every call is
checked again at run time (a server can grant a command to anyone in its integration settings). Every
interaction is answered within Discord's 3 seconds: directly when the handler is quick, else deferred first.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from typing import TYPE_CHECKING, Any, Awaitable, Literal, Optional, Protocol

import discord
from discord import app_commands

from adapters.discord.convert import PLATFORM, is_moderator, to_message
from adapters.discord.render import safe, render
from adapters.discord.texts import CONTEXT_MENU, Translator, dc_text, language_of
from bot.actions import Reply
from bot.commands import CommandContext, Commands
from bot.config import CHAT_SETTING_KEYS
from bot.store.types import split_key
from bot.texts import t
from leekguard_types import Author

if TYPE_CHECKING:
    from bot.chat_settings import ChatSettingsService
    from bot.config import Config

log = logging.getLogger(__name__)
DEFER_AFTER = 2.0  # seconds; Discord drops an interaction not answered within 3
MOD_PERMISSIONS = discord.Permissions(manage_messages=True)
_ = app_commands.locale_str


async def _ready(reply: Reply) -> Reply:
    return reply


def author_of(user: discord.abc.User) -> Author:
    return Author(id=str(user.id), name=user.display_name, username=user.name, is_bot=user.bot)


class Session(Protocol):
    """What the commands need of the running bot: adapters/discord/adapter.py's DiscordSession, which builds
    DiscordCommands (a Protocol, so this module does not import the one that imports it)."""

    client: discord.Client
    config: Config
    chat_settings: ChatSettingsService
    guild_ids: set[int]
    moderator_roles: tuple[int | str, ...]

    def text_channel_in(self, guild: discord.Guild | None, value: str) -> discord.TextChannel | None: ...


class DiscordCommands:
    def __init__(self, session: Session, commands: Commands) -> None:
        self.session = session
        self.commands = commands

    # ---- registration and sync ----
    def register(self, tree: app_commands.CommandTree) -> None:
        me = self

        @tree.command(name="check", description=_("Check a text for AI-hype scam signs (only you see the answer)"))
        @app_commands.describe(text=_("The text to check"))
        async def check(interaction: discord.Interaction, text: app_commands.Range[str, 1, 4000]) -> None:
            await me.run(interaction, lambda ctx: me.commands.check(ctx, text), moderator_only=False)

        @tree.context_menu(name=_(CONTEXT_MENU))
        async def check_message(interaction: discord.Interaction, message: discord.Message) -> None:
            await me.run(interaction, lambda ctx: me.commands.check(ctx, ""), moderator_only=False, target=message)

        @tree.command(name="incidents", description=_("Recent LeekGuard incidents in this server"))
        @app_commands.describe(count=_("How many (1-50)"))
        @app_commands.guild_only()
        @app_commands.default_permissions(manage_messages=True)
        async def incidents(interaction: discord.Interaction, count: app_commands.Range[int, 1, 50] = 10) -> None:
            await me.run(interaction, lambda ctx: me.commands.incidents(ctx, str(count)))

        @tree.command(name="review", description=_("Review an incident: confirm it is a scam, or dismiss it"))
        @app_commands.describe(id=_("Incident number"), action=_("confirm = it is a scam; dismiss = not a scam"),
                               exempt=_("Dismiss only: stop the rule that fired from firing in this server"),
                               note=_("A note for the incident log"))
        @app_commands.guild_only()
        @app_commands.default_permissions(manage_messages=True)
        async def review(interaction: discord.Interaction, id: app_commands.Range[int, 1],
                         action: Literal["confirm", "dismiss"], exempt: bool = False,
                         note: Optional[app_commands.Range[str, 1, 500]] = None) -> None:
            args = f"{id} {action}" + (" exempt" if exempt else "") + (f" {note}" if note else "")
            await me.run(interaction, lambda ctx: me.commands.review(ctx, args))

        @tree.command(name="undo", description=_("Undo an incident: reopen it, lift LeekGuard's mute or ban"))
        @app_commands.describe(id=_("Incident number"))
        @app_commands.guild_only()
        @app_commands.default_permissions(manage_messages=True)
        async def undo(interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
            await me.run(interaction, lambda ctx: me.commands.undo(ctx, str(id)))

        @tree.command(name="settings", description=_("Show or change this server's LeekGuard policy"))
        @app_commands.describe(key=_("Setting to change (leave empty to show all)"),
                               value=_("New value, e.g. warn,delete,mute or 1h or en"),
                               channel=_("Mod-log channel for notices (sets admin_target)"),
                               reset=_("Forget this server's value of the setting"))
        @app_commands.choices(key=[app_commands.Choice(name=k, value=k) for k in CHAT_SETTING_KEYS])
        @app_commands.guild_only()
        @app_commands.default_permissions(manage_messages=True)
        async def settings(interaction: discord.Interaction, key: Optional[app_commands.Choice[str]] = None,
                           value: Optional[app_commands.Range[str, 1, 200]] = None,
                           channel: Optional[discord.TextChannel] = None, reset: bool = False) -> None:
            await me.run(interaction, lambda ctx: me.settings(ctx, interaction, key and key.value, value, channel,
                                                              reset))

        @tree.command(name="stats", description=_("What LeekGuard caught in this server"))
        @app_commands.guild_only()
        @app_commands.default_permissions(manage_messages=True)
        async def stats(interaction: discord.Interaction) -> None:
            await me.run(interaction, lambda ctx: me.commands.stats(ctx))

        tree.on_error = self.on_tree_error

    async def sync(self, tree: app_commands.CommandTree) -> None:
        """Publish the commands: to the configured servers at once, or globally (Discord may take a while).
        A failure is logged, never fatal: moderation works without commands."""
        await tree.set_translator(Translator())
        guilds = sorted(self.session.guild_ids)
        for guild_id in guilds or [None]:
            guild = discord.Object(guild_id) if guild_id is not None else None
            where = f"server {guild_id}" if guild is not None else "all servers (global)"
            if guild is not None:
                tree.copy_global_to(guild=guild)
            try:
                synced = await tree.sync(guild=guild)
                log.info("discord: %d commands synced to %s", len(synced), where)
            except discord.HTTPException as exc:
                hint = (" Is the bot in that server, invited with the applications.commands scope? "
                        "(leekguard discord invite-url)") if exc.status in (403, 404) else ""
                log.error("discord: cannot sync commands to %s: %s %s.%s", where, exc.status, exc.text, hint)

    # ---- running a command ----
    def is_moderator(self, interaction: discord.Interaction) -> bool:
        """Manage Messages in this channel (Discord computes it for the interaction), or a moderator role."""
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            return False
        perms = interaction.permissions
        return perms.manage_messages or perms.administrator or is_moderator(interaction.user,
                                                                            self.session.moderator_roles)

    def context(self, interaction: discord.Interaction, *, target: discord.Message | None = None) -> CommandContext:
        guild = interaction.guild
        channel = interaction.channel
        chat_id = str(guild.id) if guild else f"dm-{interaction.channel_id}"
        reply_to = to_message(target, moderator_roles=self.session.moderator_roles) if target is not None else None
        title = f"{guild.name} #{getattr(channel, 'name', '')}" if guild else ""
        return CommandContext(platform=PLATFORM, chat_id=chat_id, user=author_of(interaction.user),
                              is_admin=self.is_moderator(interaction), chat_title=title, is_private=guild is None,
                              reply_to=reply_to, language=language_of(interaction.locale))

    async def run(self, interaction: discord.Interaction, handler: Any, *, moderator_only: bool = True,
                  target: discord.Message | None = None) -> None:
        """Build the context, check authority again (Discord's default_member_permissions can be overridden
        per server), run the handler, answer ephemerally."""
        ctx = self.context(interaction, target=target)
        if moderator_only and not ctx.is_admin:
            lang = ctx.language or (await self.session.chat_settings.get(ctx.chat_key)).language
            await self.answer(interaction, _ready(Reply(t("admins_only", lang), ephemeral=True)))
            return
        await self.answer(interaction, handler(ctx))

    async def answer(self, interaction: discord.Interaction, pending: Awaitable[Reply], *,
                     ephemeral: bool = True) -> None:
        task = asyncio.ensure_future(pending)
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        reply = await task
        kwargs = render(reply)
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **kwargs)

    async def settings(self, ctx: CommandContext, interaction: discord.Interaction, key: str | None,
                       value: str | None, channel: discord.TextChannel | None, reset: bool) -> Reply:
        if channel is not None:  # the channel option always names the mod-log channel
            key, value = "admin_target", str(channel.id)
        if key is None:
            return await self.commands.settings(ctx, "")
        if reset:
            return await self.commands.settings(ctx, f"reset {key}")
        if value is None:
            return await self.commands.settings(ctx, "")
        if key == "admin_target" and ctx.is_admin and value.strip().lower() not in ("none", "default", "-"):
            found = self.session.text_channel_in(interaction.guild, value)
            if found is None:
                lang = ctx.language or (await self.session.chat_settings.get(ctx.chat_key)).language
                return Reply(dc_text("channel.elsewhere", lang), ephemeral=True)
            value = str(found.id)
        return await self.commands.settings(ctx, f"set {key} {shlex.quote(value)}")

    async def on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("discord: command %s failed: %s", interaction.command and interaction.command.name, error,
                  exc_info=error)
        lang = language_of(interaction.locale) or self.session.config.language
        try:
            text = t("internal_error", lang)
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            pass

    # ---- mod-log buttons ----
    async def on_review_button(self, interaction: discord.Interaction, verb: str, incident_id: int) -> None:
        lang = language_of(interaction.locale) or self.session.config.language
        chat = await self.commands.incident_chat(incident_id)
        platform, chat_id = split_key(chat) if chat else (None, "")
        if platform != PLATFORM or not chat_id.isdigit():
            await interaction.response.send_message(dc_text("not_found", lang, id=incident_id), ephemeral=True)
            return
        is_admin = await self.moderates_server(interaction, int(chat_id))
        ctx = CommandContext(platform=PLATFORM, chat_id=chat_id, user=author_of(interaction.user),
                             is_admin=is_admin, language=language_of(interaction.locale))
        if not is_admin or verb not in ("confirm", "dismiss", "ban", "undo"):
            reply = await self.commands.handle_button(f"{verb}:{incident_id}", ctx)  # the refusal text
            await interaction.response.send_message(**render(reply), ephemeral=True)
            return
        task = asyncio.ensure_future(self.commands.handle_button(f"{verb}:{incident_id}", ctx))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer()  # "updating the message"
        reply = await task
        if reply.ephemeral:  # e.g. nothing to undo, ban failed: only the presser needs to know
            send = interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
            await send(**render(reply), ephemeral=True)
            return
        embeds = self.with_outcome(interaction.message, reply, lang)
        if interaction.response.is_done():
            await interaction.edit_original_response(embeds=embeds)
        else:
            await interaction.response.edit_message(embeds=embeds)

    async def moderates_server(self, interaction: discord.Interaction, guild_id: int) -> bool:
        """Whether the presser may act on an incident of `guild_id` (the notice may sit in another server's
        channel when one central mod-log is configured)."""
        if interaction.guild is not None and interaction.guild.id == guild_id:
            return self.is_moderator(interaction)
        guild = self.session.client.get_guild(guild_id)
        if guild is None:
            return False
        try:
            member = guild.get_member(interaction.user.id) or await guild.fetch_member(interaction.user.id)
        except discord.HTTPException:
            return False
        return is_moderator(member, self.session.moderator_roles)

    @staticmethod
    def with_outcome(message: discord.Message | None, reply: Reply, lang: str) -> list[discord.Embed]:
        """The notice's embed with the review outcome added (latest outcome last; buttons stay)."""
        embeds = list(message.embeds) if message is not None else []
        embed = embeds[0].copy() if embeds else discord.Embed(title="LeekGuard")
        if len(embed.fields) >= 24:
            embed.remove_field(0)
        embed.add_field(name=dc_text("review.field", lang), value=safe(reply.text, 1024), inline=False)
        return [embed, *embeds[1:]]
