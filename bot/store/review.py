"""Review, learned samples, rule exemptions and chat settings: statements run inside a store transaction.

Each function takes a connection on which the caller already began a write transaction (or, for reads,
any connection) and does one job. Samples and exemptions written here are what `bot.learning` applies to
the engine; they live in their own tables, apart from the shipped seeds.
"""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from bot.store.sql import (
    EXEMPTION_COLUMNS,
    INCIDENT_COLUMNS,
    SAMPLE_COLUMNS,
    row_to_exemption,
    row_to_incident,
    row_to_sample,
)
from bot.store.text import clean_opt, clean_text, to_json
from bot.store.types import Exemption, Incident, NotFound, ReviewResult, Sample, from_epoch

DECISIONS = {"confirm": "confirmed", "confirmed": "confirmed", "dismiss": "dismissed", "dismissed": "dismissed",
             "open": "open", "reopen": "open"}
LABEL_FOR_STATE = {"confirmed": "scam", "dismissed": "clean"}


async def fetch_incident(conn: aiosqlite.Connection, incident_id: int) -> Incident | None:
    async with conn.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (int(incident_id),)) as cur:
        row = await cur.fetchone()
    return row_to_incident(row) if row else None


async def fetch_sample_for(conn: aiosqlite.Connection, incident_id: int) -> Sample | None:
    async with conn.execute(f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE incident_id = ?", (incident_id,)) as cur:
        row = await cur.fetchone()
    return row_to_sample(row) if row else None


async def insert_sample(
    conn: aiosqlite.Connection,
    text: str,
    label: str,
    now: float,
    *,
    incident_id: int | None = None,
    chat_key: str | None = None,
    author_key: str | None = None,
    by: str | None = None,
    origin: str = "manual",
) -> Sample:
    if label not in ("scam", "clean"):
        raise ValueError(f"sample label must be 'scam' or 'clean', not {label!r}")
    sql = f"""INSERT INTO samples (text, label, incident_id, chat_key, author_key, added_by, added_at, origin)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (incident_id) DO UPDATE SET text = excluded.text, label = excluded.label,
                  added_by = excluded.added_by, added_at = excluded.added_at, origin = excluded.origin
              RETURNING {SAMPLE_COLUMNS}"""
    params = (clean_text(text), label, incident_id, clean_opt(chat_key), clean_opt(author_key), clean_opt(by), now,
              origin)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return row_to_sample(row)


async def review(
    conn: aiosqlite.Connection, incident_id: int, decision: str, now: float, *, by: str | None, note: str | None,
    learn: bool = True,
) -> ReviewResult:
    state = DECISIONS.get(str(decision).lower())
    if state is None:
        raise ValueError(f"decision must be confirm, dismiss or open, not {decision!r}")
    before = await fetch_incident(conn, incident_id)
    if before is None:
        raise NotFound(f"no incident #{incident_id}")
    await conn.execute("INSERT INTO reviews (incident_id, state, reviewed_by, note, at) VALUES (?, ?, ?, ?, ?)",
                       (before.id, state, clean_opt(by), clean_opt(note), now))
    if state == "open":
        by, note, at = None, None, None
    else:
        at = now
    await conn.execute(
        "UPDATE incidents SET state = ?, reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ?",
        (state, clean_opt(by), at, clean_opt(note), before.id),
    )
    sample = replaced = None
    if learn:
        old = await fetch_sample_for(conn, before.id)
        label = LABEL_FOR_STATE.get(state)
        if old is not None and old.label != label:
            await conn.execute("DELETE FROM samples WHERE id = ?", (old.id,))
            replaced = old
        if label and before.text and (old is None or old.label != label):
            sample = await insert_sample(
                conn, before.text, label, now, incident_id=before.id, chat_key=before.chat_key,
                author_key=before.author_key, by=by, origin="review",
            )
    after = await fetch_incident(conn, before.id)
    assert after is not None
    return ReviewResult(incident=after, previous_state=before.state, sample=sample, replaced=replaced)


async def review_log(conn: aiosqlite.Connection, incident_id: int) -> list[dict[str, Any]]:
    """Every review of an incident, oldest first: state, reviewed_by, note, at (a datetime)."""
    sql = "SELECT state, reviewed_by, note, at FROM reviews WHERE incident_id = ? ORDER BY id"
    async with conn.execute(sql, (int(incident_id),)) as cur:
        return [{"state": r[0], "reviewed_by": r[1], "note": r[2], "at": from_epoch(r[3])} async for r in cur]


async def list_samples(
    conn: aiosqlite.Connection, label: str | None = None, after_id: int | None = None
) -> list[Sample]:
    sql = f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE (? IS NULL OR label = ?) AND id > ? ORDER BY id"
    async with conn.execute(sql, (label, label, int(after_id or 0))) as cur:
        return [row_to_sample(r) async for r in cur]


async def remove_sample(conn: aiosqlite.Connection, sample_id: int) -> Sample | None:
    async with conn.execute(f"DELETE FROM samples WHERE id = ? RETURNING {SAMPLE_COLUMNS}", (int(sample_id),)) as cur:
        row = await cur.fetchone()
    return row_to_sample(row) if row else None


async def add_exemption(
    conn: aiosqlite.Connection, chat_key: str, rule_id: str, now: float, *, by: str | None,
    incident_id: int | None, note: str | None,
) -> Exemption:
    sql = f"""INSERT INTO rule_exemptions (chat_key, rule_id, added_by, added_at, incident_id, note)
              VALUES (?, ?, ?, ?, ?, ?)
              ON CONFLICT (chat_key, rule_id) DO UPDATE SET added_by = excluded.added_by,
                  added_at = excluded.added_at, incident_id = excluded.incident_id, note = excluded.note
              RETURNING {EXEMPTION_COLUMNS}"""
    params = (clean_text(chat_key), clean_text(rule_id), clean_opt(by), now, incident_id, clean_opt(note))
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return row_to_exemption(row)


async def list_exemptions(conn: aiosqlite.Connection, chat_key: str | None = None) -> list[Exemption]:
    sql = f"SELECT {EXEMPTION_COLUMNS} FROM rule_exemptions WHERE (? IS NULL OR chat_key = ?) ORDER BY chat_key, rule_id"
    key = clean_opt(chat_key)
    async with conn.execute(sql, (key, key)) as cur:
        return [row_to_exemption(r) async for r in cur]


async def remove_exemption(conn: aiosqlite.Connection, chat_key: str, rule_id: str) -> bool:
    async with conn.execute(
        "DELETE FROM rule_exemptions WHERE chat_key = ? AND rule_id = ? RETURNING rule_id",
        (clean_text(chat_key), clean_text(rule_id)),
    ) as cur:
        return await cur.fetchone() is not None


async def get_chat_settings(conn: aiosqlite.Connection, chat_key: str) -> dict | None:
    async with conn.execute("SELECT settings FROM chat_settings WHERE chat_key = ?", (clean_text(chat_key),)) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    value: Any = json.loads(row[0])
    return value if isinstance(value, dict) else None


async def set_chat_settings(
    conn: aiosqlite.Connection, chat_key: str, settings: dict, now: float, by: str | None = None
) -> None:
    if not isinstance(settings, dict):
        raise ValueError("chat settings must be a mapping")
    await conn.execute(
        """INSERT INTO chat_settings (chat_key, settings, updated_at, updated_by) VALUES (?, ?, ?, ?)
           ON CONFLICT (chat_key) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at,
               updated_by = excluded.updated_by""",
        (clean_text(chat_key), to_json(settings), now, clean_opt(by)),
    )
