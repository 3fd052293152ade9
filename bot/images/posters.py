"""Poster hashes of incidents, in the incident database (own table `poster_hashes`, created if missing).

Why a table of its own: the incident store (bot/store/service.py) stays unaware of images, and a copy of a scam
poster is recognised in every chat the bot serves, also after a restart.

    posters = await PosterStore.open(config.database)
    index = PosterIndex(settings.poster_max_distance)
    await posters.load_index(index)                       # start-up: confirmed posters into memory
    # an image incident was recorded (pipeline, after store.record):
    await posters.remember(incident_id, chat_key, report.poster_hash, category)
    # an admin reviewed it (/review, buttons, `leekguard review`):
    await posters.set_confirmed(incident_id, True, index)    # dismissed -> False: no longer matched
    await posters.purge(older_than)                          # with the incident retention
    await posters.close()

Only CONFIRMED incidents' posters are matched: a poster is flagged as a known scam because an admin said so,
never because the bot once guessed. Another process (the CLI's review) changes the table; the bot picks the
change up on its next load_index() (call it after reviews, or every few minutes).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite

from detectors.images.poster_hash import KnownPoster, PosterHash, PosterIndex

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS poster_hashes (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER,
    chat_key    TEXT NOT NULL,
    phash       TEXT NOT NULL,      -- 64 hex digits: imagehash.phash, 16x16
    edge        TEXT NOT NULL,      -- 64 hex digits: phash of the edge image (colour-blind)
    category    TEXT NOT NULL DEFAULT 'group_recruiting',
    confirmed   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    UNIQUE (incident_id, phash, edge)
);
CREATE INDEX IF NOT EXISTS poster_hashes_confirmed ON poster_hashes (confirmed);
CREATE INDEX IF NOT EXISTS poster_hashes_incident ON poster_hashes (incident_id);
"""


class PosterStore:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: str | Path) -> PosterStore:
        db = await aiosqlite.connect(str(path))
        try:
            await db.execute("PRAGMA busy_timeout = 5000")  # the incident store writes the same file
            await db.executescript(SCHEMA)
            await db.commit()
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    async def remember(self, incident_id: int | None, chat_key: str, h: PosterHash,
                       category: str = "group_recruiting", *, confirmed: bool = False) -> None:
        """Keep the hash of an image of an incident (not matched until the incident is confirmed)."""
        p, e = h.hex().split(":")
        await self._db.execute(
            "INSERT INTO poster_hashes (incident_id, chat_key, phash, edge, category, confirmed, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, phash, edge) DO UPDATE SET "
            "category = excluded.category, confirmed = MAX(confirmed, excluded.confirmed)",
            (incident_id, chat_key, p, e, category, int(confirmed), _now()),
        )
        await self._db.commit()

    async def set_confirmed(self, incident_id: int, confirmed: bool, index: PosterIndex | None = None) -> int:
        """Review outcome for an incident's images; updates `index` too. Returns the number of hashes."""
        cur = await self._db.execute("UPDATE poster_hashes SET confirmed = ? WHERE incident_id = ?",
                                     (int(confirmed), incident_id))
        await self._db.commit()
        if index is not None:
            index.remove_incident(incident_id)
            if confirmed:
                for k in await self._known("WHERE incident_id = ?", (incident_id,)):
                    index.add(k)
        return cur.rowcount

    async def confirmed(self) -> list[KnownPoster]:
        return await self._known("WHERE confirmed = 1", ())

    async def load_index(self, index: PosterIndex) -> int:
        known = await self.confirmed()
        index.replace_all(known)
        log.info("known scam posters loaded: %d", len(known))
        return len(known)

    async def forget_incident(self, incident_id: int, index: PosterIndex | None = None) -> None:
        await self._db.execute("DELETE FROM poster_hashes WHERE incident_id = ?", (incident_id,))
        await self._db.commit()
        if index is not None:
            index.remove_incident(incident_id)

    async def purge(self, older_than: datetime) -> int:
        cur = await self._db.execute("DELETE FROM poster_hashes WHERE created_at < ?", (_iso(older_than),))
        await self._db.commit()
        return cur.rowcount

    async def _known(self, where: str, args: tuple) -> list[KnownPoster]:
        out = []
        async with self._db.execute(
            f"SELECT incident_id, chat_key, phash, edge, category FROM poster_hashes {where} ORDER BY id", args
        ) as cur:
            async for incident_id, chat_key, p, e, category in cur:
                try:
                    out.append(KnownPoster(PosterHash.from_hex(f"{p}:{e}"), incident_id, chat_key, category))
                except ValueError:  # a damaged row must not stop the others from loading
                    log.warning("poster_hashes: unreadable hash for incident %s skipped", incident_id)
        return out


def _now() -> str:
    return _iso(datetime.now(timezone.utc))


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")
