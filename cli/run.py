"""`leekguard run`: start the bot (every platform whose token is set; the console chat when none is)."""

from __future__ import annotations

import asyncio

import click


@click.command("run")
@click.option("--console", "force_console", is_flag=True,
              help="Start the console chat even when platform tokens are configured.")
@click.option("--dry-run", "force_dry_run", is_flag=True,
              help="Decide and record everything, act on nothing, in every chat (overrides all settings).")
@click.option("--shard-ids", callback=lambda ctx, param, value: _shard_ids(value), metavar="0,1",
              help="Discord: run only these shards in this process (with --shard-count; overrides "
                   "discord.shard_ids).")
@click.option("--shard-count", type=click.IntRange(min=1), metavar="N",
              help="Discord: the total number of shards across every process (overrides discord.shard_count).")
@click.pass_context
def run(ctx: click.Context, force_console: bool, force_dry_run: bool, shard_ids: list[int] | None,
        shard_count: int | None) -> None:
    """Run LeekGuard.

    \b
    With TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN (or the config file's tokens) it moderates those
    platforms, all in one process. With no token it starts a console chat on this terminal: type
    messages, "alice: text" to speak as alice, /help for commands. Piped input works too:
        leekguard run < chat.txt
    Stops cleanly on Ctrl-C, SIGTERM or end of input (console).

    \b
    A large Discord bot splits its shards across processes, e.g. two processes of four shards:
        leekguard run --shard-ids 0,1 --shard-count 4
        leekguard run --shard-ids 2,3 --shard-count 4
    """
    from bot.config import load_config  # imported here so that `leekguard --help` stays fast
    from bot.pipeline import secrets_of
    from bot.store.types import StoreError
    from cli.logs import setup_logging
    from cli.wiring import NoAdapter

    config = load_config((ctx.obj or {}).get("config_path"))
    if shard_ids is not None or shard_count is not None:
        config = _with_shards(config, shard_ids, shard_count)
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


def _shard_ids(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of shard ids, e.g. 0,1") from None


def _with_shards(config, shard_ids: list[int] | None, shard_count: int | None):
    """The config with the command line's shards, validated like the file's (ConfigError names the problem)."""
    from pydantic import ValidationError

    from bot.config import ConfigError, DiscordConfig, explain_errors

    dc = config.discord.model_dump()
    dc.update({k: v for k, v in (("shard_ids", shard_ids), ("shard_count", shard_count)) if v is not None})
    try:
        discord = DiscordConfig.model_validate(dc)
    except ValidationError as exc:
        lines = explain_errors(exc, dc)
        raise ConfigError("\n".join(f"config error: --shard-ids/--shard-count: {line.removeprefix('(top level): ')}"
                                    for line in lines)) from None
    return config.model_copy(update={"discord": discord})
