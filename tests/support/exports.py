"""Helpers for the scan tests: a deterministic stand-in for the engine and small export writers."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from leekguard_types import Finding, Span, Verdict

MARKER = re.compile(r"\[(scam|suspicious):(\w+)\]")


class MarkerEngine:
    """Implements Engine.analyze's contract, flagging exactly the texts that carry a `[scam:<category>]` or
    `[suspicious:<category>]` marker, with the marker as evidence: counts in these tests do not move when the
    real engine's patterns are tuned. (The real engine is exercised end to end in test_scan_cli.)"""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, str | None]] = []

    def analyze(self, text: str, *, reply_to_text: str | None = None, chat_key: str | None = None) -> Verdict:
        self.calls.append((text, reply_to_text, chat_key))
        digest = hashlib.sha256(text.encode()).hexdigest()
        found = list(MARKER.finditer(text))
        if not found:
            return Verdict("clean", 0.0, (), (), digest, "en")
        label = "scam" if any(m.group(1) == "scam" for m in found) else "suspicious"
        findings = tuple(
            Finding("pattern", m.group(2), 0.9 if m.group(1) == "scam" else 0.5, f"marker {m.group(0)} <b>",
                    "发现标记", f"test.{m.group(2)}", evidence=(Span(m.start(), m.end(), m.group(0)),))
            for m in found)
        cats = tuple(dict.fromkeys(m.group(2) for m in found))
        return Verdict(label, 0.9 if label == "scam" else 0.5, cats, findings, digest, "en")


def telegram_export(path: Path, messages: list[dict], chat_id: int = 1234567, name: str = "测试群",
                    kind: str = "private_supergroup") -> Path:
    path.write_text(json.dumps({"name": name, "type": kind, "id": chat_id, "messages": messages},
                               ensure_ascii=False, indent=1), "utf-8")
    return path


def tg_message(mid: int, text, sender: str = "某人", sender_id: str = "user1", unix: int = 1740819600,
               **extra) -> dict:
    return {"id": mid, "type": "message", "date": "2025-03-01T09:00:00", "date_unixtime": str(unix),
            "from": sender, "from_id": sender_id, "text": text, **extra}
