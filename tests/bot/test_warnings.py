"""Warning texts: the kind of scam, evidence, the fitting official statement, the official site; 3 languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.warnings import load_products, load_statements, pick_statement, products_in, render_warning
from leekguard_types import Author, Message
from tests.support.bot_core import verdict_for


def message(text: str) -> Message:
    return Message(platform="telegram", chat_id="-1", message_id="7", author=Author(id="1", name="alice"), text=text)


def test_products_are_found_by_name_and_alias_in_order_of_mention():
    assert [p.id for p in products_in("卖 ChatGPT Plus 共享号，送 Sora 内测")] == ["chatgpt", "sora"]
    assert [p.id for p in products_in("GPT4o 和 可灵ai 会员")] == ["chatgpt", "kling"]
    assert products_in("pikachu cards") == []  # a name inside a longer word does not count


def test_the_statement_about_the_named_product_wins_and_newer_wins_among_equals():
    by_id = {s.id: s for s in load_statements()}
    chatgpt = [p for p in load_products() if p.id == "chatgpt"]
    sora = [p for p in load_products() if p.id == "sora"]
    assert pick_statement(["fake_access"], chatgpt, on=date(2025, 1, 1)).id == "openai_terms_no_account_sharing_2024"
    best_for_sora = pick_statement(["paid_course"], sora, on=date(2026, 12, 1))
    rivals = [s for s in by_id.values() if "sora" in s.products and "paid_course" in s.categories
              and s.holds_on("2026-12-01")]
    assert best_for_sora.date == max(s.date for s in rivals)
    assert pick_statement(["no_such_category"], []) is None


def test_warning_in_each_language_fits_a_phone():
    text = "出售Sora内测账号，只要299，加V私聊"
    for lang, head, official in [
        ("zh-Hans", "这条消息疑似诈骗：虚假AI产品账号/内测资格", "Sora官方入口：https://sora.com"),
        ("zh-Hant", "這條訊息疑似詐騙：虛假AI產品帳號/內測資格", "Sora官方入口：https://sora.com"),
        ("en", "this looks like a scam: fake access to an AI product", "The real Sora: https://sora.com"),
    ]:
        reply = render_warning(message(text), verdict_for(text, lang=lang, evidence=("内测账号",)), "scam", "auto")
        assert head in reply.text and official in reply.text, lang
        assert "«内测账号»" in reply.text
        assert len(reply.text) <= 600 and len(reply.text.splitlines()) <= 6
    hant = render_warning(message(text), verdict_for(text, lang="zh-Hant"), "scam", "auto").text
    assert "OpenAI" in hant and "譯文" in hant and "憑證" in hant  # the translation is in Traditional characters


def test_suspicious_wording_is_softer_and_unknown_language_uses_the_chat_setting():
    text = "Sora 资源 私聊"
    reply = render_warning(message(text), verdict_for(text, 0.5, lang="ja"), "suspicious", "zh-Hant")
    assert reply.text.startswith("⚠️ LeekGuard提醒：這條訊息可能是騙局")
    assert reply.extra["lang"] == "zh-Hant"


def test_a_warning_never_repeats_the_scammers_contact_details():
    text = "Sora内测账号 只要299 加V: sora_vip88 或 t.me/sora_cheap 或 @sorabot 或 QQ 123456789"
    evidence = ("内测账号", "sora_vip88", "t.me/sora_cheap", "@sorabot", "123456789", "只要299")
    reply = render_warning(message(text), verdict_for(text, evidence=evidence), "scam", "zh-Hans").text
    assert "«内测账号»" in reply and "«只要299»" in reply
    for detail in ("sora_vip88", "t.me", "@sorabot", "123456789"):
        assert detail not in reply


def test_the_chats_language_wins_over_the_messages_unless_it_chose_auto():
    text = "Sora beta invites, only $99, DM me"
    english_scam = verdict_for(text, lang="en", evidence=("Sora",))
    assert "这条消息疑似诈骗" in render_warning(message(text), english_scam, "scam", "zh-Hans").text
    assert "this looks like a scam" in render_warning(message(text), english_scam, "scam", "auto").text


def test_evidence_merges_overlapping_quotes_and_keeps_the_message_order():
    from bot.warnings import evidence_spans
    from leekguard_types import Finding, Span

    text = "Sora内测号 299 加微信 sora888"
    spans = lambda *words: tuple(Span(text.index(w), text.index(w) + len(w), w) for w in words)  # noqa: E731
    verdict = replace(verdict_for(text), findings=(
        Finding("pattern", "fake_access", 1.2, "r", "r", "rule.a", evidence=spans("加微", "Sora")),
        Finding("signal", "signal", 0.8, "r", "r", "signal.contact", evidence=spans("加微信", "微信")),
        Finding("structure", "fake_access", 0.0, "r", "r", "structure.access", evidence=spans("内测号", "299")),
    ))
    quoted = [s.text for s in evidence_spans(verdict, limit=5, text=text)]
    assert quoted == ["Sora", "内测号", "299", "加微信"]  # offer, item and hook, merged, in order
