"""Logging set-up for the `leekguard` command: rich on a terminal, plain lines otherwise, secrets redacted.

Tokens must never reach a log, even inside an exception message that quotes a URL (Telegram's Bot API puts
the token in the URL path), so a filter replaces every configured secret with *** in every record.
"""

from __future__ import annotations

import logging
import sys
from typing import Iterable


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc_text = record.exc_text or ""
        if any(s in text or s in exc_text for s in self.secrets):
            for secret in self.secrets:
                text, exc_text = text.replace(secret, "***"), exc_text.replace(secret, "***")
            record.msg, record.args = text, None
            if exc_text:  # formatters print exc_text as is when exc_info is gone
                record.exc_text, record.exc_info = exc_text, None
        return True


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), stream=None) -> None:
    """Configure the root logger once per process (calling again replaces the previous set-up)."""
    stream = stream or sys.stderr
    if stream.isatty():
        from rich.console import Console
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=Console(stderr=True), show_path=False,
                                               rich_tracebacks=False, markup=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s", datefmt="[%X]"))
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_leekguard", False):
            root.removeHandler(old)
    handler._leekguard = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # chatty libraries: their INFO lines are per request
    for name in ("httpx", "httpcore", "discord.gateway", "discord.http", "aiosqlite", "jieba"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
