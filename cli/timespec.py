"""Human time specs for filters and retention: "90d", "12h", "2w" (ages) and "2026-11-01" (dates)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> timedelta:
    """'90d' -> 90 days. Units: s, m, h, d, w."""
    m = _AGE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not an age (examples: 90d, 12h, 2w)")
    return timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2).lower()])


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An age ('7d' = 7 days ago), a date ('2026-11-01', UTC midnight) or an ISO date-time (UTC if naive)."""
    now = now or datetime.now(timezone.utc)
    if _AGE.match(str(text)):
        return now - parse_age(text)
    try:
        if len(text.strip()) == 10:
            d = date.fromisoformat(text.strip())
            return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither an age (7d, 12h) nor a date (2026-11-01)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
