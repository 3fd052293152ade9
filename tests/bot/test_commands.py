"""Commands as a transcript: /check, /incidents, /review, /undo, /settings, /stats, /help and the buttons."""

from __future__ import annotations

import asyncio

import pytest

from bot.chat_settings import ChatSettingsService
from bot.commands import parse_command
from bot.config import Config
from bot.store.service import IncidentStore
from tests.support.bot_core import Chat, FixedEngine, real_engine, verdict_for

SCAM = "出售Sora内测账号，只要299，加V私聊"
SCAM_EN = "Selling Sora invite codes, DM me"


@pytest.fixture
async def store(tmp_path):
    store = await IncidentStore.open(tmp_path / "lg.db")
    yield store
    await store.close()


@pytest.fixture
def engine():
    return FixedEngine({
        SCAM: verdict_for(SCAM, 0.92, evidence=("Sora", "内测账号")),
        SCAM_EN: verdict_for(SCAM_EN, 0.9, lang="en", evidence=("Sora", "invite codes"), rule="fake_access.invite"),
    })


@pytest.fixture
def chat(engine, store):
    return Chat(engine, store, Config(language="en"))


def test_commands_are_parsed_like_chat_platforms_send_them():
    assert parse_command("/check@LeekGuardBot some text") == ("check", "some text")
    assert parse_command("/Stats") == ("stats", "")
    assert parse_command("/check 多行\n文字") == ("check", "多行\n文字")
    assert parse_command("hello /check") is None and parse_command("/ nothing") is None


async def test_unknown_command_is_left_to_the_adapter(chat):
    assert await chat.command("/frobnicate now") is None


async def test_check_shows_verdict_score_reasons_and_highlighted_evidence_and_never_acts(chat, store):
    reply = await chat.command(f"/check {SCAM_EN}", user="bob", is_admin=False)
    assert "Verdict: scam (score 0.90)" in reply.text
    assert "+ Sells access [fake_access.invite]" in reply.text
    assert "«Sora»" in reply.text and "«invite codes»" in reply.text
    assert [s.text for s in reply.highlight] == ["Sora", "invite codes"] and reply.quote == SCAM_EN
    assert "never acts" in reply.text
    assert chat.pop() == []  # nothing carried out
    logged = await store.list(chat="check:telegram:-100")
    assert [(i.source, i.author_name, i.verdict) for i in logged] == [("check", "bob", "scam")]


async def test_check_a_replied_message_in_its_own_language(chat):
    target = chat.message("alice", SCAM)
    reply = await chat.command("/check", reply_to=target)
    assert "诈骗" in reply.text and "«内测账号»" in reply.text


async def test_check_of_a_clean_text_records_nothing(chat, store):
    reply = await chat.command("/check good morning")
    assert "no scam signs" in reply.text
    assert await store.list() == []
    assert "Nothing to check" in (await chat.command("/check")).text


async def test_check_is_rate_limited_per_user_but_not_for_admins(chat):
    for _ in range(5):
        assert "Verdict" in (await chat.command("/check hi", user="bob", is_admin=False)).text
    slow = await chat.command("/check hi", user="bob", is_admin=False)
    assert "Too many checks" in slow.text and slow.ephemeral
    assert "Verdict" in (await chat.command("/check hi", user="carol", is_admin=False)).text
    for _ in range(10):
        assert "Verdict" in (await chat.command("/check hi", user="admin")).text


async def test_admin_commands_refuse_members(chat):
    for command in ("/incidents", "/review 1 confirm", "/undo 1", "/settings", "/settings set language en"):
        reply = await chat.command(command, user="bob", is_admin=False)
        assert reply.text == "Only admins of this chat can do that.", command


async def test_incidents_lists_this_chat_newest_first(chat, engine, store):
    first = await chat.say("alice", SCAM)
    second = await chat.say("bob", SCAM_EN)
    other = Chat(engine, store, chat.config, chat_id="-999")
    await other.say("mallory", SCAM)
    reply = await chat.command("/incidents")
    lines = reply.text.splitlines()
    assert lines[1].startswith(f"#{second.incident_id} ") and "bob" in lines[1] and "[open]" in lines[1]
    assert lines[2].startswith(f"#{first.incident_id} ")
    assert "mallory" not in reply.text
    assert len((await chat.command("/incidents 1")).text.splitlines()) == 3
    assert "Usage" in (await chat.command("/incidents many")).text


async def test_confirm_teaches_the_engine_and_undo_forgets(chat, engine, store):
    outcome = await chat.say("alice", SCAM)
    iid = outcome.incident_id
    reply = await chat.command(f"/review {iid} confirm looks like the Feb 2024 wave")
    assert f"Incident #{iid} confirmed as a scam by admin" in reply.text
    incident = await store.get(iid)
    assert (incident.state, incident.review_note) == ("confirmed", "looks like the Feb 2024 wave")
    assert engine.learned == [(SCAM, "scam")]
    assert [(s.text, s.label) for s in await store.list_samples()] == [(SCAM, "scam")]
    undone = await chat.command(f"/undo {iid}")
    assert "undone" in undone.text
    assert (await store.get(iid)).state == "open"
    assert engine.learned == [] and await store.list_samples() == []
    assert "has not been reviewed" in (await chat.command(f"/undo {iid}")).text


async def test_dismiss_with_exempt_stops_the_rule_in_this_chat_and_changing_the_review_relearns(chat, engine, store):
    iid = (await chat.say("bob", SCAM_EN)).incident_id
    reply = await chat.command(f"/review {iid} dismiss exempt it is our own giveaway")
    assert "Rule fake_access.invite will no longer fire in this chat" in reply.text
    assert engine.learned == [(SCAM_EN, "clean")]
    assert engine.exempted == {("telegram:-100", "fake_access.invite")}
    assert [e.rule_id for e in await store.list_exemptions("telegram:-100")] == ["fake_access.invite"]
    # changing one's mind: the clean sample is replaced by a scam sample
    await chat.command(f"/review {iid} confirm")
    assert engine.learned == [(SCAM_EN, "scam")]
    # undo removes what the review taught and the exemption it added
    await chat.command(f"/undo {iid}")
    assert engine.learned == [] and engine.exempted == set()
    assert await store.list_exemptions("telegram:-100") == []


async def test_review_is_limited_to_the_chat_the_incident_belongs_to(chat, engine, store):
    other = Chat(engine, store, chat.config, chat_id="-999")
    iid = (await other.say("mallory", SCAM)).incident_id
    assert f"No incident #{iid} in this chat." == (await chat.command(f"/review {iid} confirm")).text
    assert (await store.get(iid)).state == "open"
    assert "Usage" in (await chat.command("/review abc confirm")).text
    assert "Usage" in (await chat.command("/review 1 maybe")).text


async def test_buttons_review_ban_and_undo_for_admins_only(chat, engine, store):
    iid = (await chat.say("alice", SCAM)).incident_id
    chat.pop()
    assert await chat.commands.incident_chat(iid) == "telegram:-100"
    refused = await chat.commands.handle_button(f"confirm:{iid}", chat.ctx("bob", is_admin=False))
    assert refused.text == "Only admins of this chat can do that." and (await store.get(iid)).state == "open"
    confirmed = await chat.commands.handle_button(f"confirm:{iid}", chat.ctx())
    assert "confirmed" in confirmed.text and engine.learned == [(SCAM, "scam")]
    undone = await chat.commands.handle_button(f"undo:{iid}", chat.ctx())
    assert "undone" in undone.text and engine.learned == []
    banned = await chat.commands.handle_button(f"ban:{iid}", chat.ctx())
    assert "alice banned" in banned.text
    done = chat.pop()
    assert [(d.action.kind, d.msg.author.id, d.msg.chat_id) for d in done] == [("ban", "alice", "-100")]
    assert engine.learned == [] and await store.list_samples() == []  # a ban alone never trains
    assert (await store.get(iid)).action_results[-1]["action"] == "ban"
    assert "Unknown button" in (await chat.commands.handle_button("nuke:1", chat.ctx())).text


@pytest.fixture
def strict(engine, store):
    """A chat whose policy deletes scams and mutes their authors."""
    return Chat(engine, store, Config.model_validate({"language": "en", "policy": {
        "scam": ["warn", "delete", "mute", "notify_admins"], "mute_seconds": 600}}))


def results_of(incident) -> list[tuple[str, str]]:
    return [(r["action"], r["status"]) for r in incident.action_results]


async def test_undo_lifts_the_mute_and_ban_leekguard_put_on_the_author(strict, engine, store):
    iid = (await strict.say("alice", SCAM)).incident_id
    assert strict.kinds() == ["warn", "delete", "mute", "notify_admins"]
    # not reviewed yet, but LeekGuard muted alice: Undo lets her speak again; the deletion stays
    undone = await strict.commands.handle_button(f"undo:{iid}", strict.ctx())
    assert [(d.action.kind, d.msg.author.id, d.msg.chat_id) for d in strict.pop()] == [("unmute", "alice", "-100")]
    assert undone.text.splitlines() == ["Lifted LeekGuard's mute of alice.", "The deleted message cannot be restored."]
    assert not undone.ephemeral and undone.extra["lifted"] == ["unmute"]
    assert results_of(await store.get(iid))[-1] == ("unmute", "done")  # recorded on the incident
    again = await strict.command(f"/undo {iid}")
    assert "has not been reviewed" in again.text and again.ephemeral and strict.pop() == []
    # an admin bans her with the button and confirms; Undo reopens the review and lifts the ban only
    await strict.commands.handle_button(f"ban:{iid}", strict.ctx())
    await strict.command(f"/review {iid} confirm")
    strict.pop()
    undone = await strict.command(f"/undo {iid}")
    assert [d.action.kind for d in strict.pop()] == ["unban"]
    assert "it is open again" in undone.text and "Lifted LeekGuard's ban of alice." in undone.text
    incident = await store.get(iid)
    assert incident.state == "open" and engine.learned == []
    assert results_of(incident)[4:] == [("unmute", "done"), ("ban", "done"), ("unban", "done")]


async def test_an_undo_sent_while_the_ban_is_still_under_way_lifts_that_ban(strict, store):
    iid = (await strict.say("alice", SCAM)).incident_id
    await strict.command(f"/undo {iid}")  # her mute is lifted: only the ban below is left to undo
    strict.pop()
    banning = asyncio.Event()

    async def slow_platform(msg, action, incident_id):
        if action.kind == "ban":
            banning.set()
            await asyncio.sleep(0.05)  # the platform has not answered the ban yet

    strict.executor.on_execute = slow_platform
    ban = asyncio.create_task(strict.commands.handle_button(f"ban:{iid}", strict.ctx()))
    await banning.wait()
    undone = await strict.command(f"/undo {iid}")
    assert "alice banned" in (await ban).text
    assert "Lifted LeekGuard's ban of alice." in undone.text
    assert [d.action.kind for d in strict.pop()] == ["ban", "unban"]
    assert results_of(await store.get(iid))[-2:] == [("ban", "done"), ("unban", "done")]  # neither record lost
    assert strict.commands._acting == {}  # nothing kept once both are done


async def test_undo_lifts_only_what_was_done_and_retries_what_could_not_be_lifted(strict, store):
    strict.executor.fail["mute"] = RuntimeError("no rights")
    iid = (await strict.say("alice", SCAM)).incident_id
    strict.pop()
    nothing = await strict.command(f"/undo {iid}")  # the mute failed: there is nothing of ours to lift
    assert "has not been reviewed" in nothing.text and strict.pop() == []
    await strict.commands.handle_button(f"ban:{iid}", strict.ctx())
    strict.pop()
    strict.executor.fail["unban"] = RuntimeError("Forbidden: not enough rights")
    refused = await strict.command(f"/undo {iid}")
    assert refused.text.startswith("Could not lift LeekGuard's ban of alice: RuntimeError: Forbidden")
    assert refused.ephemeral  # nothing changed: only the admin who asked is told
    assert results_of(await store.get(iid))[-1] == ("unban", "failed")
    del strict.executor.fail["unban"]
    await strict.command("/settings set dry_run on")  # a dry-run chat only says what it would lift
    assert "Dry-run: would lift LeekGuard's ban of alice." in (await strict.command(f"/undo {iid}")).text
    await strict.command("/settings set dry_run off")
    assert "Lifted LeekGuard's ban of alice." in (await strict.command(f"/undo {iid}")).text
    assert [d.action.kind for d in strict.pop()] == ["unban"]
    assert "has not been reviewed" in (await strict.command(f"/undo {iid}")).text


async def test_settings_show_set_validate_reset_and_survive_a_restart(chat, store):
    shown = await chat.command("/settings")
    assert "scam: warn, notify_admins  (default)" in shown.text
    assert "thresholds: scam ≥ 0.70" in shown.text
    assert (await chat.command("/settings set scam warn, delete")).text == "scam is now warn, delete."
    assert (await chat.command("/settings mute_seconds 2h")).text == "mute_seconds is now 7200."
    assert (await chat.command("/settings set dry_run on")).text == "dry_run is now on."
    assert (await chat.command("/settings set sensitivity high")).text == "sensitivity is now high."
    bad = await chat.command("/settings set scam warn, nuke")
    assert bad.text == "scam: 'nuke' is not one of warn, delete, mute, ban, notify_admins"
    assert "unknown setting 'volume'" in (await chat.command("/settings set volume 11")).text
    assert "mute_seconds: 'soon' is not a duration" in (await chat.command("/settings set mute_seconds soon")).text
    # a new process reads the same settings back from the database
    fresh = await ChatSettingsService(chat.config, store).get("telegram:-100")
    assert (fresh.scam, fresh.mute_seconds, fresh.dry_run, fresh.scam_threshold) == (("warn", "delete"), 7200, True,
                                                                                     0.6)
    assert "(/settings)" in (await chat.command("/settings")).text
    await chat.command("/settings reset scam")
    assert (await chat.settings.get("telegram:-100")).scam == ("warn", "notify_admins")
    await chat.command("/settings reset all")
    assert (await chat.settings.get("telegram:-100")).dry_run is False


async def test_settings_changed_at_the_same_moment_are_all_kept(chat, store):
    # two admins (or two quick button presses) change different keys at once: neither change is lost
    changes = ["/settings set dry_run on", "/settings set mute_seconds 1d", "/settings set sensitivity high",
               "/settings set language en", "/settings reset scam"]
    await chat.command("/settings set scam warn, delete")
    replies = await asyncio.gather(*(chat.command(c) for c in changes))
    assert all(not r.ephemeral for r in replies), [r.text for r in replies]
    assert await store.get_chat_settings("telegram:-100") == {"dry_run": True, "mute_seconds": 86400,
                                                              "sensitivity": "high", "language": "en"}
    fresh = await ChatSettingsService(chat.config, store).get("telegram:-100")
    assert (fresh.dry_run, fresh.mute_seconds, fresh.sensitivity) == (True, 86400, "high")


async def test_settings_language_switches_the_bot_language(chat):
    reply = await chat.command("/settings set language zh-tw")
    assert reply.text == "language 已設為 zh-Hant。"
    assert "LeekGuard 命令" in (await chat.command("/help")).text
    assert "本群統計" in (await chat.command("/help")).text  # Traditional characters


async def test_settings_exempt_and_unexempt_a_rule(chat, engine, store):
    assert "exempted" in (await chat.command("/settings exempt signal.price")).text
    assert ("telegram:-100", "signal.price") in engine.exempted
    assert "Exempted rules: signal.price" in (await chat.command("/settings")).text
    assert "applies again" in (await chat.command("/settings unexempt signal.price")).text
    assert engine.exempted == set()
    assert "was not exempted" in (await chat.command("/settings unexempt signal.price")).text


async def test_stats_counts_this_chat(chat):
    await chat.say("alice", SCAM)
    await chat.say("bob", SCAM_EN)
    reply = await chat.command("/stats", user="carol", is_admin=False)
    assert "Incidents: 2" in reply.text
    assert "By verdict: scam 2" in reply.text
    assert "By review: open 2" in reply.text


async def test_stats_and_incidents_agree_about_check_results(chat):
    await chat.say("alice", SCAM)
    await chat.command("/check " + SCAM_EN, user="bob", is_admin=False)  # found something: logged
    listed = (await chat.command("/incidents")).text
    stats = (await chat.command("/stats")).text
    assert "#1 " in listed and "#2 " in listed  # the incident and the /check result are both listed
    assert "Incidents: 1" in stats and "/check results that found something: 1 (scam 1)" in stats
    assert "/check results" in (await chat.command("/help")).text  # /help says how they are counted


async def test_help_shows_admin_commands_to_admins_only(chat):
    member = (await chat.command("/help", user="bob", is_admin=False)).text
    admin = (await chat.command("/help")).text
    assert "/check" in member and "/review" not in member
    assert "/review" in admin and "/settings" in admin
    assert "LeekGuard" in (await chat.command("/start")).text


async def test_store_trouble_is_a_clear_answer_not_a_crash(chat, store):
    await store.close()
    reply = await chat.command("/incidents")
    assert reply.text.startswith("The incident log is not available right now")


async def test_check_with_the_real_engine(store):
    chat = Chat(real_engine(), store)
    reply = await chat.command("/check 出售Sora内测账号，只要299，加V私聊", user="bob", is_admin=False)
    assert "结论：诈骗" in reply.text and "«" in reply.text
