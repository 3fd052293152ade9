"""`leekguard discord ...`: helpers for setting up the Discord bot.

discord.py is imported only inside the command bodies (through adapters/), never when bot/ is imported.
"""

from __future__ import annotations

import click


@click.group("discord")
def discord_group() -> None:
    """Discord bot set-up helpers."""


@discord_group.command("invite-url")
@click.option("--client-id", type=int, default=None,
              help="Application (client) id from the developer portal; default: read from DISCORD_BOT_TOKEN.")
@click.option("--guild", "guild_id", type=int, default=None, help="Pre-select this server on the invite page.")
@click.pass_context
def invite_url_cmd(ctx: click.Context, client_id: int | None, guild_id: int | None) -> None:
    """Print the OAuth2 URL that adds the bot to a server with the permissions it needs."""
    from rich.console import Console
    from rich.table import Table

    from adapters.discord.invite import NEEDED_PERMISSIONS, client_id_from_token, invite_url, needed_permissions
    from bot.config import load_config

    if client_id is None:
        config = load_config((ctx.obj or {}).get("config_path"))
        token = config.discord.token.get_secret_value() if config.discord.token else ""
        client_id = client_id_from_token(token) if token else None
        if client_id is None:
            raise click.UsageError("no client id: pass --client-id (developer portal > your app > General "
                                   "Information > Application ID), or set DISCORD_BOT_TOKEN")
    click.echo(invite_url(client_id, guild_id))
    console = Console(stderr=True)
    table = Table(title=f"Permissions requested (integer {needed_permissions().value})", title_justify="left")
    table.add_column("permission")
    table.add_column("why")
    for name, why in NEEDED_PERMISSIONS.items():
        table.add_row(name.replace("_", " ").title(), why)
    console.print(table)
    console.print("Scopes: bot, applications.commands. Also switch on MESSAGE CONTENT INTENT in the developer "
                  "portal (Bot > Privileged Gateway Intents); see the README, section Discord.")
