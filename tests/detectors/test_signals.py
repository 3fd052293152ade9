"""Signals read off the text: links (defanged ones too), prices, contacts."""

import pytest

from detectors.packs import load_pack
from detectors.text.normalize import normalize
from detectors.text.signals import SignalExtractor


@pytest.fixture(scope="module")
def signals():
    products = load_pack().products
    return SignalExtractor(products.official_domains, products.protected_brands)


def _found(signals, text):
    return {key: [h.term for h in hits] for key, hits in signals.extract(normalize(text).norm).items()}


@pytest.mark.parametrize("text, host", [
    ("claim at sora-gift[.]com before Friday", "sora-gift.com"),
    ("official app for PC: deepseek-pc(dot)store", "deepseek-pc.store"),
    ("buy only from openai-codes(.)shop", "openai-codes.shop"),
])
def test_a_defanged_look_alike_link_is_still_a_look_alike(signals, text, host):
    assert _found(signals, text).get("$lookalike") == [host]


@pytest.mark.parametrize("domain, brand", [
    ("rnidjourney-billing.com", "midjourney"),  # "rn" reads as "m" in most fonts
    ("gernini-pro.app", "gemini"),
    ("0pen4i-support.net", "openai"),
])
def test_letters_that_read_as_a_brand_make_a_look_alike(signals, domain, brand):
    assert signals.classify_domain(domain) == ("lookalike", brand)


@pytest.mark.parametrize("domain", ["modern-journey.com", "learnkit.io", "returnpolicy.shop", "openaccess.org"])
def test_ordinary_domains_with_those_letters_are_no_look_alikes(signals, domain):
    assert signals.classify_domain(domain) == ("other", "")


def test_a_defanged_official_link_is_official(signals):
    assert _found(signals, "the real one is openai(dot)com")["$official_link"] == ["openai.com"]


@pytest.mark.parametrize("text", ["a (dot) b", "hello.world", "see you (.) later"])
def test_dots_in_words_are_no_links(signals, text):
    assert "$link" not in _found(signals, text)


@pytest.mark.parametrize("text, tagged", [
    ("selling my soul for one (1) hug /s", True),
    ("S0ra课 限时99 私聊", False),
    ("join t.me/s/soravip for codes", False),
])
def test_sarcasm_tags(signals, text, tagged):
    assert ("$satire_mark" in _found(signals, text)) is tagged


@pytest.mark.parametrize("text, asks", [
    ("Sora invites, $25 each. Interested?", False),   # a pitch looking for a customer
    ("has this happened to anyone?", True),           # a member asking
    ("is this Sora course legit?", True),
    ("群里刷屏的yqm是Sora2邀请码的意思吗", True),   # a question particle, no question mark
    ("這個Sora課程是真的嗎", True),                 # 嗎 is folded to 吗
    ("Sora2 邀请码 一个八十 有要的吗", False),        # the seller's closing question
    ("k l 会员 年卡 壹伍零 有要的吗？", False),
    # a request in the form of a question: the register of fake staff, not a doubt
    ("Looks like your payment failed, could you pay through this link so we don't suspend you?", False),
    ("Mod here. Can u send the 6-digit code we just texted you?", False),
    ("您的账号异常，麻烦您把短信验证码发我一下好吗", False),
    ("Got a DM asking for my code. Could this be real?", True),   # "could this" asks, "could you" requests
    # a doubt asked before the message goes on
    ('Is this "Sora-generated" street interview real? The account sells a $29 prompt sheet', True),
    ("has anyone bought codes from this guy? he wants 25 each", True),
    ('Is api-openai-sora.net real? "instant keys, no waitlist". the domain feels off', True),  # a dot inside a word
    # ...but a question put to the reader, or a seller's, is no doubt
    ("Is your job safe? free webinar tonight, link in bio", False),
    ("Are you ready for what's coming? dm me", False),
    ("Has anyone been looking for Claude Max? got 2 seats, 30/mo", False),
    ("Has anyone been wanting Gemini Ultra? I've a family plan with 2 slots, £8 a month each", False),
    # a closing question that offers the reader more is the seller's too
    ("hi, saw your post about learning AI. I do a 6 week mentorship, £300, shall I send you the details?", False),
    ("Sora 2 codes left, $20 each, want me to add you?", False),
    ("Do you think this Sora course is legit?", True),
    ("即梦咒语大全 一千条 付款秒发 价格是九块九 你还在犹豫什么", False),  # a seller's push, not a doubt
    ("Sora 2 cinematic prompt vault, $27 tonight only. what's stopping you?", False),
])
def test_a_closing_question_mark(signals, text, asks):
    assert ("$question" in _found(signals, text)) is asks


@pytest.mark.parametrize("text, cta", [
    ('Your 9-5 won\'t exist in 3 years. DM me "READY"', 'dm me "ready"'),
    ("Sora 2 made this. comment “PROMPT” and I'll send it", "comment “prompt”"),
    ("想要的留言「想要」", "留言「想要」"),
    ("he said \"dm me\" lol", None),          # a quoted phrase, no keyword asked for
    ("the admin said \"hi\"", None),
])
def test_a_call_to_send_a_keyword(signals, text, cta):
    assert _found(signals, text).get("$keyword_cta") == ([cta] if cta else None)


@pytest.mark.parametrize("text, price", [
    ("我朋友在OpenAI上班，Sora内测名额可以代为申请，手续费3000", "费3000"),   # a fee word before the number
    ("内部消息，提前在我这登记，登记费50", "费50"),
    ("AI短剧出海联盟，拉你进群一起接单，先交保证金500", "保证金500"),
    ("双模型整合平台上线，首储500送200点", "首储500"),
    ("veo3排队位 200一个 比官方早两周", "200一个"),                        # a price per piece after it
    ("verification needed, entry fee 20 usdt", "fee 20"),
    ("Midjourney V7 prompt pack，300+ 风格关键词，早鸟价 39.9", "早鸟价 39.9"),      # any kind of 价 before it
    ("團購價：199 一個學期", "团购价:199"),
    ("C老師 嘅 key 批發，每條賣一百二，或者 120蚊 一條", "120蚊"),          # Cantonese dollars
])
def test_a_fee_or_a_price_per_piece_is_a_price(signals, text, price):
    assert price in _found(signals, text).get("$price", [])


@pytest.mark.parametrize("text, price", [
    ("verified sora accounts, bkash 1200 tk", "1200 tk"),                  # taka, Bangladesh
    ("i'll give u my account 2 months, 300 gcash", "300 gcash"),           # a number paid through a wallet app
    ("tutorial kasama prompts, 499 sa gcash", "499 sa gcash"),
    ("akun premium cuma Rp 50.000", "rp 50.000"),                          # rupiah, with its thousands dot
    ("invite 2k won each", None),
    ("원 ₩30,000 per seat", "₩30,000"),
    ("prompt engineering certificate course, 6 weeks, 1200€", "1200€"),  # the euro after the number, as in Europe
    ("extra places on my account, 8€/month", "8€"),
    ("city partner for SoraHub Romania, investment 2500 lei", "2500 lei"),
    ("kody do Sory, 40 zł za sztukę", "40 zł"),
    ("acesso vitalício por R$ 50", "r$ 50"),
])
def test_prices_in_more_currencies_and_wallets(signals, text, price):
    found = _found(signals, text).get("$price", [])
    assert price in found if price else not found


@pytest.mark.parametrize("text", ["费用私聊", "2025年的第1个项目", "一个月后见", "3个一组，费时10分钟",
                                  "rp 5 in the lobby tonight", "locked at 60 fps", "gcash 09171234567 po",
                                  "10 cops came to the meetup", "5 random people joined",
                                  "好评价5分，推荐"])  # a currency word must end
def test_numbers_that_are_no_fee_are_no_price(signals, text):
    assert "$price" not in _found(signals, text)
