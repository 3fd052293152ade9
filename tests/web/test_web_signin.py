"""`/web` in a private chat: a chat admin gets a short-lived link that signs them in to their own chats only."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest

from bot.config import Config
from bot.store.service import IncidentStore
from bot.web_link import make_link, read_link
from tests.support.bot_core import Chat, FixedEngine
from tests.support.web import TOKEN, cli_show, csrf_of, seed, serve


def link_from_the_bot(db, monkeypatch, url: str, admin_chats: tuple[str, ...], **ctx) -> str:
    monkeypatch.setenv("LEEKGUARD_WEB_TOKEN", TOKEN)

    async def ask():
        async with await IncidentStore.open(db) as store:
            chat = Chat(FixedEngine(), store, Config.model_validate({"language": "en", "web": {"public_url": url}}),
                        chat_id="4242")
            return await chat.command("/web", user="ann", is_admin=False, admin_chats=admin_chats, **ctx)

    reply = asyncio.run(ask())
    assert reply.ephemeral
    found = re.search(r"(http://\S+/signin\?t=\S+)", reply.text)
    assert found, reply.text
    return found.group(1)


def test_web_link_signs_a_chat_admin_in_to_their_chats_once(tmp_path, monkeypatch):
    db = tmp_path / "lg.db"
    ids = seed(db)
    with serve(db) as url:
        link = link_from_the_bot(db, monkeypatch, url, ("telegram:-200",), is_private=True)
        browser = httpx.Client(base_url=url)
        r = browser.get(link)
        assert r.status_code == 303 and r.headers["location"] == "/"
        page = browser.get("/").text
        assert [int(i) for i in re.findall(r'<tr data-id="(\d+)"', page)] == [ids["course"]]  # their chat only
        assert browser.get("/", params={"chat": "telegram:-100"}).status_code == 403
        assert browser.get(f"/incidents/{ids['hostile']}").status_code == 404  # another chat's incident
        refused = browser.post(f"/incidents/{ids['hostile']}/review", data={"decision": "confirm",
                                                                             "csrf": csrf_of(page)})
        assert refused.status_code == 404 and cli_show(db, ids["hostile"])["state"] == "open"
        assert "telegram:-100" not in browser.get("/export.jsonl").text
        mine = browser.get(f"/incidents/{ids['course']}").text
        done = browser.post(f"/incidents/{ids['course']}/review", data={"decision": "confirm", "note": "mine",
                                                                       "csrf": csrf_of(mine)})
        assert done.status_code == 303
        shown = cli_show(db, ids["course"])
        assert (shown["state"], shown["reviewed_by"]) == ("confirmed", "ann (telegram:ann)")
        assert browser.get("/api/incidents").status_code == 401  # the API stays the token's

        again = httpx.Client(base_url=url).get(link)  # a link works once
        assert again.status_code == 403 and "not valid" in again.text
        forged = make_link(url, "not-the-console-token-012345", "mallory", ["telegram:-100"])
        assert httpx.get(forged).status_code == 403  # signed with another key
        assert httpx.get(link[:-2] + ("xy" if not link.endswith("xy") else "yx")).status_code == 403  # altered


def test_web_link_only_in_private_only_for_admins_and_only_when_set_up(tmp_path, monkeypatch):
    db = tmp_path / "lg.db"
    seed(db)

    async def ask(**ctx):
        async with await IncidentStore.open(db) as store:
            chat = Chat(FixedEngine(), store, Config(language="en"))
            return (await chat.command("/web", **ctx)).text

    monkeypatch.setenv("LEEKGUARD_WEB_TOKEN", TOKEN)
    assert "private chat" in asyncio.run(ask(is_admin=True))
    assert "Only admins" in asyncio.run(ask(is_admin=False, is_private=True))
    assert "http://127.0.0.1:8080/signin?t=" in asyncio.run(ask(is_admin=False, is_private=True,
                                                               admin_chats=("telegram:-100",)))
    monkeypatch.delenv("LEEKGUARD_WEB_TOKEN")
    assert "not set up" in asyncio.run(ask(is_admin=False, is_private=True, admin_chats=("telegram:-100",)))


def test_links_expire_and_need_the_console_token():
    link = make_link("http://127.0.0.1:8080", TOKEN, "ann", ["telegram:-100"])
    value = link.split("?t=")[1]
    assert read_link(TOKEN, value)["chats"] == ["telegram:-100"]
    assert read_link("another-token-0123456789", value) is None
    time.sleep(1.1)
    assert read_link(TOKEN, value, max_age=0) is None  # older than max_age (whole seconds)
    with pytest.raises(TypeError):
        make_link("http://x", TOKEN, "ann")  # the chats are required
