"""Which adapters `leekguard run` starts: the composition root, the one place that wires adapters in.

A platform's adapter runs when its token is set (config or environment); with no token at all, the console
adapter runs. Adapters are imported by name, so a platform whose library is missing or broken is logged and
left out while the others still run. bot/runner.py then serves the chosen adapters in one event loop.
"""

from __future__ import annotations

import importlib
import logging

from bot.config import Config
from bot.runner import Adapter

log = logging.getLogger(__name__)

# platform -> (module, class) of its adapter; the adapter runs when `<platform>.token` is set
PLATFORMS: dict[str, tuple[str, str]] = {
    "telegram": ("adapters.telegram.adapter", "TelegramAdapter"),
    "discord": ("adapters.discord.adapter", "DiscordAdapter"),
}
CONSOLE = ("adapters.console", "ConsoleAdapter")
WEB = ("adapters.web.server", "WebAdapter")  # beside the others when `web.enabled`


def platforms_configured(config: Config) -> list[str]:
    return [name for name in PLATFORMS if getattr(config, name).token is not None]


class NoAdapter(Exception):
    """No adapter can run (every configured platform's adapter failed to load)."""


def choose_adapters(config: Config, force_console: bool = False) -> list[Adapter]:
    """The adapters of every platform with a token; the console when there is none (or when forced).
    A platform whose adapter cannot be loaded is logged and left out; the others still run."""
    wanted = [] if force_console else [PLATFORMS[name] for name in platforms_configured(config)]
    adapters = []
    for module, cls in [*(wanted or [CONSOLE]), *([WEB] if config.web.enabled else [])]:
        try:
            adapters.append(getattr(importlib.import_module(module), cls)())
        except (ImportError, AttributeError) as exc:
            log.error("cannot load %s.%s: %s", module, cls, exc)
    if not [a for a in adapters if a.name != "web"]:
        raise NoAdapter("no adapter could be loaded; see the errors above")
    return adapters
