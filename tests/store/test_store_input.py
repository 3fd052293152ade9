"""Whatever a chat member writes is stored and shown as written, and never changes a query (on both backends).

One difference, documented in bot/store/pg/conn.py: PostgreSQL text cannot hold NUL, so there a NUL character
is stored as U+FFFD; SQLite keeps it."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings, strategies as st

from bot.store.service import IncidentStore
from bot.store.text import clean_text
from tests.support.incidents import count_rows, incident

NASTY = [
    "'; DROP TABLE incidents; --",
    "\" OR 1=1 --",
    "x') OR ('1'='1",
    "%_\\%' ESCAPE '\\",
    "?; ATTACH DATABASE '/tmp/evil.db' AS evil; --",
    "$1 :name @p ?1",
    "a\x00b",  # NUL inside
    "\u202eevil\u202c \u200b\u200d 🧑‍💻 é (e + combining) ﷽ 𝕮𝖍𝖆𝖙𝕲𝕻𝕿",
    "",
]


@pytest.fixture
async def store(db):
    s = await IncidentStore.open(db)
    yield s
    await s.close()


def as_stored(store_kind: str, text: str) -> str:
    return text.replace("\x00", "\ufffd") if store_kind == "postgresql" else text


@pytest.mark.parametrize("nasty", NASTY)
async def test_metacharacters_in_every_field_are_stored_as_written(store, db, nasty):
    res = await store.record(incident(chat_id=nasty or "c", chat_title=nasty, message_id=nasty + "m", author_id=nasty,
                                      author_name=nasty, text=nasty, text_hash=nasty, categories=(nasty or "x",)))
    got = await store.get(res.id)
    kept = as_stored(store.backend.kind, nasty)
    assert (got.chat_id, got.chat_title, got.author_id, got.author_name, got.text) == (
        kept or "c", kept, kept, kept, kept)
    assert got.categories == (nasty.replace("\x00", "") or "x",)  # categories are identifiers: no NUL
    # filters take the same strings as plain values
    assert [i.id for i in await store.list(chat=nasty or "c", author=nasty, category=nasty or "x")] == [res.id]
    assert await store.list(chat=nasty + "' OR '1'='1") == []
    await store.review(res.id, "dismiss", by=nasty, note=nasty)
    await store.add_exemption(nasty, nasty, by=nasty)
    await store.set_chat_settings(nasty, {"note": nasty})
    assert await store.get_chat_settings(nasty) == {"note": nasty}
    assert [e.rule_id for e in await store.list_exemptions(nasty)] == [kept]
    assert (await store.forget_user("telegram", nasty)).incidents == 1
    catalog = "sqlite_master" if store.backend.kind == "sqlite" else "pg_tables"
    assert count_rows(db, catalog) > 5  # every table still there


async def test_huge_text_round_trips(store):
    text = ("加V领取GPT-5内测资格 " * 120_000)[:2_000_000]  # 2 million characters, ~5 MB of UTF-8
    res = await store.record(incident(text=text))
    got = await store.get(res.id)
    assert got.text == text and got.text_len == len(text)


def test_lone_surrogates_are_replaced_and_pairs_joined():
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("x\udfffy\ud83d") == "x\ufffdy\ufffd"
    assert clean_text("\ud83d\ude00") == "😀"  # a valid pair written as two code points
    plain = "普通文本 🧑‍💻"
    assert clean_text(plain) is plain  # the common case is not copied


async def test_lone_surrogates_in_any_field_do_not_break_recording(store):
    bad = "半个表情\ud83d后面"
    res = await store.record(incident(text=bad, author_name=bad, chat_title=bad, findings=[{"reason": bad}],
                                      categories=(bad,)))
    assert not res.pending
    got = await store.get(res.id)
    assert got.text == got.author_name == got.chat_title == "半个表情\ufffd后面"
    assert got.findings == [{"reason": "半个表情\ufffd后面"}]
    assert [i.id for i in await store.list(category=bad)] == [res.id]  # filters clean the same way


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@settings(max_examples=6, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=300), st.text(max_size=40)), min_size=1, max_size=25))
def test_any_unicode_round_trips(tmp_path_factory, request, kind, fields):
    async def run():
        path = tmp_path_factory.mktemp("u") / "lg.db" if kind == "sqlite" else request.getfixturevalue("pg").new_database()
        async with await IncidentStore.open(path, maintenance=False) as s:
            for text, name in fields:
                res = await s.record(incident(text=text, author_name=name, chat_title=name, author_id=name))
                got = await s.get(res.id)
                assert got.text == as_stored(kind, clean_text(text))
                assert got.author_name == as_stored(kind, clean_text(name))
                # an explicit platform prefix makes the rest the exact author id, whatever it contains
                assert res.id in [i.id for i in await s.list(author="telegram:" + name, limit=None)]

    asyncio.run(run())
