"""`leekguard scan --images`: photos saved with a Telegram Desktop export are analysed like `check --image`.

One scan reads two posters (OCR is the slow part); the comparison scan without --images reads none.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.images.check import known_posters
from bot.scan.images import photo_path
from cli.main import main
import cli.scan as cli_scan
from detectors.engine import Engine
from detectors.images.poster_hash import poster_hash
from detectors.images.settings import ImageSettings
from fake_platforms.posters import MENU_CAPTION, menu_poster, recoloured_resized, scam_poster, to_bytes
from tests.support.exports import telegram_export, tg_message

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


@pytest.fixture(scope="module")
def engine():
    return Engine.load()


@pytest.fixture
def export(tmp_path) -> Path:
    folder = tmp_path / "ChatExport_2025-03-02"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1@01-03-2025.jpg").write_bytes(to_bytes(scam_poster(), "JPEG", quality=85))
    (folder / "photos" / "photo_2@01-03-2025.jpg").write_bytes(to_bytes(menu_poster(), "JPEG", quality=85))
    return telegram_export(folder / "result.json", [
        tg_message(1, "大家好，今天聊聊新模型", sender="Bob", sender_id="user2"),
        tg_message(2, "看图", sender="Poster Guy", sender_id="user9", photo="photos/photo_1@01-03-2025.jpg",
                   width=1080, height=1527),
        tg_message(3, MENU_CAPTION, sender="Bob", sender_id="user2", photo="photos/photo_2@01-03-2025.jpg"),
        tg_message(4, "", sender="Carol", sender_id="user3", photo="photos/photo_3@01-03-2025.jpg"),  # not saved
        tg_message(5, "", sender="Carol", sender_id="user3", photo=NOT_INCLUDED),
    ])


@pytest.fixture
def scan(monkeypatch, tmp_path, engine):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEEKGUARD_DB", str(tmp_path / "leekguard.db"))
    monkeypatch.delenv("LEEKGUARD_CONFIG", raising=False)
    monkeypatch.setattr(cli_scan, "_load_engine", lambda config: engine)
    return lambda *args: CliRunner().invoke(main, ["scan", *args], catch_exceptions=False)


def test_scan_with_images_flags_a_poster_photo_in_a_telegram_export(scan, export, tmp_path):
    words_only = scan(str(export), "--jsonl", "words.jsonl")
    assert words_only.exit_code == 0, words_only.output  # nothing in the words

    res = scan(str(export), "--images", "--jsonl", "flagged.jsonl", "--record")
    assert res.exit_code == 1, res.output
    assert "photos: 2 analysed, 1 message(s) flagged because of a photo; not analysed: 1 missing or " \
           "unreadable" in res.stdout
    [row] = [json.loads(line) for line in (tmp_path / "flagged.jsonl").read_text("utf-8").splitlines()]
    assert row["message_id"] == "2" and row["sender"] == "Poster Guy" and row["verdict"] == "scam"
    assert "1 new, 0 updated" in res.stdout  # recorded in the incident log like any finding
    assert "1 poster hash(es) remembered" in res.stdout
    # as with the bot: an admin confirms the scanned poster, and from then on its copies are known
    db = tmp_path / "leekguard.db"
    copy = poster_hash(recoloured_resized(scam_poster(), 0.5))
    assert asyncio.run(known_posters(db, ImageSettings())).match(copy) is None  # not before a review
    [incident] = json.loads(CliRunner().invoke(main, ["incidents", "list", "--json"]).stdout)
    reviewed = CliRunner().invoke(main, ["incidents", "review", str(incident["id"]), "confirm"])
    assert reviewed.exit_code == 0, reviewed.output
    match = asyncio.run(known_posters(db, ImageSettings())).match(copy, "telegram:-100")
    assert match is not None and match.incident_id == incident["id"]


def test_photo_paths_are_found_as_given_or_beside_the_export(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.jpg").write_bytes(b"x")
    assert photo_path("img/a.jpg", "elsewhere/export.jsonl") == Path("img/a.jpg")
    assert photo_path("pics/b.jpg", "exports/chat.jsonl") == Path("exports/pics/b.jpg")
    assert photo_path("https://cdn.discordapp.com/attachments/1/2/a.png", "x.json") is None
