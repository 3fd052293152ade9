"""Helpers for the incident store tests: an incident factory and a store opened on a temp file."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.store.types import NewIncident

_ids = itertools.count(1)

SCAM_TEXT = "Sora内测账号 只要299 加V私聊 chatgpt plus 永久会员"


def finding(rule: str = "fake_access.sora_account", start: int = 0, end: int = 8, text: str = "Sora内测账号",
            score: float = 0.6, category: str = "fake_access", detector: str = "pattern") -> dict:
    return {"detector": detector, "category": category, "score": score, "reason": "Sells access",
            "reason_zh": "售卖账号", "rule": rule, "source": "seed.md",
            "evidence": [{"start": start, "end": end, "text": text}], "origin": "text"}


def incident(**kw) -> NewIncident:
    """A scam incident in telegram chat -100 by user 42; any field can be overridden."""
    base = dict(source="telegram", chat_id="-100", chat_title="AI 交流群", message_id=str(next(_ids)),
                author_id="42", author_name="韭菜收割机", text=SCAM_TEXT, text_hash="h-" + SCAM_TEXT[:4],
                verdict="scam", score=0.9, categories=("fake_access",), findings=[finding()],
                actions=[{"action": "warn", "seconds": None, "silent": False}])
    base.update(kw)
    return NewIncident(**base)


def days_ago(n: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=n)


def count_rows(path: Path | str, table: str = "incidents") -> int:
    """Rows in a table, read straight from the database: a SQLite file or a PostgreSQL URL."""
    if str(path).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(path)) as pg:
            return pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()
