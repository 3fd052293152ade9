"""SQL text of the incident store and the mapping between rows and dataclasses.

Every value reaches SQLite as a bound parameter. Filters only choose among fixed SQL fragments written
here, so nothing a chat member writes (a chat title, a name, a message) can change a query.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from typing import Any

from bot.store.dialect import SQLITE, Dialect
from bot.store.text import category, clean_text, excerpt, to_json
from bot.store.types import (
    REVIEW_STATES,
    Exemption,
    Incident,
    NewIncident,
    Sample,
    from_epoch,
    split_key,
    to_epoch,
)

INCIDENT_COLUMNS = (
    "id, source, chat_id, chat_title, message_id, author_id, author_name, text, text_len, text_hash, "
    "verdict, score, categories, findings, actions, action_results, created_at, updated_at, state, "
    "reviewed_by, reviewed_at, review_note, revision, history"
)
_I_COLUMNS = ", ".join("i." + c.strip() for c in INCIDENT_COLUMNS.split(","))

INSERT_COLUMNS = ("source", "chat_id", "chat_title", "message_id", "author_id", "author_name", "text", "text_len",
                  "text_hash", "verdict", "score", "categories", "findings", "actions", "created_at", "updated_at")
UPSERT_CHUNK = 50  # rows per statement: 50 x 16 = 800 parameters, under SQLite's historic 999 limit

# Dedupe on (source, chat_id, message_id). A redelivery or an edit that keeps the verdict and the set of
# categories changes nothing (RETURNING gives no row for it). An edit that changes them moves the old
# verdict into `history` and replaces it; the action results belong to the old verdict and go with it.
# RETURNING names the key of each row it reports: several incidents go in one statement, and the order
# of RETURNING rows is not guaranteed. Two processes recording the same message meet at the unique key:
# the second one's row becomes this same update (or nothing), never a second incident.
_UPSERT_TAIL = """
ON CONFLICT (source, chat_id, message_id) DO UPDATE SET
    history = {d.history_append},
    chat_title = excluded.chat_title, author_name = excluded.author_name,
    text = excluded.text, text_len = excluded.text_len, text_hash = excluded.text_hash,
    verdict = excluded.verdict, score = excluded.score, categories = excluded.categories,
    findings = excluded.findings, actions = excluded.actions, action_results = '[]',
    updated_at = excluded.updated_at, revision = incidents.revision + 1
WHERE incidents.verdict {d.not_same} excluded.verdict
   OR {old} {d.not_same} {new}
RETURNING source, chat_id, message_id, id, revision
"""


@lru_cache(maxsize=2 * UPSERT_CHUNK)
def upsert_sql(rows: int, dialect: Dialect = SQLITE) -> str:
    """INSERT ... ON CONFLICT for `rows` incidents in one statement (one trip to the database)."""
    one = "(" + ", ".join("?" * len(INSERT_COLUMNS)) + ")"
    tail = _UPSERT_TAIL.format(d=dialect, old=dialect.sorted_categories.format("incidents.categories"),
                               new=dialect.sorted_categories.format("excluded.categories"))
    return f"INSERT INTO incidents ({', '.join(INSERT_COLUMNS)}) VALUES {', '.join([one] * rows)}" + tail


@lru_cache(maxsize=UPSERT_CHUNK)
def find_keys_sql(rows: int) -> str:
    return ("SELECT source, chat_id, message_id, id FROM incidents WHERE (source, chat_id, message_id) IN "
            f"(VALUES {', '.join(['(?, ?, ?)'] * rows)})")


SET_RESULTS_BY_ID = "UPDATE incidents SET action_results = ? WHERE id = ?"
SET_RESULTS_BY_KEY = "UPDATE incidents SET action_results = ? WHERE source = ? AND chat_id = ? AND message_id = ?"


def incident_params(inc: NewIncident, text_mode: str, excerpt_chars: int, now: float) -> dict[str, Any]:
    """Everything record() binds, cleaned once (lone surrogates, JSON) before it is queued or written."""
    text = clean_text(inc.text)
    stored = excerpt(text, excerpt_chars) if text_mode == "excerpt" else text
    categories = list(dict.fromkeys(c for c in map(category, inc.categories) if c))
    return {
        "source": clean_text(inc.source),
        "chat_id": clean_text(inc.chat_id),
        "chat_title": clean_text(inc.chat_title),
        "message_id": clean_text(inc.message_id),
        "author_id": clean_text(inc.author_id),
        "author_name": clean_text(inc.author_name),
        "text": stored,
        "text_len": len(text),
        "text_hash": clean_text(inc.text_hash),
        "verdict": clean_text(inc.verdict),
        "score": float(inc.score),
        "categories": to_json(categories),
        "findings": to_json(list(inc.findings)),
        "actions": to_json(list(inc.actions)),
        "created_at": to_epoch(inc.created_at),
        "updated_at": now,
    }


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    chat: str | None = None  # "telegram:-1001234" or a bare chat id
    state: str | None = None  # open | confirmed | dismissed
    category: str | None = None
    author: str | None = None  # "telegram:42" or a bare user id
    verdict: str | None = None  # scam | suspicious | clean
    since: datetime | float | None = None
    until: datetime | float | None = None
    search: str | None = None  # words the message text contains (case-insensitive for ASCII), checked per row

    def __post_init__(self) -> None:
        if self.state is not None and self.state not in REVIEW_STATES:
            raise ValueError(f"state must be one of {', '.join(REVIEW_STATES)}, not {self.state!r}")


def filter_sql(f: IncidentFilter, dialect: Dialect = SQLITE) -> tuple[str, list[str], list[Any], str, str]:
    """(FROM clause, WHERE conditions, parameters, time column, id column) for a filter.

    The driving index is chosen by how narrow each filter usually is, so that a filter that is rare inside
    a big range never walks that whole range: one author's incidents are few (category checked by primary
    key), then chat + category, category + state, chat + state, one of them, or time alone.
    """
    params: list[Any] = []
    where: list[str] = []
    by_category = f.category is not None and f.author is None
    if by_category:
        source = "incident_categories c JOIN incidents i ON i.id = c.incident_id"
        where.append("c.category = ?")
        params.append(category(f.category))
        time_col, id_col, chat_col = "c.created_at", "c.incident_id", "c.chat_id"
    else:
        source = "incidents i"
        time_col, id_col, chat_col = "i.created_at", "i.id", "i.chat_id"
        if f.category is not None:
            where.append("EXISTS (SELECT 1 FROM incident_categories c WHERE c.incident_id = i.id AND c.category = ?)")
            params.append(category(f.category))
    # With an author given, the author index drives: "+" keeps the chat / state indexes out of the choice.
    plus = dialect.noindex if f.author is not None else ""
    noindex = dialect.noindex
    if f.chat is not None:
        platform, chat_id = split_key(clean_text(f.chat))
        where.append(f"{plus}{chat_col} = ?")
        params.append(chat_id)
        if platform:
            where.append("i.source = ?")
            params.append(platform)
    if f.author is not None:
        platform, author_id = split_key(clean_text(f.author))
        where.append("i.author_id = ?")
        params.append(author_id)
        if platform:
            where.append("i.source = ?")
            params.append(platform)
    if f.state is not None:
        if by_category:
            # (category, state) index, unless a chat is given: then (chat, category) is narrower and the
            # unary + keeps the planner from picking the state index instead.
            where.append(f"{noindex}c.state = ?" if f.chat is not None else "c.state = ?")
        else:
            where.append(f"{plus}i.state = ?")
        params.append(f.state)
    if f.verdict is not None:
        # Three verdicts split the log coarsely: its index (schema v4) drives only when nothing narrower is
        # given; beside a chat, author, category or state the "+" keeps the planner on that filter's index.
        narrower = any(v is not None for v in (f.chat, f.author, f.category, f.state))
        where.append(f"{noindex}i.verdict = ?" if narrower else "i.verdict = ?")
        params.append(clean_text(f.verdict))
    if f.search:
        where.append(f"i.text {dialect.like} ? ESCAPE '\\'")
        params.append("%" + re.sub(r"([%_\\])", r"\\\1", clean_text(f.search)) + "%")
    if f.since is not None:
        where.append(f"{time_col} >= ?")
        params.append(to_epoch(f.since))
    if f.until is not None:
        where.append(f"{time_col} < ?")
        params.append(to_epoch(f.until))
    return source, where, params, time_col, id_col


def select_incidents(
    f: IncidentFilter, limit: int | None, offset: int = 0, after: tuple[float, int] | None = None,
    dialect: Dialect = SQLITE,
) -> tuple[str, list[Any]]:
    """Newest first. `after` = (created_at, id) of the last row seen: keyset paging for streaming exports."""
    source, where, params, time_col, id_col = filter_sql(f, dialect)
    if after is not None:
        where.append(f"({time_col}, {id_col}) < (?, ?)")
        params.extend([float(after[0]), int(after[1])])
    sql = f"SELECT {_I_COLUMNS} FROM {source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {time_col} DESC, {id_col} DESC"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend([int(limit), int(offset)])
    return sql, params


def select_for_stats(f: IncidentFilter, dialect: Dialect = SQLITE) -> tuple[str, list[Any]]:
    """The matching incidents' id, state, verdict and time: the base of every stats count."""
    source, where, params, _, _ = filter_sql(f, dialect)
    sql = f"SELECT i.id, i.state, i.verdict, i.created_at FROM {source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, params


def _json_list(raw: str | None) -> list:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return [{"unreadable": raw}]  # keep going: one damaged row must not hide the others
    return value if isinstance(value, list) else [value]


def row_to_incident(row: Any) -> Incident:
    return Incident(
        id=row[0],
        source=row[1],
        chat_id=row[2],
        chat_title=row[3],
        message_id=row[4],
        author_id=row[5],
        author_name=row[6],
        text=row[7],
        text_len=row[8],
        text_hash=row[9],
        verdict=row[10],
        score=row[11],
        categories=tuple(str(c) for c in _json_list(row[12])),
        findings=_json_list(row[13]),
        actions=_json_list(row[14]),
        action_results=_json_list(row[15]),
        created_at=from_epoch(row[16]),
        updated_at=from_epoch(row[17]),
        state=row[18],
        reviewed_by=row[19],
        reviewed_at=from_epoch(row[20]),
        review_note=row[21],
        revision=row[22],
        history=_json_list(row[23]),
    )


SAMPLE_COLUMNS = "id, text, label, incident_id, chat_key, author_key, added_by, added_at, origin"


def row_to_sample(row: Any) -> Sample:
    return Sample(
        id=row[0],
        text=row[1],
        label=row[2],
        incident_id=row[3],
        chat_key=row[4],
        author_key=row[5],
        added_by=row[6],
        added_at=from_epoch(row[7]),
        origin=row[8],
    )


EXEMPTION_COLUMNS = "chat_key, rule_id, added_by, added_at, incident_id, note"


def row_to_exemption(row: Any) -> Exemption:
    return Exemption(
        chat_key=row[0], rule_id=row[1], added_by=row[2], added_at=from_epoch(row[3]), incident_id=row[4], note=row[5]
    )

