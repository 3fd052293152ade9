"""Long polling that fails in one line: a network hiccup while polling, or a stop (Ctrl-C, SIGTERM) in the
middle of a long poll, is logged as one readable line instead of python-telegram-bot's tracebacks."""

from __future__ import annotations

import logging

from telegram.error import TelegramError

log = logging.getLogger(__name__)
_CLEANUP_PREFIX = "Error while calling `get_updates` one more time"


def polling_error(exc: TelegramError) -> None:
    """python-telegram-bot retries polling by itself; say what happened, once, without a traceback."""
    log.warning("telegram: polling failed (%s: %s); retrying", type(exc).__name__, exc)


class _OneLineShutdown(logging.Filter):
    """At shutdown the updater marks the last updates as read with one more getUpdates; when that call
    times out (the stop came in the middle of a long poll) it logs a traceback. It is harmless: say so."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(_CLEANUP_PREFIX):
            exc = record.exc_info[1] if record.exc_info else None
            record.msg = "telegram: stopped during a long poll; the last updates may be fetched again at the next start (%s)"
            record.args = (f"{type(exc).__name__}: {exc}" if exc else "no detail",)
            record.exc_info, record.exc_text, record.levelno, record.levelname = None, None, logging.INFO, "INFO"
        return True


def quiet_shutdown() -> None:
    """Install the one-line shutdown filter on the updater's logger (idempotent)."""
    logger = logging.getLogger("telegram.ext.Updater")
    if not any(isinstance(f, _OneLineShutdown) for f in logger.filters):
        logger.addFilter(_OneLineShutdown())
