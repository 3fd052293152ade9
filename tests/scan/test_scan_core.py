"""Scanner, summary, rows and report, with a deterministic engine stand-in (tests/support/exports.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from pathlib import Path

from adapters.exports import ExportRecord, open_export
from bot.scan.pool import EnginePool
from bot.scan.report import ReportCollector, buckets, chart_svg, highlight, render
from bot.scan.rows import CsvRows, JsonlRows
from bot.scan.scanner import Scanner, ScanSummary
from leekguard_types import Span
from tests.support.exports import MarkerEngine, telegram_export, tg_message

DATA = Path(__file__).parent / "data" / "exports"
DAY = 86400
T0 = 1740819600  # 2025-03-01 09:00 UTC


def scan_all(engine, *paths) -> tuple[ScanSummary, list]:
    summary, results = ScanSummary(), []
    scanner = Scanner(engine)
    for path in paths:
        export = open_export(str(path))
        summary.add_file(export.path, export.format)
        for item in scanner.scan(export):
            summary.add(item)
            results.append(item)
    return summary, results


def test_replies_are_judged_with_the_text_they_answer():
    engine = MarkerEngine()
    scan_all(engine, DATA / "telegram_result.json")
    calls = {text: (reply, key) for text, reply, key in engine.calls}
    reply_text, key = calls["真的假的？怎么加"]
    assert reply_text.startswith("ChatGPT Plus 国内直连") and key == "telegram:-1001987654321"
    # service notices and the text-less sticker never reach the engine
    assert len(engine.calls) == 5


def test_summary_counts_categories_senders_and_times(tmp_path):
    path = telegram_export(tmp_path / "result.json", [
        tg_message(1, "hello", unix=T0),
        tg_message(2, ["买课 ", {"type": "bold", "text": "[scam:paid_course]"}], "张老师", "user9", unix=T0 + DAY),
        tg_message(3, "[scam:paid_course] again", "张老师", "user9", unix=T0 + 2 * DAY),
        tg_message(4, "[suspicious:fake_api] [scam:fake_access]", "李四", "user8", unix=T0 + 2 * DAY + 60),
        tg_message(5, "", sticker_emoji="👍", media_type="sticker"),
        {"id": 6, "type": "service", "date": "2025-03-04T00:00:00", "actor": "a", "action": "pin_message",
         "text": ""},
    ])
    summary, _ = scan_all(MarkerEngine(), path)
    assert (summary.messages, summary.analysed, summary.no_text, summary.service) == (5, 4, 1, 1)
    assert summary.flagged == 3
    assert summary.by_verdict == {"scam": 3}
    assert summary.by_category == {"paid_course": 2, "fake_api": 1, "fake_access": 1}
    assert summary.top_senders() == [("user9", "张老师", 2), ("user8", "李四", 1)]
    assert summary.first_flagged == datetime.fromtimestamp(T0 + DAY, timezone.utc)
    assert summary.last_flagged == datetime.fromtimestamp(T0 + 2 * DAY + 60, timezone.utc)
    # the chart counts each flagged message once, under its first category
    assert summary.per_day == {date(2025, 3, 2): {"paid_course": 1},
                               date(2025, 3, 3): {"paid_course": 1, "fake_api": 1}}
    assert summary.files[str(path)].flagged == 3 and not summary.had_errors


def test_rows_csv_and_jsonl(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a1", "text": "fine", "sender": "ok"},
        {"id": "a2", "text": "buy [scam:fake_access] now", "sender": "=HYPERLINK(\"http://x\")", "sender_id": "u2",
         "time": "2025-03-01T10:00:00+08:00", "link": "https://example.org/a2"},
    ]), "utf-8")
    _, results = scan_all(MarkerEngine(), path)
    out = io.StringIO()
    rows = CsvRows(out)
    for r in results:
        if r.flagged:
            rows.write(r)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["source"] == str(path) and row["message_id"] == "a2"
    assert row["sender"] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet will not run it
    assert (row["verdict"], row["score"], row["categories"]) == ("scam", "0.9000", "fake_access")
    assert row["evidence"] == "[scam:fake_access]" and row["time"] == "2025-03-01T10:00:00+08:00"
    assert row["link"] == "https://example.org/a2"
    out = io.StringIO()
    rows = JsonlRows(out)
    for r in results:
        rows.write(r)
    first, second = [json.loads(line) for line in out.getvalue().splitlines()]
    assert first["verdict"] == "clean" and first["evidence"] == [] and first["categories"] == []
    assert second["sender"] == "=HYPERLINK(\"http://x\")"  # JSON keeps data as it was
    assert second["categories"] == ["fake_access"] and second["score"] == 0.9


def test_highlight_escapes_and_merges_spans():
    text = "<b>买</b> & 加微信 abc"
    spans = [Span(0, 3, "<b>"), Span(2, 4, ">买"), Span(15, 18, "abc"), Span(40, 50, "out of range")]
    assert highlight(text, spans) == "<mark>&lt;b&gt;买</mark>&lt;/b&gt; &amp; 加微信 <mark>abc</mark>"


def test_buckets_switch_from_days_to_weeks_to_months():
    unit, bars = buckets({date(2025, 1, 1): {"a": 1}, date(2025, 1, 3): {"b": 2}})
    assert unit == "day" and [b.label for b in bars] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    unit, bars = buckets({date(2025, 1, 1): {"a": 1}, date(2025, 3, 20): {"a": 1}})
    assert unit == "week" and bars[0].label == "2024-12-30" and len(bars) == 12
    unit, bars = buckets({date(2023, 11, 15): {"a": 1}, date(2025, 6, 2): {"a": 2}, date(2025, 6, 30): {"b": 1}})
    assert unit == "month" and [b.label for b in bars][:3] == ["2023-11", "2023-12", "2024-01"] and len(bars) == 20
    assert bars[-1].counts == {"a": 2, "b": 1}


def test_chart_has_one_bar_per_period_and_category():
    svg = chart_svg({date(2025, 3, 1): {"paid_course": 2, "fake_api": 1}, date(2025, 3, 3): {"paid_course": 4}})
    assert svg.count('<rect class="bar"') == 3
    assert 'data-period="2025-03-03" data-category="paid_course" data-count="4"' in svg
    assert chart_svg({}).startswith("<p")


def test_report_escapes_exported_text_and_refuses_script_links(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({
        "id": "x\"><script>alert(1)</script>", "sender": "<img src=x onerror=alert(2)>",
        "text": "<script>alert(3)</script> [scam:fake_access]", "link": "javascript:alert(4)",
        "time": "2025-03-01T10:00:00Z"}) + "\n" + json.dumps({
        "id": "ok", "text": "[suspicious:paid_course]", "link": "https://t.me/c/1/2", "time": 1740823200}),
        "utf-8")
    summary, results = scan_all(MarkerEngine(), path)
    collector = ReportCollector()
    for r in results:
        collector.add(r)
    page = render(summary, collector)
    assert "<script" not in page and "<img" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt; <mark" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert 'href="https://t.me/c/1/2"' in page
    assert "marker [scam:fake_access] &lt;b&gt;" in page  # reasons are escaped too
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch


def test_report_caps_the_listing(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("\n".join(f"[scam:fake_access] {i}" for i in range(30)), "utf-8")
    summary, results = scan_all(MarkerEngine(), path)
    collector = ReportCollector(limit=10)
    for r in results:
        collector.add(r)
    page = render(summary, collector)
    assert page.count('<article class="msg') == 10 and "20 more flagged messages" in page
    assert isinstance(results[0].record, ExportRecord)


def _mixed_export(tmp_path, n: int = 1200) -> Path:
    messages = []
    for i in range(1, n + 1):
        if i % 50 == 0:
            messages.append({"id": i, "type": "service", "date": "2025-03-01T09:00:00", "actor": "a",
                             "action": "pin_message", "text": ""})
        elif i % 7 == 0:
            messages.append(tg_message(i, f"[scam:paid_course] {i}", unix=T0 + i))
        else:
            messages.append(tg_message(i, f"回复 {i}", unix=T0 + i, reply_to_message_id=i - 1))
    return telegram_export(tmp_path / "result.json", messages)


def _outcome(results) -> list:
    return [(r.record.message_id, r.verdict.label if r.verdict else None, r.reply_text) for r in results]


def test_worker_processes_give_the_same_results_in_the_same_order(tmp_path):
    path = _mixed_export(tmp_path)
    _, inline = scan_all(MarkerEngine(), path)
    summary = ScanSummary()
    parallel = []
    engine = MarkerEngine()
    with EnginePool(engine, 2) as pool:
        for item in Scanner(engine, pool=pool).scan(open_export(str(path))):
            summary.add(item)
            parallel.append(item)
    assert _outcome(parallel) == _outcome(inline)
    assert summary.flagged == sum(1 for i in range(1, 1201) if i % 7 == 0 and i % 50)
    assert parallel[5].reply_text == "回复 5"


def test_a_dying_worker_does_not_lose_messages(tmp_path):
    import os

    parent = os.getpid()

    class DyingEngine(MarkerEngine):
        def analyze(self, text, **kw):
            if os.getpid() != parent:
                os._exit(3)  # a worker crashes hard (out of memory, segfault...)
            return super().analyze(text, **kw)

    path = _mixed_export(tmp_path, 600)
    _, inline = scan_all(MarkerEngine(), path)
    engine = DyingEngine()
    with EnginePool(engine, 2) as pool:
        results = list(Scanner(engine, pool=pool).scan(open_export(str(path))))
    assert _outcome(results) == _outcome(inline)  # analysed here instead, nothing lost
