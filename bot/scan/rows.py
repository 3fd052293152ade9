"""Scan results as data rows: `leekguard scan --csv FILE` / `--jsonl FILE`, written as the scan goes."""

from __future__ import annotations

import csv
import json
from typing import IO

from bot.scan.scanner import ScanResult

COLUMNS = ("source", "message_id", "sender", "time", "verdict", "score", "categories", "evidence",
           "sender_id", "chat_id", "link", "text")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def evidence(result: ScanResult) -> list[str]:
    """The quoted words that made the verdict, each once, in the order the engine found them."""
    seen: dict[str, None] = {}
    if result.verdict is not None:
        for finding in result.verdict.positive_findings:
            for span in finding.evidence:
                if span.text.strip():
                    seen.setdefault(span.text, None)
    return list(seen)


def row(result: ScanResult) -> dict:
    rec, verdict = result.record, result.verdict
    return {
        "source": rec.source,
        "message_id": rec.message_id,
        "sender": rec.sender,
        "time": rec.time.isoformat() if rec.time else "",
        "verdict": verdict.label if verdict else "not analysed",
        "score": round(verdict.score, 4) if verdict else None,
        "categories": list(verdict.categories) if verdict else [],
        "evidence": evidence(result),
        "sender_id": rec.sender_id,
        "chat_id": rec.chat_id,
        "link": rec.link or "",
        "text": rec.text,
    }


def wanted(result: ScanResult, include_all: bool) -> bool:
    if result.record.service:
        return False
    return include_all or result.flagged


def _cell(value: str) -> str:
    # exported chat text is attacker-controlled: keep spreadsheets from running it as a formula
    if not value.startswith(_FORMULA_START):
        return value
    try:
        float(value)
        return value  # "-42" is a number, not a formula
    except ValueError:
        return "'" + value


class CsvRows:
    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=COLUMNS)
        self._writer.writeheader()

    def write(self, result: ScanResult) -> None:
        r = row(result)
        r["categories"] = ";".join(r["categories"])
        r["evidence"] = " | ".join(r["evidence"])
        r["score"] = "" if r["score"] is None else f"{r['score']:.4f}"
        for key in ("source", "sender", "evidence", "text", "message_id", "sender_id"):
            r[key] = _cell(r[key])
        self._writer.writerow(r)


class JsonlRows:
    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, result: ScanResult) -> None:
        self._out.write(json.dumps(row(result), ensure_ascii=False) + "\n")
