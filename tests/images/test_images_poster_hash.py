"""The same poster posted again is recognised (re-coloured, resized, re-compressed); different posters are not.
Known posters live in the incident database and only confirmed incidents count."""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageDraw, ImageOps

from bot.images.posters import PosterStore
from detectors.images.poster_hash import HASH_BITS, KnownPoster, PosterHash, PosterIndex, poster_hash
from detectors.images.settings import DEFAULT_POSTER_MAX_DISTANCE as LIMIT
from fake_platforms.posters import (
    MENU_LINES, SCAM_LINES, SCAM_QR, _font, menu_poster, poster, recoloured_resized, scam_poster, to_bytes,
)


@pytest.fixture(scope="module")
def original() -> PosterHash:
    return poster_hash(scam_poster())


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(to_bytes(img, "JPEG", quality=quality))).convert("RGB")


def _watermarked() -> Image.Image:
    img = scam_poster()
    ImageDraw.Draw(img).text((560, 1290), "@某某AI社群", fill=(120, 120, 120), font=_font(40))
    return img


COPIES = {
    "re-coloured, resized to 60%, JPEG": lambda: recoloured_resized(scam_poster(), 0.6),
    "re-coloured, resized to 35%, JPEG": lambda: recoloured_resized(scam_poster(), 0.35),
    "another background colour": lambda: poster(SCAM_LINES, SCAM_QR, background=((200, 230, 255), (255, 255, 255))),
    "JPEG quality 30": lambda: _jpeg(scam_poster(), 30),
    "a watermark added": _watermarked,
    "colours inverted": lambda: ImageOps.invert(scam_poster()),
    "another QR code pasted in": lambda: poster(SCAM_LINES, "https://u.wechat.com/another"),
}


@pytest.mark.parametrize("name", list(COPIES))
def test_copies_of_a_poster_are_within_the_limit(name, original):
    assert original.distance(poster_hash(COPIES[name]())) <= LIMIT


DIFFERENT = {
    "the restaurant menu": menu_poster,
    "same template, lines in another order": lambda: poster(SCAM_LINES[::-1], SCAM_QR),
    "same template, other text": lambda: poster([("Midjourney 永久会员", (0, 0, 0)), ("AI绘画 变现课", (200, 0, 0))],
                                                SCAM_QR),
    "menu lines on the scam colours": lambda: poster(MENU_LINES, SCAM_QR),
    "a photo-like gradient": lambda: Image.radial_gradient("L").resize((1080, 1527)).convert("RGB"),
}


@pytest.mark.parametrize("name", list(DIFFERENT))
def test_different_posters_stay_apart(name, original):
    # A margin above the limit, so a small change of the hashing cannot silently start matching them.
    assert original.distance(poster_hash(DIFFERENT[name]())) > LIMIT + 8


def test_hash_hex_round_trip(original):
    text = original.hex()
    assert len(text) == 2 * HASH_BITS // 4 + 1
    assert PosterHash.from_hex(text) == original


def test_index_finds_the_closest_and_prefers_the_same_chat(original):
    index = PosterIndex(LIMIT)
    assert index.match(original) is None
    index.add(KnownPoster(original, 7, "telegram:-100a", "fake_access"))
    index.add(KnownPoster(original, 9, "discord:42", "group_recruiting"))
    m = index.match(original, "discord:42")
    assert (m.incident_id, m.same_chat, m.distance, m.category) == (9, True, 0, "group_recruiting")
    m = index.match(original, "telegram:-999")
    assert m.same_chat is False and m.incident_id in (7, 9)
    index.remove_incident(9)
    index.remove_incident(7)
    assert index.match(original) is None


async def test_store_matches_only_confirmed_posters_and_survives_a_restart(tmp_path, original):
    db = tmp_path / "incidents.db"
    # The incident store's own tables already exist in the file: ours is added beside them.
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE incidents (id INTEGER PRIMARY KEY, text TEXT)")
    index = PosterIndex(LIMIT)
    store = await PosterStore.open(db)
    try:
        await store.remember(12, "telegram:-100a", original, "fake_access")
        await store.remember(12, "telegram:-100a", original, "fake_access")  # the same image twice: one row
        await store.remember(13, "telegram:-100a", poster_hash(menu_poster()))
        assert await store.load_index(index) == 0  # nothing confirmed yet: nothing matched
        assert await store.set_confirmed(12, True, index) == 1
        copy = poster_hash(recoloured_resized(scam_poster()))
        m = index.match(copy, "discord:42")
        assert m.incident_id == 12 and m.category == "fake_access" and not m.same_chat
    finally:
        await store.close()

    store = await PosterStore.open(db)  # a restart
    try:
        fresh = PosterIndex(LIMIT)
        assert await store.load_index(fresh) == 1 and fresh.match(copy).incident_id == 12
        await store.set_confirmed(12, False, fresh)  # the admin changed their mind
        assert fresh.match(copy) is None and await store.load_index(fresh) == 0
        assert await store.purge(datetime.now(timezone.utc) + timedelta(seconds=5)) == 2
    finally:
        await store.close()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM incidents").fetchone() == (0,)  # theirs untouched
        assert con.execute("SELECT count(*) FROM poster_hashes").fetchone() == (0,)


async def test_a_damaged_row_does_not_stop_the_others_loading(tmp_path, original):
    db = tmp_path / "incidents.db"
    store = await PosterStore.open(db)
    await store.remember(1, "telegram:1", original, confirmed=True)
    await store.close()
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO poster_hashes (incident_id, chat_key, phash, edge, confirmed, created_at) "
                    "VALUES (2, 'telegram:1', 'zz', 'not hex', 1, '2024-01-01')")
    store = await PosterStore.open(db)
    try:
        index = PosterIndex(LIMIT)
        assert await store.load_index(index) == 1 and index.match(original).incident_id == 1
    finally:
        await store.close()
