"""Translation in both directions, without a server: Telegram JSON -> leekguard_types.Message, Reply -> HTML."""

from __future__ import annotations

import logging

from telegram import ChatMemberAdministrator, Update

from adapters.telegram.admins import missing_rights
from adapters.telegram.convert import to_message
from adapters.telegram.log_redaction import REDACTED, protect_token, redact
from adapters.telegram.render import MAX_TEXT, render_html, render_keyboard, utf16_len
from bot.actions import Button, Reply
from fake_platforms import telegram_shapes as shapes
from fake_platforms.telegram_html import check_html
from leekguard_types import Span

GROUP = shapes.chat(-1001234567, "supergroup", title="AI <fans> & co")
ALICE = shapes.user(42, "Alice", last_name="Li", username="alice")


def update_of(kind: str = "message", **message_kw) -> Update:
    msg = shapes.message(7, GROUP, ALICE, **message_kw)
    return Update.de_json({"update_id": 1, kind: msg}, None)


def test_plain_group_message():
    msg = to_message(update_of(text="hello"))
    assert (msg.platform, msg.chat_id, msg.message_id, msg.text) == ("telegram", "-1001234567", "7", "hello")
    assert msg.author.id == "42" and msg.author.name == "Alice Li" and msg.author.username == "alice"
    assert msg.chat_title == "AI <fans> & co" and not msg.is_private and not msg.edited and not msg.forwarded
    assert msg.link == "https://t.me/c/1234567/7"


def test_caption_photo_forward_and_edit():
    msg = to_message(update_of("edited_message", caption="Sora 账号", photo_file_id="F1", edit_date=5,
                               forward_origin=shapes.origin_hidden_user("someone")))
    assert msg.text == "Sora 账号" and msg.edited and msg.forwarded
    assert msg.images[0].ref == "F1" and msg.images[0].width == 320


def test_reply_carries_the_quoted_text_and_the_selected_quote():
    advert = shapes.message(3, GROUP, shapes.user(9, "Spammer"), text="GPT-5 keys, $9.9, DM me")
    msg = to_message(update_of(text="how much?", reply_to=advert))
    assert msg.reply_to_text == "GPT-5 keys, $9.9, DM me" and msg.reply_to_message_id == "3"
    # a reply to a message in another chat carries only the part the user quoted
    external = to_message(update_of(text="real?", extra={"quote": {"text": "Sora invites $20", "position": 0}}))
    assert external.reply_to_text == "Sora invites $20" and external.reply_to_message_id is None


def test_forum_topic_opening_is_not_a_reply():
    opener = shapes.message(1, GROUP, ALICE, extra={"forum_topic_created": {"name": "t", "icon_color": 1}})
    msg = to_message(update_of(text="hi", reply_to=opener, extra={"is_topic_message": True,
                                                                   "message_thread_id": 1}))
    assert msg.reply_to_text is None and msg.reply_to_message_id is None


def test_anonymous_admin_and_linked_channel_count_as_admins():
    anon = to_message(update_of(text="rules", extra={"sender_chat": GROUP}))
    assert anon.author.is_admin and anon.author.id == str(GROUP["id"])
    channel = shapes.chat(-1009, "channel", title="News")
    auto = to_message(update_of(text="post", extra={"sender_chat": channel, "is_automatic_forward": True}))
    assert auto.author.is_admin
    other = to_message(update_of(text="ad", extra={"sender_chat": channel}))
    assert not other.author.is_admin and other.author.id == "-1009"


def test_html_is_escaped_and_valid_for_telegram():
    reply = Reply(text="⚠️ LeekGuard: <script> & \"quotes\"\n> buy GPT-5 keys <now>\nlast line",
                  title="LeekGuard", highlight=(Span(4, 13, "GPT-5 key"), Span(4, 9, "GPT-5")))
    html_text = render_html(reply)
    assert check_html(html_text) == reply.text.replace("> buy", "buy")  # Telegram would accept it
    assert html_text.startswith("<b>⚠️ LeekGuard: &lt;script&gt; &amp;")
    assert "<blockquote>buy <b>GPT-5 key</b>s &lt;now&gt;</blockquote>" in html_text


def test_long_text_is_cut_below_telegram_limit():
    for long in ("<&>" * 3000, "😀" * 5000):  # Telegram counts UTF-16 units after parsing the HTML
        shown = check_html(render_html(Reply(text=long)))
        assert utf16_len(shown) <= MAX_TEXT and shown.endswith("…")


def test_buttons_become_an_inline_keyboard():
    markup = render_keyboard((Button("Confirm", "confirm:1"), Button("No", "dismiss:1"), Button("Ban", "ban:1")))
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["confirm:1", "dismiss:1"],
                                                                                    ["ban:1"]]
    assert render_keyboard(()) is None


def test_missing_rights_for_a_policy():
    admin = ChatMemberAdministrator.de_json(shapes.chat_member(ALICE, "administrator", rights={
        "can_delete_messages": True}), None)
    assert missing_rights(admin, {"warn", "delete", "mute"}) == ["can_restrict_members"]
    assert missing_rights(None, {"warn", "notify_admins"}) == []
    assert missing_rights(None, {"ban"}) == ["can_restrict_members"]


def test_token_is_redacted_from_messages_and_tracebacks(caplog):
    token = "987654321:AAH-secret_secret_secret_secret_xyz"
    protect_token(token)
    assert redact(f"POST https://api.telegram.org/bot{token}/getMe") == f"POST https://api.telegram.org/bot{REDACTED}/getMe"
    assert redact("unknown 123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123 too") == f"unknown {REDACTED} too"
    log = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO):
        log.info("url %s", f"/bot{token}/x")
        try:
            raise RuntimeError(f"failed for /bot{token}/sendMessage")
        except RuntimeError:
            log.exception("boom")
    assert token not in caplog.text and REDACTED in caplog.text
