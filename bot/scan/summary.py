"""The summary `leekguard scan` prints: plain when piped, coloured tables on a terminal."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from bot.scan.scanner import ScanSummary
from bot.scan.report import category_label

SHOW_PROBLEMS = 20


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def print_summary(out: Console, s: ScanSummary, elapsed: float, skipped: list[tuple[str, str]]) -> None:
    rate = f", {s.messages / elapsed:,.0f} messages/s" if elapsed > 0 and s.messages else ""
    out.print(f"Scanned {len(s.files)} file(s) in {elapsed:.1f} s{rate}")
    out.print(f"Messages read: {s.messages:,} ({s.analysed:,} analysed, {s.no_text:,} with no text; "
              f"{s.service:,} service notices not counted)")
    if not s.flagged:
        out.print("[green]Flagged: 0[/]")
    else:
        out.print(f"[bold red]Flagged: {s.flagged:,}[/] (scam {s.by_verdict.get('scam', 0):,}, "
                  f"suspicious {s.by_verdict.get('suspicious', 0):,})")
        cats = Table(box=box.SIMPLE, title="Flagged per category", title_justify="left")
        cats.add_column("category")
        cats.add_column("messages", justify="right")
        for cat, n in s.by_category.most_common():
            cats.add_row(category_label(cat), f"{n:,}")
        out.print(cats)
        senders = Table(box=box.SIMPLE, title="Top senders of flagged messages", title_justify="left")
        senders.add_column("sender")
        senders.add_column("id")
        senders.add_column("flagged", justify="right")
        for key, name, n in s.top_senders(10):
            senders.add_row(name, key if key != name else "", f"{n:,}")
        out.print(senders)
        out.print(f"First flagged: {_when(s.first_flagged)}   Last flagged: {_when(s.last_flagged)}"
                  + (f"   ({s.flagged_undated:,} flagged without a time)" if s.flagged_undated else ""))
    if skipped:
        out.print(f"[dim]Skipped {len(skipped):,} file(s) in folders that are not chat exports "
                  f"(e.g. {skipped[0][0]}: {skipped[0][1]})[/]")


def print_problems(err: Console, s: ScanSummary) -> None:
    if not s.problem_count:
        return
    err.print(f"[bold red]{s.problem_count:,} problem(s) reading the input:[/]")
    for problem in s.problems[:SHOW_PROBLEMS]:
        err.print(f"  {problem}", markup=False)
    if s.problem_count > SHOW_PROBLEMS:
        err.print(f"  … and {s.problem_count - SHOW_PROBLEMS:,} more" +
                  (" (all of the first 200 are listed in the --report)" if s.problem_count > SHOW_PROBLEMS else ""))
    incomplete = [f.path for f in s.files.values() if not f.complete]
    if incomplete:
        err.print("  partly read (what could be read was scanned): " + ", ".join(incomplete), markup=False)
