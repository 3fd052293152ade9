"""Query parameters (the page's filter form, the API's query string) -> an IncidentFilter and a page cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Mapping
from urllib.parse import urlencode

from bot.store.sql import IncidentFilter

FIELDS = ("chat", "verdict", "category", "state", "since", "until", "q")
VERDICTS = ("scam", "suspicious", "clean")
PAGE_SIZE = 50


class BadQuery(ValueError):
    pass


def _day(value: str, name: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise BadQuery(f"{name}: a date like 2026-12-01, not {value!r}") from None


@dataclass(frozen=True)
class Query:
    values: dict[str, str]  # the non-empty filter fields, as given
    filter: IncidentFilter
    after: tuple[float, int] | None
    limit: int

    def link(self, **extra: str) -> str:
        """The query string of this filter (plus extra parameters), for page and export links."""
        return urlencode({**self.values, **extra})


def parse(params: Mapping[str, str], max_limit: int = 500) -> Query:
    values = {k: str(params[k]).strip() for k in FIELDS if str(params.get(k) or "").strip()}
    if values.get("verdict") and values["verdict"] not in VERDICTS:
        raise BadQuery(f"verdict: one of {', '.join(VERDICTS)}")
    since = _day(values["since"], "since") if "since" in values else None
    # until is a whole day: everything up to its end
    until = _day(values["until"], "until") + timedelta(days=1) if "until" in values else None
    try:
        f = IncidentFilter(chat=values.get("chat"), verdict=values.get("verdict"), category=values.get("category"),
                           state=values.get("state"), since=since, until=until, search=values.get("q"))
    except ValueError as exc:
        raise BadQuery(str(exc)) from None
    after = None
    if params.get("after"):
        at, _, ident = str(params["after"]).partition(":")
        try:
            after = (float(at), int(ident))
        except ValueError:
            raise BadQuery("after: created_at:id of the last incident seen") from None
    try:
        limit = max(1, min(int(params.get("limit") or PAGE_SIZE), max_limit))
    except ValueError:
        raise BadQuery("limit: a number") from None
    return Query(values, f, after, limit)


async def fetch(store, q: Query) -> tuple[list, str | None]:
    """One page (newest first) and the cursor of the next page (None on the last)."""
    f = q.filter
    rows = await store.list(chat=f.chat, state=f.state, category=f.category, verdict=f.verdict, since=f.since,
                            until=f.until, search=f.search, after=q.after, limit=q.limit + 1)
    page = rows[:q.limit]
    nxt = f"{page[-1].created_at.timestamp()!r}:{page[-1].id}" if len(rows) > q.limit else None
    return page, nxt
