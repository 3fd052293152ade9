"""The Telegram load benches' two halves: the fake Bot API + load generator (a child process) and the bot.

    server_process(conn, chats, bots=1)   child: one fake Bot API server per bot (own token, own port), pushes the
                                          plan on a fixed schedule and times the warnings on its own clock
    await open_bot(database, port, token, args)   the bot as `leekguard run` builds it, polling one fake server

Used by bench_telegram.py (one bot) and bench_store_pg.py (two bot processes sharing one store). With several
bots, message i goes to bot i % bots, into that bot's own groups; a message marked shared is pushed to every bot
in a group all of them are in, with the same chat and message id (as when two bots sit in one group).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

SHARED_CHAT = -1002000000000  # shared message i goes to group SHARED_CHAT - i, which every bot is in


def server_process(conn, chats: int, bots: int = 1) -> None:
    asyncio.run(_serve(conn, chats, bots))


def _chat_id(bot: int, j: int, chats: int) -> int:
    return -1001000000000 - (bot * chats + j)


async def _serve(conn, n_chats: int, n_bots: int) -> None:
    from fake_platforms.telegram_server import FakeTelegramServer

    servers = []
    for b in range(n_bots):
        server = FakeTelegramServer(token=f"{123456789 + b}:TEST-token_abcdefghijklmnopqrstuvwxyz",
                                    bot_username=f"leekguard_bench{b}_bot")
        await server.start()
        servers.append(server)
    groups = [[s.add_chat(_chat_id(b, j, n_chats), title=f"bench group {b}.{j}") for j in range(n_chats)]
              for b, s in enumerate(servers)]
    conn.send(("ready", [(s.port, s.token) for s in servers]))
    # plan: [(text, is_scam)] or [(text, is_scam, shared)]; rate in msgs/s (0 = burst)
    _, plan, rate, drain = await asyncio.to_thread(conn.recv)
    scam_keys, clean_keys = set(), set()  # (bot, chat_id, message_id)
    cpu0 = time.process_time()
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i, (text, is_scam, *rest) in enumerate(plan):
        if rate:
            ahead = start + i / rate - loop.time()
            if ahead > 0.001:
                await asyncio.sleep(ahead)
        targets = range(n_bots) if rest and rest[0] else [i % n_bots]
        for b in targets:
            server = servers[b]
            user = server.add_user(10_000 + i, f"user{i}")
            group = server.add_chat(SHARED_CHAT - i, title=f"shared group {i}") if rest and rest[0] \
                else groups[b][(i // n_bots) % n_chats]
            msg = server.push_message(group, user, text)
            (scam_keys if is_scam else clean_keys).add((b, msg["chat"]["id"], msg["message_id"]))
    pushed_in = loop.time() - start

    def first_replies() -> dict:
        out: dict = {}
        for b, server in enumerate(servers):
            for call in server.calls:
                if call.method == "sendMessage" and call.status == 200:
                    key = (b, call.params["chat_id"], (call.params.get("reply_parameters") or {}).get("message_id"))
                    out.setdefault(key, []).append(call)
        return out

    def pending() -> int:
        return sum(s.pending_updates for s in servers)

    deadline = loop.time() + drain
    while loop.time() < deadline:
        replies = first_replies()
        if all(k in replies for k in scam_keys) and pending() == 0:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # anything that would still arrive late (a clean message answered, a 2nd warning)
    replies = first_replies()
    latencies = sorted(replies[k][0].at - servers[k[0]].pushed_at[k[1:]] for k in scam_keys if k in replies)
    sends = [c for s in servers for c in s.calls if c.method == "sendMessage"]
    pushed_at = [t for s in servers for t in s.pushed_at.values()]
    last = max((c.at for c in sends), default=start)
    conn.send(("results", {
        "pushed": len(plan), "pushed_in": pushed_in, "scams": len(scam_keys),
        "deliveries": len(scam_keys) + len(clean_keys),
        "scam_messages": sorted({k[1:] for k in scam_keys}),  # (chat_id, message_id): the incidents expected
        "shared": sum(1 for item in plan if len(item) > 2 and item[2]),
        "warned": sum(1 for k in scam_keys if k in replies),
        "warned_messages": len({k[1:] for k in scam_keys if k in replies}),  # by at least one bot
        "warned_by_several": sum(1 for n in Counter(k[1:] for k in scam_keys if k in replies).values() if n > 1),
        "warned_twice": sum(1 for k in scam_keys if sum(1 for c in replies.get(k, [])
                                                          if "reply_markup" not in c.params) > 1),
        "clean_answered": sum(1 for k in clean_keys if k in replies),
        "pending_updates": pending(), "latencies": latencies,
        "send_calls": sum(len(s.calls_of("sendMessage", ok_only=False)) for s in servers),
        "get_updates_calls": sum(len(s.calls_of("getUpdates", ok_only=False)) for s in servers),
        "server_cpu": time.process_time() - cpu0,
        "done_in": max(last - min(pushed_at), 1e-9) if pushed_at else 0.0,
    }))
    await asyncio.to_thread(conn.recv)  # "stop": the bots have shut down, so no poll hits a closed port
    for server in servers:
        await server.stop()


async def open_bot(database: str, port: int, token: str, args) -> tuple:
    """Services, adapter and its running task, as `leekguard run` builds them (args: concurrency, pool,
    poll_interval); ready once it polls. Close with close_bot()."""
    from adapters.telegram.adapter import TelegramAdapter
    from bot.config import Config
    from bot.runner import open_services

    config = Config.model_validate({
        "database": database, "log_level": "WARNING",
        "telegram": {"token": token, "base_url": f"http://127.0.0.1:{port}/bot",
                     "base_file_url": f"http://127.0.0.1:{port}/file/bot"}})
    services = await open_services(config)
    adapter = TelegramAdapter(limits=(1_000_000, 1_000_000), concurrent_updates=args.concurrency,
                              connection_pool=args.pool, poll_interval=args.poll_interval)
    task = asyncio.create_task(adapter.run(services))
    try:
        await asyncio.wait_for(adapter.ready.wait(), 20)
    except BaseException:
        await close_bot(services, task)
        raise
    return services, adapter, task


async def close_bot(services, task: asyncio.Task) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    await services.store.close()
