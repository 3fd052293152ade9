"""`leekguard check` (one text, a JSONL stream, or an image) and `leekguard eval` (quality on a labelled corpus)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import stat
import sys
import time
from datetime import datetime
from typing import IO, Any

import click
import orjson

from cli.heap import settle_after_load
from leekguard_types import Author, Message, Verdict

LANGS = ("zh-Hans", "zh-Hant", "en")


def _engine(ctx: click.Context, *, many: bool = False):
    """The configured engine; `many`: many messages follow, so everything is loaded before the first."""
    from bot.config import load_config
    from detectors.engine import DetectionSettings, Engine
    from detectors.packs import PackError

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    try:
        engine = Engine.load(DetectionSettings.from_config(config))
    except PackError as exc:
        raise click.ClickException(f"cannot load the pattern packs: {exc}") from exc
    if many:
        engine.warm_up()
    settle_after_load()
    return config, engine


def verdict_json(row_id: Any, verdict: Verdict) -> dict:
    out = {"id": row_id} if row_id is not None else {}
    out.update({
        "verdict": verdict.label,
        "score": round(verdict.score, 4),
        "categories": list(verdict.categories),
        "lang": verdict.lang,
        "findings": [f.to_dict() for f in verdict.findings],
    })
    if verdict.error:
        out["error"] = verdict.error
    return out


def _warning_text(verdict: Verdict, text: str, lang: str | None, default_lang: str,
                  at: datetime | None = None) -> str:
    from bot.warnings import render_warning

    if verdict.label == "clean" or verdict.error:
        return ""
    msg = Message(platform="check", chat_id="cli", message_id="0", author=Author(id="cli"), text=text, date=at)
    shown = dataclasses.replace(verdict, lang=lang) if lang else verdict
    return render_warning(msg, shown, verdict.label, lang or default_lang).text


def _print_human(text: str, verdict: Verdict, warning: str) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    colour = {"scam": "bold red", "suspicious": "bold yellow", "clean": "bold green", "error": "bold magenta"}[verdict.label]
    console.print(Text.assemble(("verdict: ", "bold"), (verdict.label, colour), f"   score: {verdict.score:.2f}"))
    if verdict.categories:
        console.print(f"categories: {', '.join(verdict.categories)}")
    marked = Text(text[:2000])
    for f in verdict.positive_findings:
        if f.origin != "text":
            continue  # image evidence indexes the OCR or QR text, not this message
        for sp in f.evidence:
            if sp.end <= 2000 and sp.end > sp.start:
                marked.stylize("reverse red", sp.start, sp.end)
    console.print(Text("message: ", style="bold") + marked)
    console.print(Text("why:", style="bold"))
    for f in verdict.findings:
        sign = "+" if f.score >= 0 else "-"
        quoted = " ".join(f"«{s.text}»" for s in f.evidence[:4])
        console.print(f"  {sign}{abs(f.score):.2f}  [{f.rule}] {f.reason}  {quoted}", markup=False)
        if f.source:
            console.print(f"         source: {f.source}", markup=False, style="dim")
    if verdict.error:
        console.print(f"error: {verdict.error}", style="red", markup=False)
    if warning:
        console.print(Text("\nwarning the bot would post:", style="bold"))
        console.print(warning, markup=False)


def _loads(raw: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)  # the stdlib accepts lone surrogate escapes that orjson refuses


def _dumps_line(obj: dict) -> bytes:
    try:
        return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # a lone surrogate in the text: escape it rather than fail the line
        return (json.dumps(obj, ensure_ascii=True) + "\n").encode()


_CHUNK = 1 << 18  # bytes of verdicts gathered before one write: a pipe then wakes its reader 4 times a MB


def _from_regular_file(stream: IO[str]) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def _line_writer(out: IO[str], stream: IO[str]):
    """(write, finish) for the output lines. Under a UTF-8 text stream with a byte buffer (stdout, a file)
    orjson's bytes go straight to the buffer (decoding and re-encoding every line would be wasted). Reading a
    file, verdicts are written in large blocks (a small write per line costs a system call and a wake-up of
    the reader every 8 KB); reading a live feed (standard input), each verdict is flushed as soon as it is made."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "")
    if buffer is None or encoding != "utf8":
        return (lambda line: out.write(line.decode())), (lambda: None)
    out.flush()  # anything already written as text goes first
    if not _from_regular_file(stream):
        def write_now(line: bytes) -> None:
            buffer.write(line)
            buffer.flush()
        return write_now, buffer.flush
    chunk: list[bytes] = []
    size = 0

    def write(line: bytes) -> None:
        nonlocal size
        chunk.append(line)
        size += len(line)
        if size >= _CHUNK:
            finish()

    def finish() -> None:
        nonlocal size
        if chunk:
            buffer.write(b"".join(chunk))
            chunk.clear()
            size = 0
        buffer.flush()

    return write, finish


def run_jsonl(engine, stream: IO[str], out: IO[str]) -> tuple[int, int]:
    """One JSON object in per line -> one out per line, same order. Returns (lines, errors)."""
    lines = errors = 0
    write, finish = _line_writer(out, stream)
    try:
        for raw in stream:
            if not raw.strip():
                continue
            lines += 1
            row_id = None
            try:
                row = _loads(raw)
                if not isinstance(row, dict):
                    raise ValueError("expected a JSON object")
                row_id = row.get("id")
                text = row.get("text")
                if not isinstance(text, str):
                    raise ValueError("missing or non-string 'text'")
                result = verdict_json(row_id, engine.analyze(text))
            except (ValueError, TypeError, RecursionError) as exc:
                errors += 1
                result = {"id": row_id, "error": f"line {lines}: {exc}"} if row_id is not None else {"error": f"line {lines}: {exc}"}
            write(_dumps_line(result))
    finally:
        finish()  # what was checked is written, even when reading fails part-way
    return lines, errors


@click.command("check")
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option("--lang", type=click.Choice(LANGS), help="Language of the warning (default: the message's).")
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8", errors="surrogateescape"),
              help="Check a JSON Lines file ('-' for standard input): one {id, text} per line in, one verdict per line out.")
@click.option("--image", "image", type=click.Path(dir_okay=False), help="Check an image (QR codes, poster text, known posters).")
@click.option("--caption", default=None, help="Caption sent with --image.")
@click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The message's date (YYYY-MM-DD; default today): the warning cites what officials had said by then.")
@click.pass_context
def check(ctx: click.Context, text: str | None, as_json: bool, lang: str | None, jsonl: IO[str] | None,
          image: str | None, caption: str | None, at: datetime | None) -> None:
    """Check a message for AI-hype scam patterns and explain the verdict.

    \b
    leekguard check "Sora内测账号 只要299 加V私聊"
    leekguard check --json "Sora beta account, only 299"
    leekguard check --jsonl messages.jsonl > verdicts.jsonl
    leekguard check --image poster.png --caption "扫码进群"
    leekguard check --at 2024-02-20 "Sora内测账号 只要299"
    """
    if sum(x is not None for x in (text, jsonl, image)) != 1:
        raise click.UsageError("give exactly one of: TEXT, --jsonl FILE, --image FILE")
    config, engine = _engine(ctx, many=jsonl is not None)
    if jsonl is not None:
        started = time.perf_counter()
        lines, errors = run_jsonl(engine, jsonl, sys.stdout)
        sys.stdout.flush()
        click.echo(f"checked {lines} lines ({errors} errors) in {time.perf_counter() - started:.2f}s", err=True)
        return
    if image is not None:
        _check_image(config, engine, image, caption, lang, as_json, at)
        return
    verdict = engine.analyze(text)
    if verdict.label == "error":  # no verdict to print: say so and fail, so scripts notice
        if as_json:
            click.echo(json.dumps(verdict_json(None, verdict), ensure_ascii=False, indent=2))
        raise click.ClickException(verdict.error or "engine failure")
    warning = _warning_text(verdict, text, lang, config.language, at)
    if as_json:
        out = verdict_json(None, verdict)
        out["warning"] = warning or None
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_human(text, verdict, warning)


def _check_image(config, engine, path: str, caption: str | None, lang: str | None, as_json: bool,
                 at: datetime | None = None) -> None:
    from bot.images.check import check_image, format_image_report

    verdict, report = asyncio.run(check_image(path, caption, engine, lang or config.language,
                                              config=config, database=config.database))
    warning = _warning_text(verdict, caption or "", lang, config.language, at)
    if as_json:
        out = verdict_json(None, verdict)  # one shape with text checks: the verdict on top, the image beside
        out["warning"] = warning or None
        out["image"] = report.to_dict()
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(format_image_report(report, lang or config.language))
    _print_human(caption or "", verdict, warning)


@click.command("eval")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--flagged", type=click.Choice(["scam", "suspicious"]), default="scam", show_default=True,
              help="What counts as flagged: only scam verdicts, or scam and suspicious.")
@click.pass_context
def eval_cmd(ctx: click.Context, path: IO[str], as_json: bool, flagged: str) -> None:
    """Measure precision, recall, F1 and false-positive rate on a labelled JSONL corpus.

    Each line: {"id", "text", "label": "scam"|"clean", "category"?, "lang"?, "hard_negative"?}.
    """
    from detectors.evaluation import evaluate

    _, engine = _engine(ctx, many=True)
    rows = []
    for n, raw in enumerate(path, 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            if row.get("label") not in ("scam", "clean") or not isinstance(row.get("text"), str):
                raise ValueError("needs 'text' and 'label' (scam or clean)")
        except (ValueError, AttributeError) as exc:
            raise click.ClickException(f"{path.name}:{n}: {exc}") from exc
        rows.append(row)
    report = evaluate(rows, engine.analyze, positive=flagged).as_dict()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    o, h = report["overall"], report["hard_negatives"]
    click.echo(f"{path.name}: {o['n']} messages ({o['scam']} scam, {o['clean']} clean); flagged = {report['flagged_means']}")
    click.echo(f"  precision {o['precision']}  recall {o['recall']}  F1 {o['f1']}  false-positive rate {o['false_positive_rate']}")
    if h["n"]:
        click.echo(f"  hard negatives: {h['n']}, false-positive rate {h['false_positive_rate']}")
    click.echo("  per category (scam recall / hard-negative false-positive rate):")
    for cat, c in report["by_category"].items():
        click.echo(f"    {cat:18} recall {c['recall']}  fpr {c['false_positive_rate']}  (n={c['n']})")
    click.echo("  per language:")
    for lang_, c in report["by_language"].items():
        click.echo(f"    {lang_:8} recall {c['recall']}  fpr {c['false_positive_rate']}  (n={c['n']})")
    if report["by_family"]:
        click.echo("  per family (a scam family: recall; a clean family: false-positive rate):")
        for fam, c in report["by_family"].items():
            rate = f"recall {c['recall']}" if c["scam"] else f"fpr {c['false_positive_rate']}"
            click.echo(f"    {fam:34} {rate}  (n={c['n']})")
    if report["errors"]:
        click.echo(f"  ENGINE ERRORS ({len(report['errors'])}, not counted above): {' '.join(report['errors'][:60])}")
    click.echo(f"  missed scams ({len(report['missed_scams'])}): {' '.join(report['missed_scams'][:60])}")
    click.echo(f"  false alarms ({len(report['false_alarms'])}): {' '.join(report['false_alarms'][:60])}")
