"""The `leekguard` command: a click group; each area registers its commands in COMMANDS."""

from __future__ import annotations

import importlib
import os

import click

from cli.logs import setup_logging

# (module, attribute) of every click command or group under `leekguard`; one line per area.
COMMANDS: list[tuple[str, str]] = [
    ("cli.check", "check"),
    ("cli.check", "eval_cmd"),
    ("cli.discord_setup", "discord_group"),
    ("cli.scan", "scan"),
    ("cli.run", "run"),
    ("cli.incidents", "incidents_group"),
    ("cli.incidents", "db_group"),
    ("cli.incidents", "samples_group"),
    ("cli.web", "web"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="LEEKGUARD_CONFIG",
              help="YAML configuration file (default: ./leekguard.yaml if present, else built-in defaults).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """LeekGuard: catches AI-hype scams (割韭菜) in Telegram groups and Discord servers."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    # Warnings and errors of every command go through one handler that hides tokens; `run` raises the level.
    from bot.store.dburl import passwords_in

    setup_logging("WARNING", secrets=[v for k in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "LEEKGUARD_WEB_TOKEN") if (v := os.environ.get(k))]
                  + passwords_in(os.environ.get("LEEKGUARD_DB", "")))


for _module, _attr in COMMANDS:
    main.add_command(getattr(importlib.import_module(_module), _attr))
