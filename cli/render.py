"""Rich renderings of incidents, stats and samples for the `leekguard incidents / samples` commands.

Chat members write the texts shown here, so they are never parsed as rich markup (Text objects only) and
characters that could act on the admin's terminal or hide what is shown are made visible: control
characters (ESC sequences included) become \\x1b-style escapes, bidi overrides become <U+202E>. Everything
else, Chinese, emoji and odd letters included, is shown as written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.store.types import Incident, Sample

_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
STYLE = {"scam": "bold red", "suspicious": "yellow", "clean": "green",
         "open": "cyan", "confirmed": "red", "dismissed": "green"}


def _escape(ch: str) -> str:
    cp = ord(ch)
    if cp in _BIDI:
        return f"<U+{cp:04X}>"
    return f"\\x{cp:02x}"


def safe(text: Any, *, one_line: bool = False) -> str:
    """Text as written, minus what could act on a terminal. one_line: newlines and tabs shown as spaces."""
    s = "" if text is None else str(text)
    if one_line:
        s = " ".join(s.split())
    return _UNSAFE.sub(lambda m: _escape(m.group()), s)


def when(d: datetime | None) -> str:
    """Local time of the admin's machine."""
    return d.astimezone().strftime("%Y-%m-%d %H:%M") if d else ""


def _short(text: str, width: int) -> str:
    text = safe(text, one_line=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def incidents_table(incidents: Iterable[Incident], title: str = "") -> Table:
    """One row per incident; lean enough that the message text keeps room in an 80-column terminal."""
    table = Table(title=title or None, header_style="bold", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("chat / author", overflow="fold", max_width=16)
    table.add_column("verdict", overflow="fold", max_width=12)
    table.add_column("state", no_wrap=True)
    table.add_column("text", overflow="fold", min_width=16, ratio=1)
    for inc in incidents:
        who = Text(_short(f"{inc.chat_key} {inc.chat_title}".strip(), 40) + "\n")
        who.append(_short(f"{inc.author_id} {inc.author_name}".strip(), 40), style="dim")
        verdict = Text(f"{inc.verdict} {inc.score:.2f}", style=STYLE.get(inc.verdict, ""))
        if inc.categories:
            verdict.append("\n" + ", ".join(inc.categories), style="dim")
        table.add_row(str(inc.id), inc.created_at.astimezone().strftime("%m-%d %H:%M"), who, verdict,
                      Text(inc.state, style=STYLE.get(inc.state, "")), Text(_short(inc.text, 160)))
    return table


def evidence_spans(inc: Incident) -> list[tuple[int, int]]:
    """Where the evidence of text findings sits in the stored text; spans that no longer match (an
    excerpt, an edit) are looked up by their quoted text instead, or left out."""
    spans: list[tuple[int, int]] = []
    for f in inc.findings:
        if f.get("origin", "text") != "text":
            continue
        for ev in f.get("evidence") or []:
            try:
                start, end, quoted = int(ev.get("start", -1)), int(ev.get("end", -1)), str(ev.get("text", ""))
            except (TypeError, ValueError, AttributeError):
                continue
            if quoted and inc.text[start:end] != quoted:
                start = inc.text.find(quoted)
                end = start + len(quoted)
            if 0 <= start < end <= len(inc.text):
                spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlighted(text: str, spans: list[tuple[int, int]]) -> Text:
    out, pos = Text(), 0
    for start, end in spans:
        out.append(safe(text[pos:start]))
        out.append(safe(text[start:end]), style="bold black on yellow")
        pos = end
    out.append(safe(text[pos:]))
    return out


def incident_detail(inc: Incident) -> Group:
    head = Text.assemble(
        (f"Incident #{inc.id}  ", "bold"), (inc.verdict, STYLE.get(inc.verdict, "")), f"  score {inc.score:.2f}  ",
        (f"[{inc.state}]", STYLE.get(inc.state, "")),
    )
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = [
        ("chat", f"{inc.chat_key}  {safe(inc.chat_title, one_line=True)}"),
        ("message", inc.message_id),
        ("author", f"{inc.author_key}  {safe(inc.author_name, one_line=True)}"),
        ("created", f"{when(inc.created_at)}   updated {when(inc.updated_at)}"
                    + (f"   edited {inc.revision}x" if inc.revision else "")),
        ("categories", ", ".join(inc.categories) or "-"),
        ("text hash", inc.text_hash or "-"),
        ("rules", ", ".join(inc.rules) or "-"),
        ("exemptable", ", ".join(inc.exemptable_rules) or "-"),
    ]
    if inc.state != "open":
        rows.append(("review", f"{inc.state} by {safe(inc.reviewed_by or '?', one_line=True)} "
                               f"at {when(inc.reviewed_at)}" + (f": {safe(inc.review_note)}" if inc.review_note else "")))
    for name, value in rows:
        facts.add_row(name, Text(safe(value)))
    note = f"excerpt: {len(inc.text)} of {inc.text_len} characters kept" if inc.is_excerpt else ""
    text_panel = Panel(highlighted(inc.text, evidence_spans(inc)), title="message (evidence highlighted)",
                       subtitle=note or None, title_align="left")
    parts: list[Any] = [head, facts, text_panel, findings_table(inc.findings)]
    if inc.actions or inc.action_results:
        parts.append(actions_table(inc.actions, inc.action_results))
    if inc.history:
        hist = Table(title="earlier verdicts (the message was edited)", header_style="bold")
        for col in ("at", "verdict", "score", "categories", "text"):
            hist.add_column(col)
        for h in inc.history:
            at = datetime.fromtimestamp(float(h.get("at") or 0)).strftime("%Y-%m-%d %H:%M")
            hist.add_row(at, str(h.get("verdict", "")), f"{float(h.get('score') or 0):.2f}",
                         ", ".join(map(str, h.get("categories") or [])), Text(_short(str(h.get("text", "")), 60)))
        parts.append(hist)
    return Group(*parts)


def findings_table(findings: list[dict]) -> Table:
    table = Table(title="findings", header_style="bold", show_lines=True)
    fold = {"overflow": "fold"}
    for col, kw in [("score", {"justify": "right", "no_wrap": True}), ("detector", fold), ("category", fold),
                    ("rule", fold), ("why", {"ratio": 2}), ("evidence", {"ratio": 1, **fold}), ("source", fold)]:
        table.add_column(col, **kw)
    for f in sorted(findings, key=lambda f: -float(f.get("score") or 0)):
        evidence = " | ".join(str(e.get("text", "")) for e in f.get("evidence") or [] if isinstance(e, dict))
        why = "\n".join(x for x in (f.get("reason"), f.get("reason_zh")) if x)
        score = float(f.get("score") or 0)
        table.add_row(f"{score:+.2f}", safe(f.get("detector", "")), safe(f.get("category", "")),
                      Text(safe(f.get("rule", ""))), Text(safe(why)),
                      Text(safe(evidence, one_line=True), style="bold" if score > 0 else ""),
                      Text(safe(f.get("source", ""))))
    return table


def actions_table(actions: list[dict], results: list[dict]) -> Table:
    table = Table(title="actions", header_style="bold")
    for col in ("decided", "outcome", "detail"):
        table.add_column(col)
    for i in range(max(len(actions), len(results))):
        a = actions[i] if i < len(actions) else {}
        r = results[i] if i < len(results) else {}
        name = a.get("action") or r.get("action") or "?"
        if a.get("seconds"):
            name += f" {a['seconds']}s"
        status = r.get("status", "not carried out yet")
        table.add_row(name, Text(status, style={"failed": "red", "done": "green"}.get(status, "")),
                      Text(safe(r.get("detail", ""))))
    return table


def stats_tables(stats: dict, max_days: int = 31) -> Group:
    def counts(title: str, data: dict[str, int], first: str) -> Table:
        t = Table(title=title, header_style="bold")
        t.add_column(first)
        t.add_column("incidents", justify="right")
        for k, n in data.items():
            t.add_row(Text(safe(k)), str(n))
        return t

    days = dict(list(stats["by_day"].items())[:max_days])
    parts: list[Any] = [Text(f"{stats['total']} incidents", style="bold"),
                        counts("per category", stats["by_category"], "category"),
                        counts("per state", stats["by_state"], "state"),
                        counts("per verdict", stats["by_verdict"], "verdict"),
                        counts("per day (UTC)", days, "day")]
    if len(stats["by_day"]) > max_days:
        parts.append(Text(f"({len(stats['by_day']) - max_days} earlier days not shown: use --since or --json)"))
    return Group(*parts)


def samples_table(samples: Iterable[Sample]) -> Table:
    table = Table(title="learned samples (from admin reviews; the shipped seeds are not listed)",
                  header_style="bold")
    for col, kw in [("ID", {"justify": "right"}), ("label", {}), ("incident", {"justify": "right"}),
                    ("chat", {}), ("by", {}), ("added", {}), ("text", {"ratio": 1})]:
        table.add_column(col, **kw)
    for s in samples:
        table.add_row(str(s.id), Text(s.label, style=STYLE["scam"] if s.label == "scam" else "green"),
                      str(s.incident_id or ""), Text(safe(s.chat_key or "")), Text(safe(s.added_by or "")),
                      when(s.added_at), Text(_short(s.text, 80)))
    return table

