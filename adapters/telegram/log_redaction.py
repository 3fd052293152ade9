"""Keep the bot token out of every log line.

The Bot API puts the token in the URL path (https://api.telegram.org/bot<TOKEN>/sendMessage), and both httpx
(INFO: 'HTTP Request: POST https://.../bot<TOKEN>/getUpdates') and python-telegram-bot (DEBUG: 'Set Bot API
URL: ...') log URLs. Two layers: the chatty HTTP loggers are raised to WARNING, and a log-record factory
replaces the token in every record's message, arguments and traceback text before any handler sees it, so
it works whatever handlers are configured later and for records propagated from child loggers.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "<redacted-token>"
_QUIET_LOGGERS = ("httpx", "httpcore")
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False
# Anything that looks like a Bot API token, even one we were not told about.
_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


def protect_token(token: str) -> None:
    """Register a secret and make sure the redaction is installed (idempotent, thread-safe)."""
    global _installed
    with _lock:
        if token:
            _secrets.add(token)
        for name in _QUIET_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET or logger.level < logging.WARNING:
                logger.setLevel(logging.WARNING)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem, not ours
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        scrubbed = redact(text)
        if scrubbed != text:
            record.exc_text = scrubbed  # formatters reuse exc_text instead of formatting exc_info again
