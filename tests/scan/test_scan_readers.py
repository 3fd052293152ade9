"""Chat-export readers: real-format fixtures, detection by content, and every kind of bad input."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from adapters.exports import (DISCORD, JSON_ARRAY, JSONL, TELEGRAM, TEXT, ExportRecord, ReadProblem, find_exports,
                              open_export)
from adapters.exports.plain import MAX_LINE

DATA = Path(__file__).parent / "data" / "exports"


def read(path) -> tuple[list[ExportRecord], list[ReadProblem]]:
    export = open_export(str(path))
    assert not isinstance(export, ReadProblem), export
    items = list(export)
    return ([i for i in items if isinstance(i, ExportRecord)], [i for i in items if isinstance(i, ReadProblem)])


def by_id(records: list[ExportRecord]) -> dict[str, ExportRecord]:
    return {r.message_id: r for r in records}


# ---- the formats ----

def test_telegram_single_chat_export_with_entity_lists():
    records, problems = read(DATA / "telegram_result.json")
    assert problems == []
    msgs = by_id(records)
    assert list(msgs) == ["101", "102", "103", "104", "105", "106", "107", "108"]
    advert = msgs["103"]
    # text given as a list of strings and entity objects comes out as the text the reader saw,
    # with the hidden target of a text_link kept next to its label
    assert advert.text == ("ChatGPT Plus 国内直连，无需翻墙，9.9元永久使用！加微信 aibiz888 拉你进内部群，名额仅剩 3 个，"
                           "点这里领取 (https://t.me/+FakeInviteHash)")
    assert (advert.sender, advert.sender_id) == ("AI变现导师", "user6660001")
    assert advert.time.isoformat() == "2025-03-01T09:07:40+00:00"
    # a private supergroup: the bot sees it as -100<id>; members can open t.me/c links
    assert advert.chat_id == "-1001987654321" and advert.chat_title == "AI 学习交流群"
    assert advert.link == "https://t.me/c/1987654321/103"
    assert msgs["104"].reply_to_id == "103"
    assert msgs["105"].photos == (str(DATA / "photos" / "photo_1@02-03-2025_20-15-00.jpg"),)
    assert "月入过万" in msgs["105"].text
    assert msgs["106"].text == "" and not msgs["106"].service  # a sticker: a message with no text
    assert msgs["101"].service and msgs["107"].service
    assert msgs["101"].sender == "群主小王"  # service messages name their actor


def test_telegram_full_account_export_lists_every_chat():
    records, problems = read(DATA / "telegram_full_export.json")
    assert problems == []
    assert [(r.chat_title, r.message_id) for r in records] == [("王芳", "1"), ("AI 副业资源群", "7"),
                                                              ("AI 副业资源群", "8")]
    personal, advert, reply = records
    assert personal.chat_id == "5000003" and personal.link is None  # no permalink for a private chat
    assert advert.chat_id == "-1001555000111" and advert.link == "https://t.me/c/1555000111/7"
    assert advert.text == "Midjourney 会员代充，官方正版，一个月只要 29 元，@mj_cheap_bot"
    assert reply.reply_to_id == "7"


def test_discord_chat_exporter_json():
    records, problems = read(DATA / "discord_export.json")
    assert problems == []
    msgs = by_id(records)
    join = msgs["1200000000000000001"]
    assert join.service  # GuildMemberJoin is a system notice
    advert = msgs["1200000000000000002"]
    assert advert.sender == "CheapGPT Shop" and advert.sender_id == "990000000000000007"  # nickname first
    assert advert.link == ("https://discord.com/channels/880000000000000001/880000000000000042/"
                           "1200000000000000002")
    assert advert.photos == ("https://cdn.discordapp.com/attachments/880000000000000042/1200000000000000900/"
                             "price_list.png",)
    assert advert.time.isoformat() == "2025-03-10T08:01:30.456000+00:00"
    assert advert.chat_id == "880000000000000042" and advert.chat_title == "AI Builders / #general"
    assert msgs["1200000000000000003"].reply_to_id == "1200000000000000002"
    assert msgs["1200000000000000004"].sender == "bob"  # no nickname: the user name
    embed = msgs["1200000000000000005"]
    assert embed.text.startswith("AI 副业训练营\n零基础学 AI")  # an embed-only bot advert is read, not lost


def test_discord_direct_messages_link_to_me(tmp_path):
    data = json.loads((DATA / "discord_export.json").read_text("utf-8"))
    data["guild"] = {"id": "0", "name": "Direct Messages", "iconUrl": ""}
    path = tmp_path / "dm.json"
    path.write_text(json.dumps(data), "utf-8")
    records, _ = read(path)
    assert records[1].link == "https://discord.com/channels/@me/880000000000000042/1200000000000000002"


def test_jsonl_and_text():
    records, problems = read(DATA / "messages.jsonl")
    assert problems == []
    msgs = by_id(records)
    assert msgs["m2"].sender == "资源哥" and msgs["m2"].link == "https://example.org/chat/m2"
    assert msgs["m2"].time.isoformat() == "2025-02-01T08:02:00+08:00"
    assert msgs["m3"].text == "" and msgs["m3"].photos == ("img/1.jpg",)
    assert (msgs["m4"].sender, msgs["m4"].sender_id) == ("阿杰", "u2")  # sender given as an object
    assert msgs["m4"].time.isoformat() == "2025-02-01T00:05:00+00:00"  # epoch seconds

    lines, problems = read(DATA / "chat.txt")
    assert problems == []
    assert [(r.message_id, r.text) for r in lines] == [
        ("1", "大家晚上好"), ("2", "ChatGPT 国内免费使用，点击链接注册送永久会员，仅限今天！"),
        ("4", "有人知道 Kimi 的长文本能到多少吗")]  # blank line 3 is no message; ids stay line numbers


def test_json_array_of_messages(tmp_path):
    path = tmp_path / "dump"
    path.write_text(json.dumps([{"id": 1, "text": "hello", "from": "a"}, {"id": 2, "content": "world"}, 7]))
    records, problems = read(path)
    assert [(r.format, r.message_id, r.text) for r in records] == [(JSON_ARRAY, "1", "hello"),
                                                                   (JSON_ARRAY, "2", "world")]
    assert [p.position for p in problems] == ["item #3"]


@pytest.mark.parametrize("fixture, fmt", [("telegram_result.json", TELEGRAM), ("telegram_full_export.json", TELEGRAM),
                                          ("discord_export.json", DISCORD), ("messages.jsonl", JSONL),
                                          ("chat.txt", TEXT)])
def test_format_is_told_by_content_not_by_name(tmp_path, fixture, fmt):
    misleading = tmp_path / ("export.txt" if fmt != TEXT else "result.json")
    shutil.copy(DATA / fixture, misleading)
    export = open_export(str(misleading))
    assert export.format == fmt


@pytest.mark.parametrize("first_line", ["[2025-03-01 10:00] Alice: 有人卖 Sora 账号", "{公告} 今晚八点分享会",
                                        "[scam] not json either"])
def test_text_lines_that_start_like_json_are_text(tmp_path, first_line):
    path = tmp_path / "log.json"
    path.write_text(first_line + "\nsecond line\n", "utf-8")
    records, problems = read(path)
    assert problems == [] and [r.text for r in records] == [first_line, "second line"]
    assert records[0].format == TEXT


def test_minified_telegram_export_and_bom(tmp_path):
    data = json.loads((DATA / "telegram_result.json").read_text("utf-8"))
    path = tmp_path / "min.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    records, problems = read(path)
    assert problems == [] and len(records) == 8


# ---- bad input ----

def test_truncated_telegram_export_keeps_what_it_read(tmp_path):
    raw = (DATA / "telegram_result.json").read_bytes()
    cut = raw.index(b'"id": 105')  # in the middle of the message list
    path = tmp_path / "result.json"
    path.write_bytes(raw[:cut])
    records, problems = read(path)
    assert [r.message_id for r in records] == ["101", "102", "103", "104"]
    [problem] = problems
    assert problem.fatal and problem.source == str(path)
    assert problem.position.startswith("byte ")
    assert "truncated or malformed JSON" in problem.message and "after message id 104" in problem.message


def test_malformed_discord_export_reports_position(tmp_path):
    raw = (DATA / "discord_export.json").read_text("utf-8")
    broken = raw.replace('"content": "Has anyone tried', '"content": Has anyone tried', 1)
    path = tmp_path / "channel.json"
    path.write_text(broken, "utf-8")
    records, problems = read(path)
    assert [r.message_id[-1] for r in records] == ["1", "2", "3"]
    [problem] = problems
    assert problem.fatal and "malformed JSON" in problem.message
    assert int(problem.position.split()[1]) > 0
    assert str(path) in str(problem)


def test_bad_jsonl_lines_are_reported_and_the_rest_read(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"id": 1, "text": "one"}\n{"id": 2, "text": "tw\n[1, 2]\n{"id": 4, "text": "four"}\n',
                    "utf-8")
    records, problems = read(path)
    assert [r.message_id for r in records] == ["1", "4"]
    assert [(p.position, p.fatal) for p in problems] == [("line 2", False), ("line 3", False)]
    assert "not valid JSON" in problems[0].message and "expected a JSON object" in problems[1].message


def test_overlong_line_is_skipped_without_holding_it(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        f.write("第一条消息\n".encode())
        f.write(b"x" * (MAX_LINE * 3) + b"\n")
        f.write("第三条消息\n".encode())
    records, problems = read(path)
    assert [(r.message_id, r.text) for r in records] == [("1", "第一条消息"), ("3", "第三条消息")]
    assert [(p.position, "longer than" in p.message) for p in problems] == [("line 2", True)]


def test_invalid_utf8_in_a_text_line(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("好的\n".encode() + b"bad \xff byte\n" + "再见\n".encode())
    records, problems = read(path)
    assert [r.text for r in records] == ["好的", "bad \ufffd byte", "再见"]
    assert [p.position for p in problems] == ["line 2"]


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"  \n\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    (b"PK\x03\x04\x14\x00\x00\x00", "zip archive"),
    (b"<!DOCTYPE html>\n<html><head><title>Exported Data</title>", "HTML export"),
    (b'{"name": "leekguard", "version": "1.0", "dependencies": {}}', "not a chat export"),
    (b'{"a": 1}\n{"b": 2}\n', "without a text field"),
    (b"[1, 2, 3]", "not of messages"),
    ("你好".encode("gb18030") * 50, "not UTF-8"),
])
def test_wrong_format_or_empty_is_a_clear_problem(tmp_path, content, reason):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    problem = open_export(str(path))
    assert isinstance(problem, ReadProblem) and problem.fatal
    assert reason in problem.message and str(path) in str(problem)


def test_two_gigabyte_files_are_judged_from_their_head(tmp_path):
    """A 2 GB file is never loaded whole: a sparse binary file is refused at once, and a JSON export whose body
    turns into garbage is read as far as it goes and reported with the byte position, in bounded memory."""
    size = 2 * 1024 ** 3
    blob = tmp_path / "disk.img"
    with open(blob, "wb") as f:
        f.truncate(size)
    started = time.perf_counter()
    problem = open_export(str(blob))
    assert isinstance(problem, ReadProblem) and "binary data" in problem.message
    broken = tmp_path / "result.json"
    message = ('{"id": %d, "type": "message", "from": "a", "from_id": "user1", "date": "2025-01-01T00:00:00", '
               '"text": "hello %d"}')
    body = ", ".join(message % (i, i) for i in range(1, 1001))
    head = ('{"name": "g", "type": "private_supergroup", "id": 5, "messages": [' + body + ", ").encode()
    assert len(head) > 64 * 1024  # the damage is past what format detection looks at
    with open(broken, "wb") as f:
        f.write(head)
        f.truncate(size)  # the rest reads as NUL bytes
    assert os.path.getsize(broken) == size
    records, problems = read(broken)
    assert len(records) == 1000 and records[-1].text == "hello 1000"
    [p] = problems
    assert p.fatal and p.position.startswith("byte ") and "malformed JSON" in p.message
    assert "after message id 1000" in p.message
    assert int(p.position.split()[1]) < 10 * 1024 ** 2  # stopped near the damage, not after reading 2 GB
    assert time.perf_counter() - started < 10


# ---- paths and folders ----

def test_folders_are_walked_and_media_skipped(tmp_path):
    export = tmp_path / "ChatExport_2025-03-04"
    (export / "photos").mkdir(parents=True)
    shutil.copy(DATA / "telegram_result.json", export / "result.json")
    (export / "photos" / "photo_1@02-03-2025_20-15-00.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    (export / "photos" / "notes.txt").write_text("a media folder is never read as chat")
    other = tmp_path / "discord"
    other.mkdir()
    shutil.copy(DATA / "discord_export.json", other / "general.json")
    (other / "avatar.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    files, problems, skipped = find_exports([str(tmp_path), str(other / "general.json"), str(tmp_path / "nope")])
    assert sorted((Path(f.path).name, f.format) for f in files) == [("general.json", DISCORD),
                                                                   ("result.json", TELEGRAM)]
    assert [(p.source, p.message) for p in problems] == [(str(tmp_path / "nope"), "no such file or folder")]
    assert [Path(p).name for p, _ in skipped] == ["avatar.png"]


def test_folder_without_exports_is_a_problem(tmp_path):
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    files, problems, skipped = find_exports([str(tmp_path)])
    assert files == [] and "no chat export found" in problems[0].message
