"""Incident store: recording, dedupe and edits, filters, review and learning tables, retention, erasure.

Every test that is about behaviour runs on both backends (the `db` fixture: a SQLite file, then a database on a
real PostgreSQL server); the ones about SQLite's file (bytes left on disk, online backup, query plans) use
`sqlite_store`."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace

import pytest

from bot.actions import Action, ActionResult
from bot.store.service import IncidentStore
from bot.store.types import NewIncident, NotFound, StoreClosed
from tests.support.incidents import SCAM_TEXT, count_rows, days_ago, finding, incident


@pytest.fixture
async def store(db):
    s = await IncidentStore.open(db)
    yield s
    await s.close()


@pytest.fixture
async def sqlite_store(tmp_path):
    s = await IncidentStore.open(tmp_path / "lg.db")
    yield s
    await s.close()


async def test_record_then_same_delivery_again_is_one_incident(store, db):
    inc = incident()
    first = await store.record(inc)
    again = await store.record(inc)
    assert first.created and not first.pending and first.id is not None
    assert again.id == first.id and not again.created and not again.changed
    assert count_rows(db) == 1
    got = await store.get(first.id)
    assert got.text == SCAM_TEXT and got.verdict == "scam" and got.state == "open"
    assert got.findings[0]["evidence"][0]["text"] == "Sora内测账号"
    assert got.actions == [{"action": "warn", "seconds": None, "silent": False}]


async def test_edit_keeping_the_verdict_changes_nothing(store):
    inc = incident()
    first = await store.record(inc)
    edited = await store.record(replace(inc, text=SCAM_TEXT + " 限时", categories=("fake_access",)))
    assert edited.id == first.id and not edited.changed
    assert (await store.get(first.id)).text == SCAM_TEXT  # what was acted on stays on record
    reordered = await store.record(replace(inc, categories=("fake_access",)))
    assert not reordered.changed


async def test_edit_that_changes_the_verdict_updates_and_keeps_history(store):
    inc = incident(categories=("fake_access", "paid_course"))
    first = await store.record(inc)
    await store.set_action_results(first.id, [ActionResult(Action("warn"), "done")])
    edit = replace(inc, text="hello everyone", verdict="suspicious", score=0.5, categories=("group_recruiting",))
    res = await store.record(edit)
    assert res.id == first.id and res.changed and not res.created
    got = await store.get(first.id)
    assert (got.verdict, got.text, got.categories, got.revision) == ("suspicious", "hello everyone",
                                                                      ("group_recruiting",), 1)
    assert got.history[0]["verdict"] == "scam" and got.history[0]["text"] == SCAM_TEXT
    assert got.history[0]["action_results"][0]["status"] == "done" and got.action_results == []
    # the category index follows the edit
    assert await store.list(category="fake_access") == []
    assert [i.id for i in await store.list(category="group_recruiting")] == [first.id]
    # same categories in another order: not a change
    assert not (await store.record(replace(edit, categories=("group_recruiting",)))).changed


async def test_repeats_inside_one_group_commit(store, db):
    # Submitted together, these share one transaction: each still gets its own, correct answer.
    a, b = incident(), incident()
    edit = replace(a, verdict="suspicious", categories=("paid_course",))
    results = await asyncio.gather(store.record(a), store.record(b), store.record(a), store.record(edit),
                                   store.record(b))
    ra, rb, ra2, redit, rb2 = results
    assert ra.created and rb.created and ra.id != rb.id
    assert (ra2.id, ra2.created, ra2.changed) == (ra.id, False, False)
    assert (redit.id, redit.changed) == (ra.id, True)
    assert (rb2.id, rb2.created, rb2.changed) == (rb.id, False, False)
    assert count_rows(db) == 2
    assert (await store.get(ra.id)).verdict == "suspicious"


async def test_action_results_by_id_and_by_key(store):
    a = await store.record(incident())
    b = await store.record(incident())
    assert await store.set_action_results(a.id, [ActionResult(Action("mute", 60), "failed", "no rights")])
    assert await store.set_action_results(b.key, [{"action": "delete", "status": "dry-run", "detail": ""}])
    assert (await store.get(a.id)).action_results[0] == {"action": "mute", "seconds": 60, "status": "failed",
                                                          "detail": "no rights"}
    assert (await store.get(b.id)).action_results[0]["status"] == "dry-run"


async def test_filters(store):
    ids = {}
    ids["old"] = (await store.record(incident(created_at=days_ago(10), categories=("paid_course",)))).id
    ids["tg"] = (await store.record(incident(created_at=days_ago(2)))).id
    ids["dc"] = (await store.record(incident(source="discord", chat_id="-100", author_id="7", created_at=days_ago(1),
                                             verdict="suspicious", categories=("fake_api", "fake_access")))).id
    ids["other"] = (await store.record(incident(chat_id="-200", author_id="43", created_at=days_ago(0.5)))).id
    await store.review(ids["tg"], "confirm", by="mod")

    def got(rows):
        return [r.id for r in rows]

    assert got(await store.list()) == [ids["other"], ids["dc"], ids["tg"], ids["old"]]  # newest first
    assert got(await store.list(chat="telegram:-100")) == [ids["tg"], ids["old"]]
    assert got(await store.list(chat="-100")) == [ids["dc"], ids["tg"], ids["old"]]
    assert got(await store.list(state="confirmed")) == [ids["tg"]]
    assert got(await store.list(category="fake_access")) == [ids["other"], ids["dc"], ids["tg"]]
    assert got(await store.list(category="fake_access", chat="discord:-100")) == [ids["dc"]]
    assert got(await store.list(author="telegram:42")) == [ids["tg"], ids["old"]]
    assert got(await store.list(author="7")) == [ids["dc"]]
    assert got(await store.list(since=days_ago(3))) == [ids["other"], ids["dc"], ids["tg"]]
    assert got(await store.list(verdict="suspicious")) == [ids["dc"]]
    assert got(await store.list(limit=2)) == [ids["other"], ids["dc"]]
    assert got(await store.list(limit=2, offset=2)) == [ids["tg"], ids["old"]]
    assert got(await store.list(category="fake_access", state="confirmed", since=days_ago(3))) == [ids["tg"]]
    with pytest.raises(ValueError):
        await store.list(state="nonsense")


async def test_streaming_pages_through_everything_once(store):
    made = [(await store.record(incident(created_at=days_ago(1)))).id for _ in range(23)]  # same timestamp ties
    streamed = [i.id async for i in store.iter_incidents(page=5)]
    assert sorted(streamed) == sorted(made) and len(set(streamed)) == 23


async def test_review_confirm_dismiss_reopen_and_samples(store):
    rid = (await store.record(incident())).id
    r = await store.review(rid, "confirm", by="alice", note="classic")
    assert (r.previous_state, r.incident.state, r.incident.reviewed_by, r.incident.review_note) == (
        "open", "confirmed", "alice", "classic")
    assert r.sample.label == "scam" and r.sample.text == SCAM_TEXT and r.sample.incident_id == rid
    assert r.sample.chat_key == "telegram:-100" and r.sample.author_key == "telegram:42" and r.replaced is None
    again = await store.review(rid, "confirmed", by="alice")
    assert again.sample is None and again.replaced is None  # nothing new to learn
    d = await store.review(rid, "dismiss", by="bob")
    assert d.sample.label == "clean" and d.replaced.id == r.sample.id
    assert [(s.label, s.incident_id) for s in await store.list_samples()] == [("clean", rid)]
    o = await store.review(rid, "reopen")
    assert o.incident.state == "open" and o.incident.reviewed_by is None and o.replaced.label == "clean"
    assert await store.list_samples() == []
    quiet = await store.review(rid, "confirm", by="carol", learn=False)
    assert quiet.incident.state == "confirmed" and quiet.sample is None and await store.list_samples() == []
    with pytest.raises(NotFound):
        await store.review(999, "confirm")
    with pytest.raises(ValueError):
        await store.review(rid, "ban")


async def test_samples_ids_are_never_reused(store):
    a = await store.add_sample("加微信领取 GPT-4 账号", "scam", by="cli")
    assert (await store.remove_sample(a.id)).id == a.id
    b = await store.add_sample("大家好，今天分享一个开源模型", "clean")
    assert b.id > a.id
    assert await store.remove_sample(a.id) is None
    assert [s.id for s in await store.list_samples(label="clean")] == [b.id]
    assert await store.list_samples(after_id=b.id) == []
    with pytest.raises(ValueError):
        await store.add_sample("x", "maybe")


async def test_exemptions_and_chat_settings_survive_restart(db):
    path = db
    async with await IncidentStore.open(path) as s:
        await s.add_exemption("telegram:-100", "$price", by="alice", note="a shop chat")
        await s.add_exemption("telegram:-100", "$price", by="bob")  # idempotent, last writer wins
        await s.add_exemption("discord:9", "fake_api.cheap_key")
        await s.set_chat_settings("telegram:-100", {"scam": ["warn", "delete"], "language": "en"}, by="alice")
    async with await IncidentStore.open(path) as s:
        assert [(e.chat_key, e.rule_id, e.added_by) for e in await s.list_exemptions("telegram:-100")] == [
            ("telegram:-100", "$price", "bob")]
        assert len(await s.list_exemptions()) == 2
        assert await s.remove_exemption("discord:9", "fake_api.cheap_key")
        assert not await s.remove_exemption("discord:9", "fake_api.cheap_key")
        assert await s.get_chat_settings("telegram:-100") == {"scam": ["warn", "delete"], "language": "en"}
        assert await s.get_chat_settings("telegram:-999") is None


async def test_stats(store):
    await store.record(incident(categories=("fake_access", "paid_course"), created_at=days_ago(1)))
    await store.record(incident(categories=("fake_access",), verdict="suspicious"))
    x = await store.record(incident(chat_id="-200", categories=("fake_api",)))
    await store.review(x.id, "dismiss")
    s = await store.stats()
    assert s["total"] == 3
    assert s["by_category"] == {"fake_access": 2, "paid_course": 1, "fake_api": 1}
    assert s["by_state"] == {"open": 2, "dismissed": 1}
    assert s["by_verdict"] == {"scam": 2, "suspicious": 1}
    assert sum(s["by_day"].values()) == 3 and len(s["by_day"]) == 2
    assert (await store.stats(chat="telegram:-200"))["by_category"] == {"fake_api": 1}
    assert (await store.stats(since=days_ago(0.5)))["total"] == 2


async def test_purge_keeps_recent_incidents_and_learned_samples(store, db):
    old = await store.record(incident(created_at=days_ago(200), categories=("paid_course",)))
    await store.review(old.id, "confirm")
    new = await store.record(incident(created_at=days_ago(1)))
    assert await store.purge(180) == 1
    assert await store.get(old.id) is None and await store.get(new.id) is not None
    assert count_rows(db, "incident_categories") == 1  # no orphan category rows
    assert [s.incident_id for s in await store.list_samples()] == [old.id]  # training data stays
    assert await store.purge(180) == 0


async def test_retention_runs_at_start_up(db):
    path = db
    async with await IncidentStore.open(path, retention_days=None) as s:
        await s.record(incident(created_at=days_ago(40)))
        await s.record(incident(created_at=days_ago(5)))
    async with await IncidentStore.open(path, retention_days=30) as s:
        for _ in range(50):
            if len(await s.list()) == 1:
                break
            await asyncio.sleep(0.02)
        assert len(await s.list()) == 1


async def test_forget_user_erases_their_text_from_the_file(sqlite_store, tmp_path):
    store = sqlite_store
    marker = "独一无二的骗子文本 unique-marker-7731"
    mine = await store.record(incident(author_id="666", text=marker))
    await store.review(mine.id, "confirm")
    same_id_elsewhere = await store.record(incident(source="discord", author_id="666", text="discord text"))
    other = await store.record(incident(author_id="667"))
    res = await store.forget_user("telegram", "666")
    assert (res.incidents, res.samples) == (1, 1)
    assert await store.get(mine.id) is None
    assert await store.get(same_id_elsewhere.id) is not None and await store.get(other.id) is not None
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("lg.db"))
    assert marker.encode() not in raw
    newest = await store.record(incident())
    assert newest.id > other.id  # ids are not handed out again


async def test_forget_user_erases_their_incidents_and_samples(store):
    mine = await store.record(incident(author_id="666", text="their words"))
    await store.review(mine.id, "confirm")
    elsewhere = await store.record(incident(source="discord", author_id="666"))
    res = await store.forget_user("telegram", "666")
    assert (res.incidents, res.samples) == (1, 1)
    assert await store.get(mine.id) is None and await store.get(elsewhere.id) is not None
    assert await store.list(search="their words") == [] and await store.list_samples() == []
    assert await store.review_log(mine.id) == []


async def test_forget_user_erases_the_poster_hashes_of_their_incidents(store, db, tmp_path):
    from bot.images.posters import PosterStore
    from detectors.images.poster_hash import PosterHash

    theirs, kept = PosterHash(0xA11CE << 200, 0xB0B << 100), PosterHash(0xC0FFEE, 0xBEEF)
    mine = await store.record(incident(author_id="666", message_id="m1"))
    same_id_elsewhere = await store.record(incident(source="discord", author_id="666", message_id="m2"))
    posters = await PosterStore.open(db)  # the bot's image checks keep them in the same database
    try:
        await posters.remember(mine.id, "telegram:-100", theirs, confirmed=True)
        await posters.remember(same_id_elsewhere.id, "discord:9", kept, confirmed=True)
        res = await store.forget_user("telegram", "666")
        assert (res.incidents, res.posters) == (1, 1)
        assert [k.incident_id for k in await posters.confirmed()] == [same_id_elsewhere.id]  # no copy matched
    finally:
        await posters.close()
    if store.backend.kind == "sqlite":  # and nothing of theirs is left in the file's bytes
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("lg.db"))
        assert theirs.hex().split(":")[0].encode() not in raw and kept.hex().split(":")[0].encode() in raw


async def test_forget_user_without_any_poster_table(store):
    await store.record(incident(author_id="666"))
    assert (await store.forget_user("telegram", "666")).posters == 0


async def test_excerpt_mode_keeps_the_start_and_the_length(db, tmp_path):
    async with await IncidentStore.open(db, text_mode="excerpt", excerpt_chars=10) as s:
        long = await s.record(incident(text="一二三四五六七八九十十一十二"))
        short = await s.record(incident(text="短"))
        got = await s.get(long.id)
        assert got.text == "一二三四五六七八九…" and got.text_len == 14 and got.is_excerpt
        assert (await s.get(short.id)).text == "短"
    with pytest.raises(ValueError):
        await IncidentStore.open(tmp_path / "x.db", text_mode="summary")


async def test_from_verdict_builds_an_incident_from_shared_types(store):
    from leekguard_types import Author, Finding, Message, Span, Verdict
    msg = Message(platform="discord", chat_id="9", message_id="5", author=Author(id="7", name="Eve"),
                  text="cheap gpt key", chat_title="lab")
    verdict = Verdict(label="suspicious", score=0.5, categories=("fake_api",), text_hash="abc", lang="en",
                      findings=(Finding("pattern", "fake_api", 0.5, "r", "理由", "fake_api.key",
                                        evidence=(Span(0, 5, "cheap"),)),))
    res = await store.record(NewIncident.from_verdict(msg, verdict, [Action("delete"), Action("mute", 60)]))
    got = await store.get(res.id)
    assert (got.chat_key, got.author_key, got.author_name, got.verdict, got.text_hash) == (
        "discord:9", "discord:7", "Eve", "suspicious", "abc")
    assert got.actions[1] == {"action": "mute", "seconds": 60, "silent": False}
    assert got.rules == ("fake_api.key",)


async def test_closed_store_refuses_work(db):
    s = await IncidentStore.open(db)
    report = await s.close()
    assert report.ok and await s.close() is report
    with pytest.raises(StoreClosed):
        await s.record(incident())
    with pytest.raises(StoreClosed):
        await s.list()


async def test_backup_while_writing(sqlite_store, tmp_path):
    store = sqlite_store
    stop = asyncio.Event()
    written = 0

    async def writer():
        nonlocal written
        while not stop.is_set():
            await store.record(incident(findings=[finding()] * 5))
            written += 1

    tasks = [asyncio.create_task(writer()) for _ in range(4)]
    await asyncio.sleep(0.2)
    before = written
    info = await store.backup(tmp_path / "copy.db")
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks)
    assert info["incidents"] >= before and info["incidents"] <= written
    con = sqlite3.connect(tmp_path / "copy.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == info["incidents"]
    con.close()
    assert not (tmp_path / "copy.db.partial").exists() and not (tmp_path / "copy.db-wal").exists()
    assert (await store.record(incident())).created  # the live store carries on


async def test_web_console_reads_verdict_index_text_search_keyset_pages_and_chat_counts(store):
    """What the web console asks of the store: the verdict filter is an index range (schema v4), text search
    finds words (LIKE wildcards in the words are literal), keyset pages follow each other, stats per chat."""
    made = []
    for n, (verdict, text, chat) in enumerate([("scam", "Sora 100% 内测", "-100"), ("clean", "hello", "-100"),
                                               ("scam", "cheap_key", "-200"), ("suspicious", "GPT api", "-200")]):
        made.append((await store.record(incident(message_id=f"w{n}", verdict=verdict, text=text, chat_id=chat,
                                                 created_at=days_ago(4 - n)))).id)
    assert [i.id for i in await store.list(verdict="scam")] == [made[2], made[0]]
    assert [i.id for i in await store.list(search="100%")] == [made[0]]
    assert [i.id for i in await store.list(search="%")] == [made[0]]
    assert [i.id for i in await store.list(search="e_p")] == []  # "_" is no wildcard ("cheap" has no "e_p")
    assert [i.id for i in await store.list(search="p_k")] == [made[2]]
    assert [i.id for i in await store.list(search="gpt API")] == [made[3]]  # ASCII case-insensitive
    first = await store.list(limit=2)
    rest = await store.list(limit=2, after=(first[-1].created_at.timestamp(), first[-1].id))
    assert [i.id for i in first + rest] == made[::-1]
    stats = await store.stats()
    assert stats["by_chat"] == {"telegram:-100": 2, "telegram:-200": 2}
    if store.backend.kind != "sqlite":
        return  # PostgreSQL plans by its statistics; the index exists (pg/schema.py)
    con = sqlite3.connect(store.path)
    try:
        plan = " ".join(r[3] for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM incidents i WHERE i.verdict = 'scam' ORDER BY i.created_at DESC"))
    finally:
        con.close()
    assert "incidents_verdict_time" in plan, plan


async def test_verdict_beside_a_narrower_filter_leaves_that_filter_s_index_in_charge(sqlite_store):
    store = sqlite_store
    """One chat's suspicious incidents: the chat index drives (the verdict index would walk a third of the log)."""
    from bot.store.sql import IncidentFilter, select_incidents

    await store.record(incident(message_id="p1", verdict="suspicious"))
    con = sqlite3.connect(store.path)
    try:
        for f, index in ((IncidentFilter(chat="telegram:-100", verdict="suspicious"), "incidents_chat_time"),
                         (IncidentFilter(verdict="suspicious"), "incidents_verdict_time")):
            sql, params = select_incidents(f, 50)
            plan = " ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert index in plan, plan
    finally:
        con.close()
    assert [i.message_id for i in await store.list(chat="telegram:-100", verdict="suspicious")] == ["p1"]
