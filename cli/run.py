"""`leekguard run`: start the bot (every platform whose token is set; the console chat when none is)."""

from __future__ import annotations

import asyncio

import click


@click.command("run")
@click.option("--console", "force_console", is_flag=True,
              help="Start the console chat even when platform tokens are configured.")
@click.option("--dry-run", "force_dry_run", is_flag=True,
              help="Decide and record everything, act on nothing, in every chat (overrides all settings).")
@click.pass_context
def run(ctx: click.Context, force_console: bool, force_dry_run: bool) -> None:
    """Run LeekGuard.

    \b
    With TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN (or the config file's tokens) it moderates those
    platforms, all in one process. With no token it starts a console chat on this terminal: type
    messages, "alice: text" to speak as alice, /help for commands. Piped input works too:
        leekguard run < chat.txt
    Stops cleanly on Ctrl-C, SIGTERM or end of input (console).
    """
    from bot.config import load_config  # imported here so that `leekguard --help` stays fast
    from bot.pipeline import secrets_of
    from bot.store.types import StoreError
    from cli.logs import setup_logging
    from cli.wiring import NoAdapter

    config = load_config((ctx.obj or {}).get("config_path"))
    setup_logging(config.log_level, secrets_of(config))
    try:
        asyncio.run(_run_bot(config, force_console=force_console, force_dry_run=force_dry_run))
    except (StoreError, NoAdapter) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        pass


async def _run_bot(config, *, force_console: bool, force_dry_run: bool) -> None:
    """The adapters are chosen (and constructed) first, in the event loop, then bot.runner serves them."""
    from bot.runner import run_bot
    from cli.wiring import choose_adapters

    await run_bot(config, choose_adapters(config, force_console), force_dry_run=force_dry_run)
