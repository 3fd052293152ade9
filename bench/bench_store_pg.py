"""Two bot processes sharing one PostgreSQL against the fake Telegram Bot API, then the same on one SQLite file.

    python bench/bench_store_pg.py                          # 200 msg/s for 10 s, 30 % scams, PostgreSQL then SQLite
    python bench/bench_store_pg.py --rate 100 --seconds 3 --store pg
    python bench/bench_store_pg.py --workers 1 --store sqlite   # the one-process baseline

Measures messages per second, update-to-warning latency (p50/p99) and checks in the database itself that no
incident is duplicated or lost: the incidents are exactly the scam messages pushed, one row per (platform, chat,
message id).

Set-up (everything on 127.0.0.1, in temp dirs, removed on exit and on Ctrl-C):
- a throw-away PostgreSQL server (fake_platforms/postgres: initdb, free port; as root it runs as `postgres` or
  `nobody`), with fsync off as in the tests: the figure is the bot's overhead, not the disk's;
- one child process with one fake Bot API server per worker (two bots, two tokens: Telegram gives an update to
  exactly one getUpdates caller of a bot, so two processes need two bots, or a webhook behind a balancer) and
  the load generator (bench/telegram_load.py, shared with bench_telegram.py). Message i goes to worker i % 2 in
  that worker's own groups; every --shared-every-th message is pushed to BOTH bots in a group they are both in,
  with the same chat and message id, so both workers record the same message: the store must keep one incident;
- two bot worker processes, each built as `leekguard run` builds it (bot.runner.open_services), with
  database = the PostgreSQL URL (LEEKGUARD_DB in production), or the same SQLite file (WAL, synchronous=FULL).

Both workers send their own warning for a shared message (two bots in one group would). Telegram's flood limits
are lifted for the bots, as in bench_telegram.py. Bounded: --seconds of load, at most --drain seconds to finish.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import os
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load_plan import make_plan, pct  # noqa: E402
from telegram_load import SHARED_CHAT, close_bot, open_bot, server_process  # noqa: E402

READY_TIMEOUT = 120.0  # seconds for a worker to load the engine, open the store and start polling


# ---------------- child processes ----------------

def fake_telegram_process(conn, chats: int, bots: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent cleans up on Ctrl-C
    server_process(conn, chats, bots)


def worker_process(conn, database: str, port: int, token: str, args: argparse.Namespace, plan_size: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    asyncio.run(_work(conn, database, port, token, args, plan_size))


async def _work(conn, database: str, port: int, token: str, args: argparse.Namespace, plan_size: int) -> None:
    services, _adapter, task = await open_bot(database, port, token, args)
    try:
        plan = make_plan(services.engine, plan_size, args.scam_share) if plan_size else None
        conn.send(("ready", plan))
        await asyncio.to_thread(conn.recv)  # "go"
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.to_thread(conn.recv)  # "stop": the load generator has seen the last warning
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        await close_bot(services, task)
    conn.send(("done", {"cpu": cpu, "wall": wall, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


# ---------------- this process: orchestration, no event loop (Ctrl-C lands in a plain recv) ----------------

def _recv(conn, timeout: float, what: str):
    if not conn.poll(timeout):
        raise TimeoutError(f"no answer from {what} within {timeout:.0f} s")
    return conn.recv()


def stored_incidents(database: str) -> dict[tuple[str, str], int]:
    """(chat_id, message_id) -> number of incident rows, read from the database itself."""
    query = "SELECT chat_id, message_id, COUNT(*) FROM incidents GROUP BY chat_id, message_id"
    if database.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(database) as conn:
            rows = conn.execute(query).fetchall()
    else:
        with sqlite3.connect(database) as conn:
            rows = conn.execute(query).fetchall()
    return {(str(c), str(m)): n for c, m, n in rows}


def run_once(label: str, database: str, args: argparse.Namespace) -> dict:
    """One bench run: fake Telegram + `args.workers` bot processes on `database`; figures and DB checks."""
    ctx = mp.get_context("spawn")
    procs: list = []
    try:
        parent, child = ctx.Pipe()
        server = ctx.Process(target=fake_telegram_process, args=(child, args.chats, args.workers), daemon=True)
        server.start()
        procs.append(server)
        _, endpoints = _recv(parent, 30, "the fake Telegram server")
        total = int(args.rate * args.seconds)
        workers, plan = [], None
        for w, (port, token) in enumerate(endpoints):
            wp, wc = ctx.Pipe()
            proc = ctx.Process(target=worker_process, args=(wc, database, port, token, args, total if w == 0 else 0),
                               daemon=True)
            proc.start()
            procs.append(proc)
            workers.append(wp)
            if label == "SQLite":  # one at a time: the first creates the schema (PostgreSQL: under an advisory lock)
                plan = _recv(wp, READY_TIMEOUT, f"worker {w}")[1] or plan
        for w, wp in enumerate(workers):
            if label != "SQLite":
                plan = _recv(wp, READY_TIMEOUT, f"worker {w}")[1] or plan
        if args.shared_every and args.workers > 1:
            plan = [(text, scam, i % args.shared_every == 0) for i, (text, scam) in enumerate(plan)]
        for wp in workers:
            wp.send(("go",))
        parent.send(("go", plan, args.rate, args.drain))
        _, res = _recv(parent, args.seconds * 3 + args.drain + 30, "the load generator")
        for wp in workers:
            wp.send(("stop",))
        res["workers"] = [_recv(wp, 30, "a worker")[1] for wp in workers]
        parent.send(("stop",))
        for proc in procs:
            proc.join(10)
    finally:
        for proc in reversed(procs):  # the workers before the fake server they poll
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
    found = stored_incidents(database)
    expected = {(str(c), str(m)) for c, m in res["scam_messages"]}
    res.update(label=label, incidents=sum(found.values()), expected=len(expected),
               duplicated=sum(n - 1 for n in found.values() if n > 1), lost=len(expected - found.keys()),
               extra=len(found.keys() - expected),
               shared_scams=sum(1 for (c, _m) in expected if int(c) <= SHARED_CHAT))
    return res


def report(runs: list[dict], args: argparse.Namespace, load_before: str) -> bool:
    print(f"store bench: {args.workers} bot process(es), {args.rate:g} msg/s offered for {args.seconds:g} s, "
          f"{args.scam_share:.0%} scams, {args.chats} groups per bot, every {args.shared_every}th message delivered "
          f"to every bot; real python-telegram-bot, engine and store, fake Bot API on 127.0.0.1; "
          f"load average before: {load_before}")
    print(f"  {'store':<11}{'msgs':>6}{'deliv.':>8}{'offered/s':>10}{'handled/s':>10}{'p50 ms':>8}{'p99 ms':>8}"
          f"{'max ms':>8}{'warned':>12}{'incidents':>12}{'shared':>7}{'2 warn':>7}{'dup':>5}{'lost':>5}{'extra':>6}")
    ok = True
    for r in runs:
        lat = [x * 1000 for x in r["latencies"]]
        offered = r["pushed"] / max(r["pushed_in"], 1e-9)
        handled = r["pushed"] / r["done_in"]
        print(f"  {r['label']:<11}{r['pushed']:>6}{r['deliveries']:>8}{offered:>10.1f}{handled:>10.1f}"
              f"{pct(lat, 50):>8.1f}{pct(lat, 99):>8.1f}{max(lat, default=float('nan')):>8.1f}"
              f"{r['warned_messages']:>6}/{r['expected']:<5}{r['incidents']:>6}/{r['expected']:<5}"
              f"{r['shared_scams']:>7}{r['warned_by_several']:>7}{r['duplicated']:>5}{r['lost']:>5}{r['extra']:>6}")
        ok &= (r["duplicated"] == r["lost"] == r["extra"] == 0 and r["incidents"] == r["expected"]
               and r["warned_messages"] == r["expected"] and r["pending_updates"] == 0)
    for r in runs:
        cpu = ", ".join(f"{w['cpu']:.2f} s CPU / {w['rss']:.0f} MB" for w in r["workers"])
        print(f"  {r['label']:<11}workers: {cpu}; scam deliveries not answered (already recorded by the other "
              f"worker) {r['scams'] - r['warned']}, clean answered {r['clean_answered']}, unconfirmed updates "
              f"{r['pending_updates']}, sendMessage {r['send_calls']}, getUpdates {r['get_updates_calls']}")
    print("  msgs: messages pushed; deliv.: updates delivered (a shared message once per bot); p50/p99/max: update "
          "pushed to first warning; warned: scam messages warned by a bot / scam messages; incidents: rows in the "
          "database / scam messages; shared: scam messages delivered to every bot; 2 warn: of those, warned by more "
          "than one bot; dup: extra rows for one message; lost: scam messages without a row; extra: rows for no "
          "scam message")
    print(f"  check: every scam message warned, one incident each, none lost, none extra: {'OK' if ok else 'FAILED'}")
    return ok


def _interrupted(signum: int, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second offered (default 200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the load (default 10)")
    parser.add_argument("--scam-share", type=float, default=0.3, help="share of scam adverts (default 0.3)")
    parser.add_argument("--chats", type=int, default=25, help="groups per bot (default 25)")
    parser.add_argument("--workers", type=int, default=2, choices=(1, 2, 3, 4), help="bot processes (default 2)")
    parser.add_argument("--shared-every", type=int, default=10,
                        help="deliver every Nth message to all bots (same chat, same message id); 0: none")
    parser.add_argument("--store", choices=("pg", "sqlite", "both"), default="both")
    parser.add_argument("--concurrency", type=int, default=256, help="PTB concurrent_updates (default 256, as run)")
    parser.add_argument("--pool", type=int, default=16, help="HTTP connection pool size (default 16, as run)")
    parser.add_argument("--poll-interval", type=float, default=0.005,
                        help="seconds between getUpdates calls (default 0.005, as run)")
    parser.add_argument("--drain", type=float, default=15.0, help="max seconds to wait for the last warnings")
    args = parser.parse_args()
    if args.rate <= 0 or args.rate * args.seconds > 50_000:
        parser.error("keep it bounded: a positive rate, at most 50,000 messages")
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    signal.signal(signal.SIGTERM, _interrupted)
    tmp = Path(tempfile.mkdtemp(prefix="lg-bench-store-"))
    cluster = None
    runs = []
    try:
        if args.store in ("pg", "both"):
            from fake_platforms.postgres import PgCluster

            cluster = PgCluster.start()
            runs.append(run_once("PostgreSQL", cluster.new_database(), args))
        if args.store in ("sqlite", "both"):
            runs.append(run_once("SQLite", str(tmp / "bench.db"), args))
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        if cluster is not None:
            try:
                cluster.destroy()
            except Exception as exc:  # e.g. Ctrl-C reached the server too and it is already down
                print(f"stopping PostgreSQL: {exc}", file=sys.stderr)
                shutil.rmtree(cluster.root, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if report(runs, args, load_before) else 1


if __name__ == "__main__":
    sys.exit(main())
