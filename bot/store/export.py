"""Streaming export of incidents as CSV or JSON Lines: one page of rows in memory at a time.

JSONL is the exact record (every field, as stored). CSV is for spreadsheets: by default, free-text cells
that a chat member controls and that start with = + - @ (or a tab / carriage return) get a leading
apostrophe, so a spreadsheet shows them as text instead of running them as formulas (CSV injection).
`formula_guard=False` writes them untouched.
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from bot.store.sql import IncidentFilter
from bot.store.types import Incident

CSV_COLUMNS = ["id", "created_at", "source", "chat_id", "chat_title", "message_id", "author_id", "author_name",
               "verdict", "score", "categories", "rules", "state", "reviewed_by", "reviewed_at", "review_note",
               "text_len", "text_hash", "text", "actions", "action_results", "revision", "updated_at"]
_FREE_TEXT = {"chat_title", "author_name", "review_note", "reviewed_by", "text"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_row(inc: Incident, formula_guard: bool = True) -> list[str]:
    d = inc.to_dict()
    d["categories"] = ";".join(inc.categories)
    d["rules"] = ";".join(inc.rules)
    d["actions"] = json.dumps(inc.actions, ensure_ascii=False)
    d["action_results"] = json.dumps(inc.action_results, ensure_ascii=False)
    row = []
    for col in CSV_COLUMNS:
        value: Any = d.get(col)
        cell = "" if value is None else str(value)
        if formula_guard and col in _FREE_TEXT and cell.startswith(_FORMULA_START):
            cell = "'" + cell
        row.append(cell)
    return row


async def export_incidents(store: Any, out: TextIO, fmt: str, f: IncidentFilter | None = None, *,
                           limit: int | None = None, formula_guard: bool = True) -> int:
    """Write matching incidents (newest first) to `out`; returns how many. `out` is opened with newline=''."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be csv or jsonl, not {fmt!r}")
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    n = 0
    async for inc in store.iter_incidents(f, limit=limit):
        if writer is not None:
            writer.writerow(csv_row(inc, formula_guard))
        else:
            out.write(json.dumps(inc.to_dict(), ensure_ascii=False) + "\n")
        n += 1
    return n
