"""`leekguard web` over HTTP, as a browser and a script see it: a real server on 127.0.0.1, a real database."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
from click.testing import CliRunner

from cli.main import main
from tests.support.web import HOSTILE_NAME, HOSTILE_TEXT, TOKEN, cli_samples, cli_show, csrf_of, login, seed

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_without_the_token_nothing_is_served(site):
    url, db, ids = site
    anon = httpx.Client(base_url=url)
    for path in ("/", "/stats", f"/incidents/{ids['hostile']}", "/export.csv", "/export.jsonl", "/nope"):
        r = anon.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert "韭菜收割机" not in anon.get("/", follow_redirects=True).text  # the login form, nothing else
    assert anon.get("/api/incidents").status_code == 401
    assert anon.get("/api/incidents", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    assert anon.get("/api/incidents", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    refused = anon.post(f"/api/incidents/{ids['hostile']}/review", json={"decision": "confirm"})
    assert refused.status_code == 401 and "Bearer" in refused.headers["www-authenticate"]
    # a logged-in browser's cookie is no key to the API either: only the Bearer token is
    browser = login(url)
    assert browser.post(f"/api/incidents/{ids['hostile']}/review", json={"decision": "confirm"}).status_code == 401
    assert cli_show(db, ids["hostile"])["state"] == "open"


def test_cli_refuses_to_start_without_a_real_token(tmp_path):
    db = tmp_path / "lg.db"
    seed(db)
    for env, host in (({}, "127.0.0.1"), ({}, "0.0.0.0"), ({"LEEKGUARD_WEB_TOKEN": "s3cr3tX"}, "0.0.0.0")):
        res = CliRunner(env={"LEEKGUARD_WEB_TOKEN": None, **env}).invoke(
            main, ["web", "--db", str(db), "--host", host, "--port", "1"])
        assert res.exit_code != 0 and "LEEKGUARD_WEB_TOKEN" in res.output, res.output
        assert "s3cr3tX" not in res.output  # the token itself is never echoed


def test_login_form_session_cookie_and_csrf(site):
    url, _, _ = site
    client = httpx.Client(base_url=url)
    page = client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert client.post("/login", data={"token": TOKEN}).status_code == 403  # no CSRF token
    wrong = client.post("/login", data={"token": "nope", "csrf": csrf_of(page.text)})
    assert wrong.status_code == 401 and "Wrong token" in wrong.text
    ok = client.post("/login", data={"token": TOKEN, "csrf": csrf_of(page.text)})
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN.lower() not in cookie
    listing = client.get("/")
    assert listing.status_code == 200 and "张老师" in listing.text and "keyseller" in listing.text
    out = client.post("/logout", data={"csrf": csrf_of(listing.text)})
    assert out.status_code == 303 and client.get("/").status_code == 303


def test_hostile_text_comes_back_escaped(site):
    url, _, ids = site
    client = login(url)
    for path in ("/", f"/incidents/{ids['hostile']}"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>boss" not in html
        assert "<iframe" not in html
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
        assert "&lt;b&gt;boss&lt;/b&gt;" in html
        assert "\u202e" not in html and "[U+202E]" in html  # the RTL override shown, not obeyed
    page = client.get(f"/incidents/{ids['hostile']}").text
    assert "<mark>Sora内测账号</mark>" in page  # the evidence highlighted in the message
    api = httpx.get(f"{url}/api/incidents/{ids['hostile']}", headers=AUTH).json()
    assert api["text"] == HOSTILE_TEXT and api["author_name"] == HOSTILE_NAME  # the API gives the exact record


def test_list_filters_and_paging(site):
    url, _, ids = site
    client = login(url)

    def shown(**params) -> list[int]:
        r = client.get("/", params=params)
        assert r.status_code == 200, r.text
        import re
        return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', r.text)]

    assert shown() == [ids["hostile"], ids["api"], ids["clean"], ids["course"]]  # newest first
    assert shown(verdict="suspicious") == [ids["api"]]
    assert shown(chat="telegram:-200") == [ids["course"]]
    assert shown(category="paid_course") == [ids["course"]]
    assert shown(q="月入过万") == [ids["course"]]
    assert shown(q="GPT API") == [ids["api"]]
    assert shown(state="confirmed") == []
    assert shown(verdict="scam", chat="telegram:-100") == [ids["hostile"]]
    assert client.get("/", params={"since": "not a date"}).status_code == 400
    first = client.get("/", params={"limit": 2}).text
    assert 'id="next"' in first
    import re
    nxt = re.search(r'href="/\?([^"]*after=[^"]+)" id="next"', first).group(1).replace("&amp;", "&")
    second = client.get("/?" + nxt).text
    assert [int(i) for i in re.findall(r'<tr data-id="(\d+)"', second)] == [ids["clean"], ids["course"]]
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert "<h1>事件</h1>" in zh and "筛选" in zh
    assert "<h1>Incidents</h1>" in client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}).text


def test_api_review_is_the_review_the_cli_and_the_engine_see(site):
    url, db, ids = site
    listed = httpx.get(f"{url}/api/incidents", params={"verdict": "scam", "chat": "telegram:-200"}, headers=AUTH)
    assert [i["id"] for i in listed.json()["incidents"]] == [ids["course"]]
    r = httpx.post(f"{url}/api/incidents/{ids['course']}/review", headers=AUTH,
                   json={"decision": "confirm", "note": "典型割韭菜"})
    assert r.status_code == 200, r.text
    assert r.json()["incident"]["state"] == "confirmed" and r.json()["learned"] == "scam"
    shown = cli_show(db, ids["course"])
    assert (shown["state"], shown["review_note"], shown["reviewed_by"]) == ("confirmed", "典型割韭菜", "api:token")
    assert [(s["incident_id"], s["label"]) for s in cli_samples(db)] == [(ids["course"], "scam")]  # learned
    assert httpx.post(f"{url}/api/incidents/{ids['course']}/review", headers=AUTH,
                      json={"decision": "maybe"}).status_code == 400
    assert httpx.post(f"{url}/api/incidents/99999/review", headers=AUTH,
                      json={"decision": "confirm"}).status_code == 404
    assert httpx.post(f"{url}/api/incidents/{ids['course']}/review", headers=AUTH,
                      content=b"not json").status_code == 400
    confirmed = httpx.get(f"{url}/api/incidents", params={"state": "confirmed"}, headers=AUTH).json()
    assert [i["id"] for i in confirmed["incidents"]] == [ids["course"]]


def test_page_review_undo_and_bulk(site):
    url, db, ids = site
    client = login(url)
    page = client.get(f"/incidents/{ids['api']}").text
    target = f"/incidents/{ids['api']}/review"
    assert client.post(target, data={"decision": "dismiss"}).status_code == 403  # no CSRF token
    r = client.post(target, data={"decision": "dismiss", "note": "a real reseller", "csrf": csrf_of(page)})
    assert r.status_code == 303
    after = client.get(r.headers["location"]).text
    assert "is now dismissed" in after and "a real reseller" in after and "web:admin" in after
    assert cli_show(db, ids["api"])["state"] == "dismissed"
    assert [s["label"] for s in cli_samples(db)] == ["clean"]
    undone = client.post(target, data={"decision": "undo", "note": "wrong button", "csrf": csrf_of(after)})
    assert cli_show(db, ids["api"])["state"] == "open" and cli_samples(db) == []  # what it taught is forgotten
    history = client.get(undone.headers["location"]).text
    record = history[history.index('id="review-record"'):history.index("</ol>", history.index('id="review-record"'))]
    assert record.index("a real reseller") < record.index("wrong button")  # both reviews, oldest first
    api = httpx.get(f"{url}/api/incidents/{ids['api']}", headers=AUTH).json()
    assert [(r["state"], r["note"]) for r in api["reviews"]] == [("dismissed", "a real reseller"),
                                                                  ("open", "wrong button")]

    listing = client.get("/", params={"verdict": "scam"}).text
    r = client.post("/review", data={"decision": "confirm", "ids": [ids["hostile"], ids["course"]],
                                     "back": "verdict=scam", "csrf": csrf_of(listing)})
    assert r.status_code == 303 and "done=2" in r.headers["location"]
    assert "2 incidents reviewed" in client.get(r.headers["location"]).text
    assert {cli_show(db, i)["state"] for i in (ids["hostile"], ids["course"])} == {"confirmed"}
    assert cli_show(db, ids["clean"])["state"] == "open"

    # the whole filtered page at once: every incident shown, nothing else
    page = client.get("/", params={"verdict": "clean"}).text
    r = client.post("/review", data={"decision": "dismiss", "all": "1", "page_ids": re.findall(
        r'name="page_ids" value="(\d+)"', page), "back": "verdict=clean", "csrf": csrf_of(page)})
    assert "done=1" in r.headers["location"]
    assert cli_show(db, ids["clean"])["state"] == "dismissed" and cli_show(db, ids["api"])["state"] == "open"


def test_export_the_filtered_set(site):
    url, _, ids = site
    client = login(url)
    r = client.get("/export.csv", params={"verdict": "scam"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [int(row["id"]) for row in rows] == [ids["hostile"], ids["course"]]
    assert rows[0]["text"] == HOSTILE_TEXT
    lines = client.get("/export.jsonl", params={"chat": "discord:9"}).text.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [ids["api"]]


def test_stats_page(site):
    url, _, _ = site
    client = login(url)
    html = client.get("/stats").text
    assert '<span id="total">4</span>' in html
    assert 'data-label="fake_access" data-count="1"' in html
    assert 'data-label="telegram:-100" data-count="2"' in html
    assert 'data-label="open" data-count="4"' in html
    zh = client.get("/stats", headers={"Accept-Language": "zh"}).text
    assert "每日事件" in zh and "审核结果" in zh
