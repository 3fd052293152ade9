"""`leekguard incidents | db | samples`: review the incident log from the command line.

Every command reads the database named by --db, else the config's `database` (LEEKGUARD_DB overrides
it; a SQLite file or a postgresql:// URL), takes --json for machine-readable output, and reports problems as one line on stderr with exit
status 2 (no tracebacks). Safe to run while the bot runs: SQLite WAL lets readers and the bot go on, and
writes (review, purge) are short transactions.
"""

from __future__ import annotations

import asyncio
import getpass
import io
import json
import os
import sqlite3
import sys
from contextlib import asynccontextmanager
from functools import wraps
from typing import Any, AsyncIterator, Callable

import click
from rich.console import Console

from bot.store.export import export_incidents
from bot.store.sql import IncidentFilter
from bot.store.types import REVIEW_STATES, StoreError, split_key
from cli import render
from cli.timespec import parse_age, parse_since

EXIT_ERROR = 2


class CliError(click.ClickException):
    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _run(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run an async command body; turn every failure into one clear line and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return asyncio.run(fn(*args, **kwargs))
        except click.ClickException:
            raise
        except (StoreError, ValueError) as exc:
            raise CliError(str(exc)) from None
        except sqlite3.Error as exc:
            raise CliError(f"database error: {exc}") from None
        except OSError as exc:
            raise CliError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
        except Exception as exc:  # still one line; LEEKGUARD_DEBUG=1 shows the traceback for a bug report
            if os.environ.get("LEEKGUARD_DEBUG"):
                raise
            raise CliError(f"unexpected {type(exc).__name__}: {exc}") from None

    return wrapper


def _db_path(ctx: click.Context, db: str | None) -> str:
    if db:
        return db
    from bot.config import load_config  # config `database`, with LEEKGUARD_DB applied

    root = ctx.find_root().obj or {}
    return load_config(root.get("config_path")).database


@asynccontextmanager
async def _open(ctx: click.Context, db: str | None) -> AsyncIterator[Any]:
    from bot.store.service import IncidentStore

    store = await IncidentStore.open(_db_path(ctx, db), retention_days=None, create=False, maintenance=False,
                                     busy_timeout_ms=5000)
    try:
        yield store
    finally:
        await store.close()


def _out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _since(value: str | None) -> Any:
    return parse_since(value) if value else None


def _confirm(yes: bool, question: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise CliError(f"{question} Add --yes to confirm.")
    click.confirm(question, abort=True)


db_option = click.option("--db", type=click.Path(dir_okay=False),
                         help="Database file or postgresql:// URL (default: config `database`, or LEEKGUARD_DB).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


def filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed([
        click.option("--chat", help="platform:chat_id (e.g. telegram:-1001234) or a bare chat id."),
        click.option("--state", type=click.Choice(REVIEW_STATES), help="Review state."),
        click.option("--category", help="Scam category, e.g. fake_access."),
        click.option("--author", help="platform:user_id or a bare user id."),
        click.option("--verdict", type=click.Choice(["scam", "suspicious", "clean"]),
                     help="Verdict (not indexed: narrows what the other filters select)."),
        click.option("--since", help="An age (7d, 12h) or a date (2026-11-01)."),
    ]):
        fn = opt(fn)
    return fn


def _filter(chat: str | None, state: str | None, category: str | None, author: str | None,
            verdict: str | None, since: str | None) -> IncidentFilter:
    return IncidentFilter(chat=chat, state=state, category=category, author=author, verdict=verdict,
                          since=_since(since))


# ---- leekguard incidents ----

@click.group("incidents")
def incidents_group() -> None:
    """See, review, export and purge the incident log."""


@incidents_group.command("list")
@filter_options
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@db_option
@json_option
@click.pass_context
@_run
async def list_cmd(ctx: click.Context, chat, state, category, author, verdict, since, limit, db, as_json) -> None:
    """Incidents, newest first."""
    f = _filter(chat, state, category, author, verdict, since)
    async with _open(ctx, db) as store:
        rows = [inc async for inc in store.iter_incidents(f, limit=limit)]
    if as_json:
        _echo_json([inc.to_dict() for inc in rows])
    elif not rows:
        click.echo("no incidents match")
    else:
        _out().print(render.incidents_table(rows, title=f"{len(rows)} incident(s), newest first"))


@incidents_group.command("show")
@click.argument("incident_id", type=int)
@db_option
@json_option
@click.pass_context
@_run
async def show_cmd(ctx: click.Context, incident_id: int, db, as_json) -> None:
    """Everything about one incident, evidence highlighted."""
    async with _open(ctx, db) as store:
        inc = await store.get(incident_id)
    if inc is None:
        raise CliError(f"no incident #{incident_id}")
    if as_json:
        _echo_json(inc.to_dict())
    else:
        _out().print(render.incident_detail(inc))


@incidents_group.command("review")
@click.argument("incident_id", type=int)
@click.argument("decision", type=click.Choice(["confirm", "dismiss", "reopen"]))
@click.option("--note", help="Why (kept with the incident).")
@click.option("--by", "by", help="Reviewer name (default: cli:<your login>).")
@click.option("--exempt", "exempt", multiple=True, metavar="RULE",
              help="With dismiss: stop this pattern rule firing in this chat (repeatable; `show` lists them).")
@click.option("--no-learn", is_flag=True, help="Record the review without adding a learned sample.")
@db_option
@json_option
@click.pass_context
@_run
async def review_cmd(ctx: click.Context, incident_id: int, decision: str, note, by, exempt, no_learn, db,
                     as_json) -> None:
    """Confirm (a scam: learned as scam) or dismiss (a false alarm: learned as clean) an incident.

    A running bot picks the learned sample up on its next learning refresh or restart."""
    by = by or f"cli:{getpass.getuser()}"
    if exempt and decision != "dismiss":
        raise CliError("--exempt goes with dismiss")
    async with _open(ctx, db) as store:
        inc = await store.get(incident_id)
        if inc is None:
            raise CliError(f"no incident #{incident_id}")
        unknown = [r for r in exempt if r not in inc.exemptable_rules]
        if unknown:
            raise CliError(f"rule {unknown[0]!r} is not a pattern rule that fired on incident #{incident_id}; "
                           f"the ones that can be exempted: {', '.join(inc.exemptable_rules) or 'none'}")
        result = await store.review(incident_id, decision, by=by, note=note, learn=not no_learn)
        exemptions = [await store.add_exemption(inc.chat_key, rule, by=by, incident_id=incident_id, note=note)
                      for rule in exempt]
    posters = await _review_posters(_db_path(ctx, db), incident_id, result.incident.state)
    if as_json:
        _echo_json({"incident": result.incident.to_dict(), "previous_state": result.previous_state,
                    "sample": result.sample.to_dict() if result.sample else None,
                    "replaced_sample": result.replaced.to_dict() if result.replaced else None,
                    "exemptions": [e.to_dict() for e in exemptions], "posters": posters})
        return
    click.echo(f"incident #{incident_id}: {result.previous_state} -> {result.incident.state} (by {by})")
    if result.sample:
        click.echo(f"learned sample #{result.sample.id} as {result.sample.label}")
    if result.replaced:
        click.echo(f"removed earlier sample #{result.replaced.id} ({result.replaced.label})")
    for e in exemptions:
        click.echo(f"rule {e.rule_id} exempted in {e.chat_key}")
    if posters:
        click.echo(f"{posters} poster(s) of this incident " + ("will be recognised when posted again"
                   if result.incident.state == "confirmed" else "are no longer matched"))


async def _review_posters(db: str, incident_id: int, state: str) -> int:
    """Confirmed incidents' posters are recognised when posted again (bot/images/moderation.py)."""
    from bot.images.moderation import review_posters

    try:
        return await review_posters(db, incident_id, state)
    except Exception as e:  # the review is committed; say what is missing rather than fail it
        click.echo(f"posters of incident #{incident_id} not updated: {e}", err=True)
        return 0


@incidents_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout).")
@filter_options
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many (default: all).")
@click.option("--raw", is_flag=True, help="CSV: do not neutralise cells that spreadsheets would run as formulas.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (Excel reads Chinese right).")
@db_option
@click.pass_context
@_run
async def export_cmd(ctx: click.Context, fmt, output, chat, state, category, author, verdict, since, limit, raw,
                     bom, db) -> None:
    """Stream incidents as CSV or JSON Lines (newest first), without loading them all in memory."""
    f = _filter(chat, state, category, author, verdict, since)
    encoding = "utf-8-sig" if bom and fmt == "csv" else "utf-8"
    async with _open(ctx, db) as store:
        if output:
            with open(output, "w", encoding=encoding, newline="") as fh:
                n = await export_incidents(store, fh, fmt, f, limit=limit, formula_guard=not raw)
            click.echo(f"wrote {n} incident(s) to {output}", err=True)
        else:
            binary = getattr(sys.stdout, "buffer", None)
            if binary is None:  # stdout replaced by a text-only object: write to it as it is
                await export_incidents(store, sys.stdout, fmt, f, limit=limit, formula_guard=not raw)
                return
            # UTF-8 and no newline translation whatever the locale says; detach() leaves stdout open
            stream = io.TextIOWrapper(binary, encoding=encoding, newline="", write_through=True)
            try:
                await export_incidents(store, stream, fmt, f, limit=limit, formula_guard=not raw)
            finally:
                stream.flush()
                stream.detach()


@incidents_group.command("stats")
@click.option("--chat", help="platform:chat_id or a bare chat id.")
@click.option("--since", help="An age (7d) or a date (2026-11-01).")
@db_option
@json_option
@click.pass_context
@_run
async def stats_cmd(ctx: click.Context, chat, since, db, as_json) -> None:
    """Counts per category, review state, verdict and day."""
    async with _open(ctx, db) as store:
        stats = await store.stats(chat=chat, since=_since(since))
    if as_json:
        _echo_json(stats)
    else:
        _out().print(render.stats_tables(stats))


@incidents_group.command("purge")
@click.option("--older-than", "older_than", required=True, help="An age: 90d, 12w, 36h.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
@json_option
@click.pass_context
@_run
async def purge_cmd(ctx: click.Context, older_than: str, yes: bool, db, as_json) -> None:
    """Delete incidents older than an age (learned samples are kept)."""
    age = parse_age(older_than)
    _confirm(yes, f"Delete every incident older than {older_than}?")
    async with _open(ctx, db) as store:
        n = await store.purge(age)
    if as_json:
        _echo_json({"purged": n, "older_than_seconds": age.total_seconds()})
    else:
        click.echo(f"purged {n} incident(s) older than {older_than}")


@incidents_group.command("forget-user")
@click.argument("user", metavar="PLATFORM:USER_ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
@json_option
@click.pass_context
@_run
async def forget_user_cmd(ctx: click.Context, user: str, yes: bool, db, as_json) -> None:
    """Erase one person's incidents, the samples learned from their messages and their posters' hashes."""
    platform, user_id = split_key(user)
    if not platform or not user_id:
        raise CliError(f"expected PLATFORM:USER_ID such as telegram:12345, got {user!r}")
    _confirm(yes, f"Erase everything stored about {user}?")
    async with _open(ctx, db) as store:
        result = await store.forget_user(platform, user_id)
    if as_json:
        _echo_json({"user": user, "incidents": result.incidents, "samples": result.samples,
                    "posters": result.posters})
    else:
        click.echo(f"erased {result.incidents} incident(s), {result.samples} learned sample(s) and "
                   f"{result.posters} poster hash(es) of {user}")


@incidents_group.command("migrate")
@click.option("--from", "src", required=True, metavar="SQLITE_PATH", help="The SQLite incident store to copy.")
@click.option("--to", "dest", required=True, metavar="URL", help="PostgreSQL: postgresql://user@host:5432/db.")
@json_option
@_run
async def migrate_cmd(src: str, dest: str, as_json: bool) -> None:
    """Copy a SQLite incident store into PostgreSQL (incidents, reviews, samples, exemptions, settings, posters).

    Safe to re-run: rows already copied are skipped. The SQLite file is left as it is (upgraded to the
    current schema first). Stop the bot during the copy, or re-run once it is stopped, to catch the latest."""
    import time

    from bot.images.posters import PG_SCHEMA as POSTER_PG_SCHEMA
    from bot.store.dburl import check_postgres_url, is_postgres_url, redact
    from bot.store.pg.copy import copy_sqlite_to_postgres
    from bot.store.service import IncidentStore

    if not is_postgres_url(dest):
        raise CliError(f"--to must be a PostgreSQL URL (postgresql://user@host:5432/db), not {redact(dest)!r}")
    check_postgres_url(dest)
    if is_postgres_url(src) or not os.path.isfile(src):
        raise CliError(f"--from must be an existing SQLite file: {redact(src)}")
    # Open both as stores first: the file is upgraded to the current schema, the server's schema is created,
    # and a bad URL, an unreachable server or a refused password is reported before anything is copied.
    for target, create in ((src, False), (dest, True)):
        store = await IncidentStore.open(target, retention_days=None, create=create, maintenance=False)
        await store.close()
    last = [0.0]

    def progress(table: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 1.0:
            last[0] = now
            click.echo(f"{table}: {done:,}/{total:,}", err=True)

    con = sqlite3.connect(f"file:{os.path.abspath(src)}?mode=ro", uri=True)
    try:
        report = await copy_sqlite_to_postgres(con, dest, progress=progress, poster_schema=POSTER_PG_SCHEMA)
    finally:
        con.close()
    if as_json:
        _echo_json({"from": src, "to": redact(dest), **report.to_dict()})
        return
    for table, n in report.copied.items():
        skipped = report.skipped.get(table, 0)
        click.echo(f"{table}: {n} copied" + (f", {skipped} already there" if skipped else ""))
    click.echo(f"copied {src} to {redact(dest)}")


# ---- leekguard db ----

@click.group("db")
def db_group() -> None:
    """Maintenance of the incident database."""


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@db_option
@json_option
@click.pass_context
@_run
async def backup_cmd(ctx: click.Context, path: str, force: bool, db, as_json) -> None:
    """Consistent copy of the live database (SQLite online backup; the bot can keep running)."""
    from bot.store.backup import backup_database
    from bot.store.dburl import is_postgres_url

    source = _db_path(ctx, db)
    if is_postgres_url(source):
        raise CliError("the incident store is on PostgreSQL: back it up with the server's tools (pg_dump)")
    info = await asyncio.to_thread(backup_database, source, path, overwrite=force)
    if as_json:
        _echo_json(info)
    else:
        click.echo(f"backed up {info['incidents']} incident(s) to {info['path']} ({info['bytes']:,} bytes)")


# ---- leekguard samples ----

@click.group("samples")
def samples_group() -> None:
    """Texts learned from admin reviews (kept apart from the shipped seeds)."""


@samples_group.command("list")
@click.option("--label", type=click.Choice(["scam", "clean"]))
@db_option
@json_option
@click.pass_context
@_run
async def samples_list_cmd(ctx: click.Context, label, db, as_json) -> None:
    """Learned samples, oldest first."""
    async with _open(ctx, db) as store:
        samples = await store.list_samples(label)
    if as_json:
        _echo_json([s.to_dict() for s in samples])
    elif not samples:
        click.echo("no learned samples")
    else:
        _out().print(render.samples_table(samples))


@samples_group.command("export")
@click.option("--label", type=click.Choice(["scam", "clean"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout).")
@db_option
@click.pass_context
@_run
async def samples_export_cmd(ctx: click.Context, label, output, db) -> None:
    """Learned samples as JSON Lines ({"text", "label", ...}), e.g. to fold into the seeds."""
    async with _open(ctx, db) as store:
        samples = await store.list_samples(label)
    lines = "".join(json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in samples)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(lines)
        click.echo(f"wrote {len(samples)} sample(s) to {output}", err=True)
    else:
        click.echo(lines, nl=False)


@samples_group.command("remove")
@click.argument("sample_ids", type=int, nargs=-1, required=True)
@db_option
@json_option
@click.pass_context
@_run
async def samples_remove_cmd(ctx: click.Context, sample_ids: tuple[int, ...], db, as_json) -> None:
    """Forget learned samples (a running bot unlearns them on its next learning refresh or restart)."""
    async with _open(ctx, db) as store:
        removed = [s for s in [await store.remove_sample(i) for i in sample_ids] if s is not None]
    missing = sorted(set(sample_ids) - {s.id for s in removed})
    if as_json:
        _echo_json({"removed": [s.to_dict() for s in removed], "missing": missing})
    else:
        for s in removed:
            click.echo(f"removed sample #{s.id} ({s.label})")
    if missing:
        raise CliError(f"no sample #{', #'.join(map(str, missing))}")
