"""The filtered set as a CSV or JSON Lines download, streamed a page of rows at a time."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, AsyncIterator

from bot.store.export import CSV_COLUMNS, csv_row
from bot.store.sql import IncidentFilter

MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


async def lines(store: Any, f: IncidentFilter, fmt: str) -> AsyncIterator[str]:
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        buf.write("\ufeff")  # spreadsheets read the Chinese right
        writer.writerow(CSV_COLUMNS)
        async for inc in store.iter_incidents(f):
            writer.writerow(csv_row(inc))  # formula guard on: cells a member wrote never run as formulas
            if buf.tell() > 64_000:
                yield buf.getvalue()
                buf.seek(0), buf.truncate()
        yield buf.getvalue()
    else:
        async for inc in store.iter_incidents(f):
            yield json.dumps(inc.to_dict(), ensure_ascii=False) + "\n"
