"""The moderation pipeline as a chat transcript: guards, durable incident before action, dedupe, contained
failures, dry-run, per-chat settings, warnings and admin notifications."""

from __future__ import annotations

import re

import pytest

from bot.config import Config
from bot.store.service import IncidentStore
from tests.support.bot_core import Chat, FixedEngine, RecordingExecutor, real_engine, verdict_for

SCAM = "出售Sora内测账号，只要299，加V私聊"
SCAM_EN = "Selling Sora invite codes, DM me"
TOKEN = "123456:AAE-secret-token-value"


@pytest.fixture
async def store(tmp_path):
    store = await IncidentStore.open(tmp_path / "lg.db")
    yield store
    await store.close()


@pytest.fixture
def engine():
    return FixedEngine({
        SCAM: verdict_for(SCAM, 0.92, evidence=("Sora", "内测账号")),
        SCAM_EN: verdict_for(SCAM_EN, 0.9, lang="en", evidence=("Sora", "invite codes")),
        "maybe": verdict_for("maybe", 0.5, lang="en"),
    }, fail_on="BOOM")


@pytest.fixture
def chat(engine, store):
    return Chat(engine, store)


async def test_clean_message_does_nothing_and_records_nothing(chat, store):
    outcome = await chat.say("alice", "今天天气不错")
    assert outcome.label == "clean" and outcome.incident_id is None
    assert chat.pop() == []
    assert await store.list() == []


async def test_scam_is_recorded_before_the_bot_warns_and_notifies(chat, store):
    seen_in_store = []

    async def look(msg, action, incident_id):
        seen_in_store.append(await store.get(incident_id))

    chat.executor.on_execute = look
    outcome = await chat.say("alice", SCAM)
    assert outcome.label == "scam"
    assert chat.kinds() == ["warn", "notify_admins"]
    assert len(seen_in_store) == 2  # looked at the store when each action ran
    assert all(i is not None and i.id == outcome.incident_id for i in seen_in_store)  # durable before acting
    incident = await store.get(outcome.incident_id)
    assert (incident.source, incident.chat_id, incident.author_name, incident.verdict) == \
        ("telegram", "-100", "alice", "scam")
    assert [r["status"] for r in incident.action_results] == ["done", "done"]


async def test_warning_explains_itself_in_the_message_language(chat):
    await chat.say("alice", SCAM)
    warn, notice = chat.pop()
    text = warn.reply.text
    assert "虚假AI产品账号" in text  # the kind of scam, in Chinese
    assert "«Sora»" in text and "«内测账号»" in text  # the evidence
    # the official statement that holds today (dated on or after Sora's opening), its author, its exact words
    # and LeekGuard's translation labelled as one
    cited = re.search(r"OpenAI（[^）]*，(\d{4}-\d{2}-\d{2})）原话：“[^”]+”", text)
    assert cited and cited.group(1) >= "2024-12-09" and "译文" in text
    assert "https://sora.com" in text  # where the real product is
    assert len(text) < 600  # fits a phone screen
    await chat.say("bob", SCAM_EN)
    warn_en = chat.pop()[0].reply.text
    assert "fake access to an AI product" in warn_en and "The real Sora: https://sora.com" in warn_en


async def test_unknown_message_language_falls_back_to_the_chat_language(engine, store):
    engine.verdicts["Соро доступ"] = verdict_for("Соро доступ", 0.9, lang="ru")
    chat = Chat(engine, store, Config(language="zh-Hant"))
    await chat.say("ivan", "Соро доступ")
    assert "虛假AI產品帳號" in chat.pop()[0].reply.text


async def test_admin_notification_carries_review_buttons(chat):
    outcome = await chat.say("alice", SCAM)
    notice = chat.pop()[1]
    assert notice.action.kind == "notify_admins"
    iid = outcome.incident_id
    assert [b.action for b in notice.reply.buttons] == [f"confirm:{iid}", f"dismiss:{iid}", f"ban:{iid}",
                                                         f"undo:{iid}"]
    assert notice.reply.extra["chat_key"] == "telegram:-100"
    assert f"#{iid}" in notice.reply.text and "alice" in notice.reply.text


@pytest.mark.parametrize("kw, reason", [
    ({"is_admin": True}, "admin"),
    ({"user_id": "42"}, "allowlisted"),
    ({"is_bot": True, "user_id": "77"}, "trusted_bot"),
])
async def test_guards_skip_admins_allowlisted_users_and_trusted_bots(engine, store, kw, reason):
    config = Config.model_validate({"guards": {"allowlist": ["telegram:42"], "trusted_bots": ["telegram:77"]}})
    chat = Chat(engine, store, config)
    outcome = await chat.say("someone", SCAM, **kw)
    assert outcome.skipped_reason == reason
    assert chat.pop() == [] and await store.list() == []


async def test_untrusted_bots_are_moderated_and_disabled_chats_are_not(engine, store):
    chat = Chat(engine, store, Config.model_validate({"guards": {"disabled_chats": ["telegram:-200"]}}))
    assert (await chat.say("spambot", SCAM, is_bot=True)).label == "scam"
    off = Chat(engine, store, chat.config, chat_id="-200")
    assert (await off.say("alice", SCAM)).skipped_reason == "disabled_chat"
    assert (await chat.say("alice", "   ")).skipped_reason == "empty"
    chat.moderator.self_ids.add("999")
    assert (await chat.say("me", SCAM, user_id="999")).skipped_reason == "self"


async def test_redelivered_message_is_not_acted_on_twice(chat, store):
    msg = chat.message("alice", SCAM)
    first = await chat.moderator.handle(msg)
    again = await chat.moderator.handle(msg)
    assert again.skipped_reason == "duplicate" and again.incident_id == first.incident_id
    assert chat.kinds() == ["warn", "notify_admins"]
    assert len(await store.list()) == 1


async def test_an_edit_is_reanalysed_and_updates_its_incident(chat, engine, store):
    first = await chat.say("alice", "maybe", message_id="50")
    assert first.label == "suspicious" and chat.kinds() == ["notify_admins"]
    engine.verdicts["maybe, DM me"] = verdict_for("maybe, DM me", 0.95, lang="en")
    edited = await chat.say("alice", "maybe, DM me", message_id="50", edited=True)
    assert edited.label == "scam" and edited.incident_id == first.incident_id
    # escalated to the scam policy; she had not been warned yet, and admins hear again: it got worse
    assert chat.kinds() == ["warn", "notify_admins"]
    incidents = await store.list()
    assert len(incidents) == 1 and incidents[0].verdict == "scam" and incidents[0].text == "maybe, DM me"


async def test_a_failing_action_is_recorded_and_the_others_still_happen(engine, store):
    executor = RecordingExecutor(fail={"delete": RuntimeError(f"HTTP 400 from /bot{TOKEN}/deleteMessage")})
    config = Config.model_validate({"policy": {"scam": ["warn", "delete", "notify_admins"]},
                                    "telegram": {"token": TOKEN}})
    chat = Chat(engine, store, config, executor=executor)
    outcome = await chat.say("alice", SCAM)
    assert chat.kinds() == ["warn", "notify_admins"]
    assert [r.status for r in outcome.results] == ["done", "failed", "done"]
    stored = (await store.get(outcome.incident_id)).action_results
    assert stored[1]["status"] == "failed" and "HTTP 400" in stored[1]["detail"]
    assert TOKEN not in stored[1]["detail"]  # secrets never reach the log
    assert (await chat.say("bob", SCAM_EN)).label == "scam"  # the bot keeps serving


async def test_a_failing_engine_is_contained(chat):
    assert (await chat.say("alice", "BOOM")).skipped_reason == "engine_error"
    assert (await chat.say("alice", SCAM)).label == "scam"


async def test_a_partial_verdict_records_the_detector_error(engine, chat, store):
    engine.verdicts["half"] = verdict_for("half", 0.9, error="detector failure: ValueError: bad")
    outcome = await chat.say("alice", "half")
    incident = await store.get(outcome.incident_id)
    assert any(f["detector"] == "error" and "ValueError" in f["reason"] for f in incident.findings)


async def test_moderation_goes_on_when_the_store_is_gone(chat, store):
    await store.close()
    outcome = await chat.say("alice", SCAM)
    assert outcome.label == "scam" and outcome.incident_id is None
    assert chat.kinds() == ["warn", "notify_admins"]


async def test_dry_run_decides_and_records_but_acts_on_nothing(engine, store):
    chat = Chat(engine, store, Config.model_validate({"policy": {"dry_run": True, "scam": ["warn", "ban"]}}))
    outcome = await chat.say("alice", SCAM)
    assert chat.pop() == []
    assert [p.action.kind for p in chat.executor.previews] == ["warn", "ban"]
    assert [r.status for r in outcome.results] == ["dry-run", "dry-run"]
    incident = await store.get(outcome.incident_id)
    assert [r["status"] for r in incident.action_results] == ["dry-run", "dry-run"]


async def test_settings_changed_by_admins_apply_to_the_next_message(chat):
    await chat.settings.set("telegram:-100", "scam", "delete, mute")
    await chat.settings.set("telegram:-100", "mute_seconds", "10m")
    await chat.say("alice", SCAM)
    done = chat.pop()
    assert [(d.action.kind, d.action.seconds) for d in done] == [("delete", None), ("mute", 600)]


async def test_real_engine_end_to_end(store):
    chat = Chat(real_engine(), store)
    outcome = await chat.say("alice", "出售Sora内测账号，只要299，加V私聊 sora888")
    assert outcome.label == "scam"
    warn, notice = chat.pop()
    assert "https://sora.com" in warn.reply.text and "证据" in warn.reply.text
    assert (await chat.say("bob", "Has anyone tried the new Sora app? The videos look great.")).label == "clean"
    assert chat.pop() == []
