"""The self-contained HTML report of `leekguard scan --report FILE`.

One file, no network: inline CSS, an inline SVG chart drawn here (flagged messages over time, stacked by
category), no scripts. Every piece of exported text is HTML-escaped; links back to messages are only made for
http(s) addresses, so a crafted export cannot smuggle `javascript:` links into the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import IO
from urllib.parse import urlparse

from bot.scan.scanner import UNCATEGORISED, ScanResult, ScanSummary, as_utc
from bot.texts import category_name
from leekguard_types import CATEGORIES, Span

REPORT_MAX = 5_000  # flagged messages shown in full; the rest are counted (the CSV / JSONL rows have them all)
REPORT_MAX_CHARS = 8_000_000  # ... and at most this much message text, so memory stays bounded
PALETTE = ("#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
CHART_W, CHART_H = 880, 260
_M_LEFT, _M_RIGHT, _M_TOP, _M_BOTTOM = 48, 12, 14, 40


def category_colour(category: str) -> str:
    order = list(CATEGORIES) + [UNCATEGORISED]
    idx = order.index(category) if category in order else len(order) - 1
    return PALETTE[idx % len(PALETTE)]


def category_label(category: str) -> str:
    return f"{category_name(category, 'en')} · {category_name(category, 'zh-Hans')}"


class ReportCollector:
    """Keeps the flagged results the report will show (at most `limit`), counting the rest."""

    def __init__(self, limit: int = REPORT_MAX, max_chars: int = REPORT_MAX_CHARS) -> None:
        self.limit, self.max_chars = limit, max_chars
        self.shown: list[ScanResult] = []
        self.not_shown = 0
        self._chars = 0

    def add(self, result: ScanResult) -> None:
        if not result.flagged:
            return
        size = len(result.text) + len(result.reply_text or "")
        if len(self.shown) < self.limit and self._chars + size <= self.max_chars:
            self.shown.append(result)
            self._chars += size
        else:
            self.not_shown += 1


# ---- the chart ----

@dataclass(frozen=True, slots=True)
class Bucket:
    start: date
    label: str
    counts: Counter


def buckets(per_day: dict[date, Counter]) -> tuple[str, list[Bucket]]:
    """Group per-day counts into days, weeks or months so the chart has at most ~60 bars; empty periods kept."""
    if not per_day:
        return "day", []
    first, last = min(per_day), max(per_day)
    span = (last - first).days + 1
    if span <= 62:
        unit, key = "day", (lambda d: d)
    elif span <= 62 * 7:
        unit, key = "week", (lambda d: d - timedelta(days=d.weekday()))
    else:
        unit, key = "month", (lambda d: d.replace(day=1))
    grouped: dict[date, Counter] = {}
    for day, counts in per_day.items():
        grouped.setdefault(key(day), Counter()).update(counts)
    out: list[Bucket] = []
    cur = key(first)
    while cur <= last:
        label = cur.strftime("%Y-%m") if unit == "month" else cur.isoformat()
        out.append(Bucket(cur, label, grouped.get(cur, Counter())))
        if unit == "day":
            cur += timedelta(days=1)
        elif unit == "week":
            cur += timedelta(days=7)
        else:
            cur = (cur.replace(day=28) + timedelta(days=4)).replace(day=1)
    return unit, out


def chart_svg(per_day: dict[date, Counter]) -> str:
    """A stacked bar chart: one <rect class="bar"> per (period, category) with flagged messages in it."""
    unit, bars = buckets(per_day)
    if not bars:
        return '<p class="muted">No dated flagged messages to chart.</p>'
    peak = max(sum(b.counts.values()) for b in bars) or 1
    plot_w = CHART_W - _M_LEFT - _M_RIGHT
    plot_h = CHART_H - _M_TOP - _M_BOTTOM
    step = plot_w / len(bars)
    width = max(step * 0.8, 1.0)
    base_y = _M_TOP + plot_h
    parts = [f'<svg id="flagged-chart" xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" '
             f'viewBox="0 0 {CHART_W} {CHART_H}" role="img" '
             f'aria-label="Flagged messages per {unit}, stacked by category" data-unit="{unit}">']
    # axes and the peak gridline
    parts.append(f'<line x1="{_M_LEFT}" y1="{base_y}" x2="{CHART_W - _M_RIGHT}" y2="{base_y}" class="axis"/>')
    parts.append(f'<line x1="{_M_LEFT}" y1="{_M_TOP}" x2="{_M_LEFT}" y2="{base_y}" class="axis"/>')
    parts.append(f'<line x1="{_M_LEFT}" y1="{_M_TOP}" x2="{CHART_W - _M_RIGHT}" y2="{_M_TOP}" class="grid"/>')
    parts.append(f'<text x="{_M_LEFT - 6}" y="{_M_TOP + 4}" text-anchor="end" class="tick">{peak}</text>')
    parts.append(f'<text x="{_M_LEFT - 6}" y="{base_y}" text-anchor="end" class="tick">0</text>')
    order = list(CATEGORIES) + [UNCATEGORISED]
    for i, bucket in enumerate(bars):
        x = _M_LEFT + i * step + (step - width) / 2
        y = float(base_y)
        for cat in sorted(bucket.counts, key=lambda c: order.index(c) if c in order else len(order)):
            n = bucket.counts[cat]
            h = n / peak * plot_h
            y -= h
            parts.append(
                f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" height="{h:.2f}" '
                f'fill="{category_colour(cat)}" data-period="{escape(bucket.label)}" data-category="{escape(cat)}" '
                f'data-count="{n}"><title>{escape(bucket.label)}: {n} × {escape(category_label(cat))}</title></rect>')
    # first, middle and last period under the axis
    for i in sorted({0, len(bars) // 2, len(bars) - 1}):
        x = _M_LEFT + i * step + step / 2
        # the outer labels lean inwards so that they are never cut off at the chart's edges
        anchor = "start" if i == 0 and len(bars) > 1 else "end" if i == len(bars) - 1 and len(bars) > 1 else "middle"
        if anchor != "middle":
            x = _M_LEFT + i * step + (0 if anchor == "start" else step)
        parts.append(f'<text x="{x:.2f}" y="{base_y + 16}" text-anchor="{anchor}" class="tick">'
                     f'{escape(bars[i].label)}</text>')
    parts.append(f'<text x="{_M_LEFT + plot_w / 2:.2f}" y="{CHART_H - 4}" text-anchor="middle" class="tick">'
                 f'flagged messages per {unit} (UTC)</text>')
    parts.append("</svg>")
    used = sorted({c for b in bars for c in b.counts}, key=lambda c: order.index(c) if c in order else len(order))
    legend = "".join(f'<li><span class="swatch" style="background:{category_colour(c)}"></span>'
                     f'{escape(category_label(c))}</li>' for c in used)
    return "".join(parts) + f'<ul class="legend">{legend}</ul>'


# ---- flagged messages ----

def safe_link(url: str | None) -> str | None:
    if not url:
        return None
    try:
        scheme = urlparse(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def highlight(text: str, spans: Iterable[Span], reasons: dict[tuple[int, int], str] | None = None) -> str:
    """The text, escaped, with every evidence span in <mark>; overlapping spans are merged."""
    merged: list[list[int]] = []
    for s in sorted((s for s in spans if 0 <= s.start < s.end <= len(text)), key=lambda s: (s.start, s.end)):
        if merged and s.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], s.end)
        else:
            merged.append([s.start, s.end])
    out, pos = [], 0
    for start, end in merged:
        out.append(escape(text[pos:start]))
        title = (reasons or {}).get((start, end))
        attr = f' title="{escape(title)}"' if title else ""
        out.append(f"<mark{attr}>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _fmt_time(moment: datetime | None) -> str:
    if moment is None:
        return "time unknown"
    if moment.tzinfo is None:  # the export did not say which zone
        return moment.strftime("%Y-%m-%d %H:%M")
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def message_html(result: ScanResult) -> str:
    rec, verdict = result.record, result.verdict
    assert verdict is not None
    findings = verdict.positive_findings
    spans = [s for f in findings if f.origin == "text" for s in f.evidence]
    reasons = {(s.start, s.end): f.reason for f in findings if f.origin == "text" for s in f.evidence}
    link = safe_link(rec.link)
    sender = escape(rec.sender or "(unknown sender)")
    sender_id = f' <span class="muted">{escape(rec.sender_id)}</span>' if rec.sender_id else ""
    cats = ", ".join(escape(category_label(c)) for c in verdict.categories) or escape(category_label(UNCATEGORISED))
    where = escape(f"{rec.source} · message {rec.message_id}" + (f" · {rec.chat_title}" if rec.chat_title else ""))
    head = (f'<header><strong>{sender}</strong>{sender_id} · <time>{escape(_fmt_time(rec.time))}</time> · '
            f'<span class="verdict v-{escape(verdict.label)}">{escape(verdict.label)} {verdict.score:.2f}</span>'
            + (f' · <a href="{escape(link, quote=True)}" rel="noreferrer noopener">open message ↗</a>' if link else "")
            + "</header>")
    items = []
    for f in findings:
        quoted = ", ".join(f"“{escape(s.text)}”" for s in f.evidence)
        where_from = "" if f.origin == "text" else f' <span class="muted">({escape(f.origin)})</span>'
        items.append(f"<li>{escape(f.reason)} · {escape(f.reason_zh)}{where_from}"
                     + (f" — {quoted}" if quoted else "")
                     + f' <span class="muted">[{escape(f.rule)}]</span></li>')
    reply = ""
    if result.reply_text:
        reply = f'<blockquote class="reply">in reply to: {escape(result.reply_text[:300])}</blockquote>'
    photos = ""
    if rec.photos:
        photos = '<p class="muted">images: ' + ", ".join(escape(p) for p in rec.photos) + "</p>"
    return (f'<article class="msg v-{escape(verdict.label)}" id="m-{escape(rec.message_id, quote=True)}">{head}'
            f'<p class="where muted">{where}</p><p class="cats">{cats}</p>{reply}'
            f'<div class="text">{highlight(result.text, spans, reasons)}</div>{photos}'
            f'<ul class="reasons">{"".join(items)}</ul></article>')


# ---- the page ----

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:0 auto;max-width:960px;padding:16px;color:#222;background:#fafafa}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#777;font-size:.9em}
.axis{stroke:#444;stroke-width:1}.grid{stroke:#ddd;stroke-dasharray:3 3}.tick{font-size:11px;fill:#555}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.9em}
.swatch{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
.msg{background:#fff;border:1px solid #ddd;border-left:5px solid #ff7f0e;border-radius:4px;padding:8px 12px;
margin:10px 0}.msg.v-scam{border-left-color:#d62728}.msg header{font-size:.95em}
.where,.cats{margin:.2em 0}.text{white-space:pre-wrap;word-break:break-word;margin:.4em 0;padding:6px;
background:#f6f6f6;border-radius:3px}mark{background:#ffe066;padding:0 1px}
.verdict{font-weight:600;padding:0 5px;border-radius:3px;color:#fff;background:#ff7f0e}
.verdict.v-scam{background:#d62728}.reasons{margin:.3em 0;padding-left:1.2em;font-size:.92em}
blockquote.reply{margin:.3em 0;padding-left:8px;border-left:3px solid #ccc;color:#555;font-size:.9em}
.problems li{font-family:ui-monospace,monospace;font-size:.85em}
"""


def _rows(pairs: Iterable[tuple[str, object]]) -> str:
    return "".join(f'<tr><th>{escape(str(k))}</th><td class="n">{escape(str(v))}</td></tr>' for k, v in pairs)


def render(summary: ScanSummary, collector: ReportCollector, generated: datetime | None = None) -> str:
    generated = generated or datetime.now(timezone.utc)
    s = summary
    overview = _rows([
        ("messages read", s.messages), ("analysed", s.analysed), ("no text (stickers, media)", s.no_text),
        ("service notices (not analysed)", s.service), ("flagged", s.flagged),
        ("scam", s.by_verdict.get("scam", 0)), ("suspicious", s.by_verdict.get("suspicious", 0)),
        ("first flagged", _fmt_time(s.first_flagged) if s.first_flagged else "—"),
        ("last flagged", _fmt_time(s.last_flagged) if s.last_flagged else "—"),
    ])
    cats = _rows((category_label(c), n) for c, n in s.by_category.most_common())
    senders = "".join(f'<tr><td>{escape(name)}</td><td class="muted">{escape(key) if key != name else ""}</td>'
                      f'<td class="n">{n}</td></tr>' for key, name, n in s.top_senders(10))
    files = "".join(f'<tr><td>{escape(f.path)}</td><td>{escape(f.format)}</td><td class="n">{f.messages}</td>'
                    f'<td class="n">{f.flagged}</td><td>{"" if f.complete else "incomplete"}</td></tr>'
                    for f in s.files.values())
    problems = ""
    if s.problem_count:
        more = s.problem_count - len(s.problems)
        problems = ('<h2>Problems reading the input</h2><ul class="problems">'
                    + "".join(f"<li>{escape(str(p))}</li>" for p in s.problems)
                    + (f"<li>… and {more} more</li>" if more > 0 else "") + "</ul>")
    listing = "".join(message_html(r) for r in collector.shown)
    if collector.not_shown:
        listing += (f'<p class="muted">{collector.not_shown} more flagged messages are not shown here; '
                    f"use --csv or --jsonl for every row.</p>")
    if not collector.shown:
        listing = '<p class="muted">Nothing was flagged.</p>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>LeekGuard scan report</title><style>{_CSS}</style></head>
<body>
<h1>LeekGuard scan report</h1>
<p class="muted">Generated {escape(generated.strftime("%Y-%m-%d %H:%M UTC"))}. Verdicts come from LeekGuard's
detection engine; every flagged message lists the evidence it found. Review before acting.</p>
<h2>Summary</h2><table id="summary">{overview}</table>
<h2>Flagged per category</h2><table id="categories">{cats or '<tr><td class="muted">none</td></tr>'}</table>
<h2>Flagged over time</h2>{chart_svg(s.per_day)}
{f'<p class="muted">{s.flagged_undated} flagged messages had no time and are not charted.</p>'
 if s.flagged_undated else ''}
<h2>Top senders of flagged messages</h2><table id="senders">{senders or '<tr><td class="muted">none</td></tr>'}</table>
<h2>Files</h2><table id="files"><tr><th>file</th><th>format</th><th>messages</th><th>flagged</th><th></th></tr>
{files}</table>
{problems}
<h2>Flagged messages</h2><section id="flagged">{listing}</section>
</body></html>
"""


def write_report(out: IO[str], summary: ScanSummary, collector: ReportCollector) -> None:
    out.write(render(summary, collector))
