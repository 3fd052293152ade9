"""The aiohttp request class behaves like PTB's own HTTPXRequest: forms, uploads, downloads, errors."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from adapters.telegram.http_request import AiohttpRequest


def bot_for(server, **kw) -> Bot:
    return Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url,
               request=AiohttpRequest(4, **kw), get_updates_request=AiohttpRequest(1))


async def test_forms_json_values_and_unicode(server):
    server.add_chat(-1001)
    async with bot_for(server) as bot:
        sent = await bot.send_message(-1001, "<b>警告</b> &amp; more", parse_mode="HTML",
                                      reply_markup={"inline_keyboard": [[{"text": "确认", "callback_data": "c:1"}]]})
        assert sent.text == "警告 & more"
    [call] = server.calls_of("sendMessage")
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "确认"
    assert call.params["parse_mode"] == "HTML"


async def test_uploads_go_as_multipart_and_files_download(server):
    server.add_chat(-1002)
    file_id = server.add_file(b"\x89PNG" + bytes(range(256)) * 40, "photos/big.png")
    async with bot_for(server) as bot:
        msg = await bot.send_document(-1002, b"%PDF-1.4 fake", filename="report.pdf", caption="监控报告")
        assert msg.document.file_name == "report.pdf" and msg.caption == "监控报告"
        data = await (await bot.get_file(file_id)).download_as_bytearray()
    assert bytes(data) == b"\x89PNG" + bytes(range(256)) * 40
    upload = server.calls_of("sendDocument")[0].params["__uploads__"]["document"]
    assert upload == {"filename": "report.pdf", "size": 13, "content_type": "application/pdf"}


async def test_a_slow_answer_is_timed_out(server):
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):  # a 2 s long poll, read timeout 0.2 s
            await request.do_request(f"{server.base_url}{server.token}/getUpdates?timeout=2", "GET",
                                     read_timeout=0.2)
    finally:
        await request.shutdown()


async def test_unreachable_server_is_a_network_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest(1))
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await bot.get_me()
    finally:
        await bot.request.shutdown()
