"""What a `database` setting names: a SQLite file path or a PostgreSQL URL; and URLs with the password hidden.

A URL may carry a password (postgresql://user:secret@host/db, or ?password=secret). It is needed to connect
and must never reach a log, an error message or the console: `redact()` replaces it with ***.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

PG_SCHEMES = ("postgresql", "postgres")

_NETLOC_PASSWORD = re.compile(r"(?P<head>\b(?:postgres|postgresql)://[^:/?#@\s]*:)(?P<pw>[^@/?#\s]*)(?=@)",
                              re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&#\s]*)", re.IGNORECASE)


def is_postgres_url(target: object) -> bool:
    text = str(target)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.lower() in PG_SCHEMES


def redact(text: str) -> str:
    """Any PostgreSQL URL inside `text` with its password replaced by ***."""
    text = _NETLOC_PASSWORD.sub(lambda m: m.group("head") + "***", text)
    return _QUERY_PASSWORD.sub(lambda m: m.group("head") + "***", text)


def passwords_in(url: str) -> list[str]:
    """The secrets a URL holds, so that a driver's message quoting one can be cleaned too."""
    found = [m.group("pw") for m in _NETLOC_PASSWORD.finditer(url)]
    found += [m.group("pw") for m in _QUERY_PASSWORD.finditer(url)]
    return [p for p in found if p]


def check_postgres_url(url: str) -> str:
    """Raise ValueError (one readable line, password hidden) when a PostgreSQL URL cannot be right."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"bad PostgreSQL URL {redact(url)}: {exc}") from None
    if parts.scheme.lower() not in PG_SCHEMES:
        raise ValueError(f"bad PostgreSQL URL {redact(url)}: the scheme must be postgresql://")
    query = dict(parse_qsl(parts.query))
    if not parts.hostname and not query.get("host"):
        raise ValueError(f"bad PostgreSQL URL {redact(url)}: no host (postgresql://user@host:5432/dbname)")
    if not parts.path.strip("/") and not query.get("dbname"):
        raise ValueError(f"bad PostgreSQL URL {redact(url)}: no database name (postgresql://user@host:5432/dbname)")
    return url
