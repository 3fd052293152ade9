"""Programs the fault tests run in a child process (a process we can SIGKILL, or drop privileges in).

    python -m tests.store.fault_scripts writer DB            # records forever, prints "OK <id> <msg>" per commit
    python -m tests.store.fault_scripts readonly DIR         # read-only file scenario, prints one JSON line
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
from pathlib import Path

from bot.store.service import IncidentStore
from bot.store.types import NewIncident


def _incident(message_id: str, text: str = "ChatGPT Plus 永久会员 只要 9.9 元 加V私聊") -> NewIncident:
    return NewIncident(source="telegram", chat_id="-100", message_id=message_id, verdict="scam", score=0.9,
                       text=text * 3, author_id="42", categories=("fake_access", "paid_course"),
                       findings=[{"rule": "fake_access.plus", "score": 0.6, "reason": "x" * 200}],
                       actions=[{"action": "warn"}, {"action": "delete"}])


async def writer(path: str, producers: int = 8) -> None:
    store = await IncidentStore.open(path, maintenance=False)
    out = sys.stdout

    async def produce(p: int) -> None:
        for i in itertools.count():
            mid = f"{p}-{i}"
            res = await store.record(_incident(mid))
            # Printed only after record() returned: the parent holds us to every line it reads.
            out.write(f"{'PENDING' if res.pending else 'OK'} {res.id} {mid}\n")
            out.flush()

    await asyncio.gather(*(produce(p) for p in range(producers)))


async def _warm_up(path: Path) -> None:
    """Import and exercise every code path once, before privileges are dropped (the interpreter's own
    files may not be readable by the unprivileged user)."""
    store = await IncidentStore.open(path, retry_max_wait=0.05, busy_timeout_ms=50)
    await store.record(_incident("warm"))
    await store.list(category="fake_access")
    await store.close()


def _drop_privileges() -> None:
    if os.geteuid() == 0:  # root ignores file modes; an ordinary user makes chmod 0444 mean read-only
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)


async def readonly(directory: str) -> dict:
    path = Path(directory) / "lg.db"
    store = await IncidentStore.open(path, maintenance=False)
    await store.record(_incident("before"))
    await store.close()
    os.chmod(path, 0o444)

    store = await IncidentStore.open(path, maintenance=False, retry_max_wait=0.1, busy_timeout_ms=50)
    during = [await store.record(_incident(f"during-{i}")) for i in range(3)]
    readable = [i.message_id for i in await store.list()]  # reads go on while writes cannot
    await asyncio.sleep(0.3)
    still_pending = store.pending
    os.chmod(path, 0o644)
    flushed = await store.wait_flushed(10)
    report = await store.close()
    return {"euid": os.geteuid(), "pending": [r.pending for r in during], "readable": readable,
            "still_pending": still_pending, "flushed": flushed, "report_ok": report.ok,
            "last_error_seen": store.last_error}


def main() -> None:
    mode, target = sys.argv[1], sys.argv[2]
    if mode == "writer":
        asyncio.run(writer(target))
    elif mode == "readonly":
        asyncio.run(_warm_up(Path(target) / "warm.db"))
        _drop_privileges()
        print(json.dumps(asyncio.run(readonly(target))))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
