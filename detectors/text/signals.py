"""Signal extractors over the normalised text: prices, contact handles, links and look-alike domains.

All regexes run on RE2 (google-re2), which guarantees linear time: no message can make them backtrack. A
quick look for a digit, "@", "/" or "." decides which of them can match at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detectors.text.linear_regex import LinearRegex, Utf8Text
from detectors.text.matcher import Hit
from detectors.text.number_words import word_prices

_NUM = r"\d+(?:[.,]\d+)?"
# A number paid through a wallet app is a price ("300 gcash", "1200 bkash"); the app before a number is more
# often its phone or account number, so only this order is read.
_WALLETS = ("gcash|maya|paymaya|bkash|nagad|upi|paytm|phonepe|gpay|m-?pesa|palmpay|opay|jazzcash|easypaisa|venmo|zelle"
            r"|cash\s?app|paypal|paynow|duitnow|tng|alipay|line\s?pay|payme")  # not "fps": "60 fps"
# Prices: a currency before or after a number, or a price word before it ("只要299", "only 299", "限时999").
_PRICE = LinearRegex(
    rf"(?:[¥$€£₹₱₦৳₩₫฿₺₽₪₴]|rmb|cny|usd|us\$|r\$|sgd|hkd|php|inr|rs\.?|pkr|bdt|tk\.?|lkr|npr|ksh|kes|ugx|tzs|ngn|ghs|zar|myr|rm"
    rf"|idr|thb|vnd|krw|jpy|aed|sar|egp|aud|cad|nzd|eur|gbp|chf|pln|brl|ils|nis)\s?{_NUM}"
    rf"|rp\.?\s?\d{{1,3}}(?:[.,]\d{{3}})+|rp\.?\s?\d+\s?(?:rb|ribu|jt|juta|k)\b"  # Rp 50.000, rp50rb; not "rp 5" (role play)
    # after it: a unit or symbol, or a currency word that ends there ("10 cops" and "5 random" are no price)
    rf"|{_NUM}\s?(?:元|块|圆|刀|蚊|美元|美金|円|[€£¥₹₱₦৳₩₫฿₺₽₪₴]|\$|r/|/月|/年|/人|/个|/份|/张|/次|一位|一个月|每月|一个|一份|一张|一组"
    rf"|一套|一次|zł|(?:via\s|thru\s|through\s|by\s|on\s|sa\s)?(?:支付宝|微信支付|转数快|轉數快)"
    rf"|(?:rmb|yuan|usd|usdt|eth|btc|dollars?|bucks|quid|pounds?|pesos?|rupees?|naira|sgd|hkd|pkr|ksh|kes|bob|shillings?"
    rf"|cedis?|rand|ringgit|myr|aud|cad|nzd|eur|euros?|gbp|php|inr|bdt|taka|tk|baht|yen|won|dirhams?|riyals?|dong|rupiah"
    rf"|ugx|tzs|kwacha|birr|chf|pln|zl|złoty|lei|ron|kr|sek|nok|dkk|czk|huf|uah|hryvnia|tl|lira|brl|reais|reales|mxn"
    rf"|ars|cop|clp|soles|ils|nis|shekels?|qar|/mo|/month|/wk|/week|/yr|/year|a month|per month|each"
    rf"|(?:via\s|thru\s|through\s|by\s|on\s|sa\s)?(?:{_WALLETS}))\b)"
    # ...or a fee before it: "手续费3000", "登记费50", "保证金500", "首储500", "entry fee 20"
    rf"|(?:只要|仅需|只需|仅售|仅要|仅|价格|(?:售|现|原|特|优惠|早鸟|团购|拼团|会员|活动|秒杀|体验|内部|到手|折后|学生|首发|预售|批发|代理|友情|单|定|标|报)价|限时|缴上|交上|交|缴|付|门票|费|押金|保证金|定金|订金|内购|充值|首充|首储"
    rf"|only|just|price|priced at|for|pay|fee|fees|deposit|entry|costs?)\s?[:：]?\s?{_NUM}(?:\s?(?:元|块|r))?"
)
# Typical leek-cutting price points from the articles (9.9 ... 3999) standing alone.
_SCAM_PRICE = LinearRegex(r"(?:^|[^\d.])((?:9\.9|19\.9|29\.9|49|88|99|168|199|288|299|365|399|499|599|688|699|888|999|1299|1999|2999|3999))(?:[^\d.]|$)")
# Contact handles: Telegram/WhatsApp links, @usernames, WeChat/QQ ids after their cue, phone numbers.
_CONTACT = LinearRegex(
    r"(?:t\.me|telegram\.me|wa\.me)/[a-z0-9_+]+"
    r"|(?:^|[^a-z0-9_.@])@[a-z][a-z0-9_]{3,}"
    r"|(?:^|[^a-z])(?:vx|wx|wechat|weixin|qq|tg|telegram)\s?[:：]\s?[a-z0-9][a-z0-9_-]{4,}"
    r"|(?:v信|微信|薇信|威信|扣扣|vx|wx|qq)号?[:：]?\s?[a-z0-9][a-z0-9_-]{4,}"
    r"|(?:^|[^a-z0-9])v\s?[:：]\s?[a-z][a-z0-9_-]{4,}"  # "v:plus_dc8", WeChat as a bare v
    r"|(?:^|\D)1[3-9]\d{9}(?:\D|$)"
)
# Unbounded repeats keep RE2's automaton small; RE2 stays linear either way.
# Links, defanged ones too: "sora-gift[.]com", "deepseek-pc(dot)store" dodge link filters (and careful members
# defang the links they warn about); the host is read with its dots put back.
_LINK = LinearRegex(r"(?:https?://)?(?:[a-z0-9-]+(?:\.|\[\.\]|\(\.\)|\(dot\)|\[dot\]|\{\.\}))+[a-z]{2,24}(?::\d+)?"
                    r"(?:/[^\s<>\"'，。]*)?")
_DEFANGED = re.compile(r"\[\.\]|\(\.\)|\(dot\)|\[dot\]|\{\.\}")
# The same price points as values, for prices written in words ("一九九", "ninety-nine dollars").
SCAM_PRICE_VALUES = frozenset({9.9, 19.9, 29.9, 49, 88, 99, 168, 199, 288, 299, 365, 399, 499, 599, 688, 699, 888, 999,
                               1299, 1999, 2999, 3999})
# Sarcasm tags: "/s" closing a sentence, "one (1)" / "1 (one)" handshake pricing. Read here, not as terms: the
# term matcher drops punctuation, and "/s" became every lone "s" (the "S" of "S0ra") and "(1)" every "1".
_SATIRE_MARK = LinearRegex(r"(?:^|\s)/s(?:$|[\s.!?,)])|\((?:1|one)\)")
# A question that closes a sales pitch asks for a customer, not whether the offer is real.
_SELLERS_QUESTIONS = ("interested", "want in", "want one", "need one", "who wants one", "要不要", "要吗",
                      "有兴趣吗", "有需要吗", "有要的吗", "心动吗", "还在等什么", "what are you waiting for",
                      "犹豫什么", "还犹豫吗", "还等什么", "等什么呢", "why wait", "what's stopping you", "whats stopping you",
                      "still on the fence", "who's in", "whos in", "who is in", "you in", "u in", "are you in",
                      "can i add you", "can i add u", "shall i add you", "want the link", "你还在观望吗", "还在观望吗")
# ...and so does one offering the reader more ("shall I send you the details?", "want me to add you?")
_OFFERING_QUESTION = re.compile(r"^\s*(?:so\s+|then\s+)?(?:shall i|should i send|want me to|wanna|would you like|would u like|"
                                r"do you want|do u want|d'you want|fancy|keen)\b")
# A funnel's call to send a keyword: 'DM me "READY"', 'comment “PROMPT”', 留言「想要」, 评论区打「想学」. In the
# training samples 85 scams and 5 clean lines (each of them a warning or report quoting one) have it.
_KEYWORD_CTA = LinearRegex(r"(?:^|[^a-z])((?:comment|reply|dm me|dm|d\.m|pm me|pm|message me|text me|type|drop|send me"
                           r"|留言|评论区打|评论区扣|评论|私信|私我|回复|扣)\s*[\"“「『][^\"”」』]{1,14}[\"”」』])")
_OPENING_QUOTES = re.compile(r"[\"“「『]")
# A closing question that asks the reader to do something ("could you pay through this link so we don't suspend
# you?", "麻烦您把验证码发我一下好吗") is a request, the register of someone posing as staff, not a doubt.
_REQUEST = re.compile(r"(?:^|[^a-z])(?:(?:could|can|would|will|pls|please|kindly)\s+(?:you|u|ya)|please|pls|kindly)(?:$|[^a-z])"
                      r"|麻烦您|麻烦你|请您|请你|请把|请提供|请发"
                      r"|(?:发|给|提供|念|传)[^，,。！？?]{0,14}(?:好吗|可以吗|吗)$")
_SENTENCE_ENDS = ".!。！\n"
# A doubt asked before the message goes on ("Is this street interview real? The account sells a $29 prompt
# sheet"): a yes/no question about the thing, not one put to the reader ("Are you ready for what's coming?",
# "Do you want out of the 9-5?" are a funnel's), so none with "you" in it.
# A dot inside a word ("Is api-openai-sora.net real?", "is v2.1 out?") does not end the sentence.
_DOUBT = LinearRegex(r"(?:^|[.!?。！？\n]\s*)((?:is|are|was|were|does|did|has|have|should|can)\s"
                     r"(?:[^.!?。！？\n]|\.[^\s.!?。！？]){0,120}\?)")
# ...nor a seller's ("anyone want my spare seat?", "has anyone been looking for Claude Max?")
_NOT_A_DOUBT = re.compile(r"\b(?:you|your|yours|u|ur|ya|yall|y'all|want|wants|wanting|need|needs|needing|fancy|interested|keen|looking|join)\b")
# A question mark, or a Chinese question particle with none ("是邀请码的意思吗"; 嗎 is folded to 吗).
_QUESTION_ENDS = ("?", "？", "吗", "么")
_DIGIT = re.compile(r"\d")
_SIGNAL_CHARS = re.compile(r"[\d.@]|dot[)\]]")  # without a digit, dot, @ or "(dot)" no price, link or handle
_DIGITS_AS_LETTERS = str.maketrans("013457", "oieast")
_TLD_LIKE_FILE = frozenset({"png", "jpg", "jpeg", "gif", "mp4", "mov", "txt", "pdf", "doc", "docx", "zip", "py", "md"})


def _last_sentence(text: str) -> str:
    return text[max(map(text.rfind, _SENTENCE_ENDS)) + 1:]


@dataclass(frozen=True)
class LinkInfo:
    url: str
    domain: str
    kind: str  # "official" | "lookalike" | "other"
    brand: str = ""


def _levenshtein_at_most(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return False
        prev = cur
    return prev[-1] <= limit


def _read_as(name: str) -> str:
    """How a name reads where digits stand for letters ("0penai") and letter pairs for one letter ("rnidjourney":
    rn for m, vv for w). Brands are read the same way, so "midjourney" (journey holds an "rn") still matches."""
    return name.translate(_DIGITS_AS_LETTERS).replace("rn", "m").replace("vv", "w")


class SignalExtractor:
    def __init__(self, official_domains: list[str], protected_brands: list[str]):
        self._official = tuple(d.lower() for d in official_domains)
        self._brands = tuple(b.lower() for b in protected_brands)
        self._read_as = {b: _read_as(b) for b in self._brands}

    def classify_domain(self, domain: str) -> tuple[str, str]:
        domain = domain.lower().rstrip(".")
        if domain.startswith("www."):
            domain = domain[4:]
        for off in self._official:
            if domain == off or domain.endswith("." + off):
                return "official", ""
        labels = re.split(r"[.-]", domain)
        main = domain.rsplit(".", 1)[0]
        folded = main.translate(_DIGITS_AS_LETTERS).replace("-", "")
        read_as = _read_as(main.replace("-", "").replace(".", ""))
        for brand in self._brands:
            if brand in labels or brand in main.replace("-", "").replace(".", "") or self._read_as[brand] in read_as:
                return "lookalike", brand
            for label in [folded] + labels:
                if len(label) >= 5 and _levenshtein_at_most(label, brand, 1):
                    return "lookalike", brand
        return "other", ""

    def links(self, norm: str, encoded: Utf8Text | None = None) -> list[tuple[int, int, LinkInfo]]:
        out = []
        for start, end in _LINK.spans(encoded or Utf8Text(norm)):
            url = norm[start:end]
            defanged = "(" in url or "[" in url or "{" in url
            if defanged:
                url = _DEFANGED.sub(".", url)
            host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
            tld = host.rsplit(".", 1)[-1]
            if tld in _TLD_LIKE_FILE or tld.isdigit():
                continue
            if not defanged and "://" not in url and "/" not in url and host.count(".") == 1 and len(tld) > 4:
                continue  # "hello.world"-style words, not links
            kind, brand = self.classify_domain(host)
            out.append((start, end, LinkInfo(url, host, kind, brand)))
        return out

    def extract(self, norm: str, contact_cue: bool = True, number_words: bool = True) -> dict[str, list[Hit]]:
        """Signal hits keyed "$price", "$scam_price", "$contact_handle", "$link", "$lookalike", "$official_link",
        "$question" (it ends asking), "$satire_mark" ("/s", "one (1)") and "$keyword_cta" ('DM me "READY"').

        contact_cue: the term matcher saw a contact word (vx, 微信, qq...); without one, and without a digit,
        "@" or "/", no contact handle can be in the text, so that regex is skipped.
        number_words: also read prices written in words (the engine asks only where an item is on offer)."""
        hits: dict[str, list[Hit]] = {}
        tail = norm.rstrip()
        if (tail.endswith(_QUESTION_ENDS) and not tail.rstrip("?？ ").endswith(_SELLERS_QUESTIONS)
                and _REQUEST.search(last := _last_sentence(tail.rstrip("?？ "))) is None
                and _OFFERING_QUESTION.match(last.split(",")[-1]) is None):
            hits["$question"] = [Hit("$question", tail[-1], len(tail) - 1, len(tail))]
        elif "?" in norm:
            doubts = [(s, e) for s, e in _DOUBT.spans(Utf8Text(norm), 1) if _NOT_A_DOUBT.search(norm, s, e) is None]
            if doubts:
                hits["$question"] = [Hit("$question", norm[s:e], s, e) for s, e in doubts]
        if "/s" in norm or "(" in norm:
            found = [Hit("$satire_mark", norm[s:e].strip(" .!?,"), s, e) for s, e in _SATIRE_MARK.spans(Utf8Text(norm))]
            if found:
                hits["$satire_mark"] = found
        if _OPENING_QUOTES.search(norm) is not None:
            found = [Hit("$keyword_cta", norm[s:e].strip(), s, e) for s, e in _KEYWORD_CTA.spans(Utf8Text(norm), 1)]
            if found:
                hits["$keyword_cta"] = found
        for s, e, value in word_prices(norm, SCAM_PRICE_VALUES) if number_words else ():
            hits.setdefault("$price", []).append(Hit("$price", norm[s:e], s, e))
            if value in SCAM_PRICE_VALUES:
                hits.setdefault("$scam_price", []).append(Hit("$scam_price", norm[s:e], s, e))
        if _SIGNAL_CHARS.search(norm) is None and not contact_cue:
            return hits  # no number, link or handle can be in it
        encoded = Utf8Text(norm)  # once, for every pattern below
        if _DIGIT.search(norm) is not None:
            found = [Hit("$price", norm[s:e].strip(), s, e) for s, e in _PRICE.spans(encoded)]
            if found:
                hits["$price"] = found + hits.get("$price", [])
            found = [Hit("$scam_price", norm[s:e], s, e) for s, e in _SCAM_PRICE.spans(encoded, 1)]
            if found:
                hits["$scam_price"] = found + hits.get("$scam_price", [])
            contact_cue = True  # a phone number or a numeric id
        if contact_cue or "@" in norm or "/" in norm:
            found = [Hit("$contact_handle", norm[s:e].strip(), s, e) for s, e in _CONTACT.spans(encoded)]
            if found:
                hits["$contact_handle"] = found
        if "." in norm or "dot)" in norm or "dot]" in norm:
            for s, e, info in self.links(norm, encoded):
                hits.setdefault("$link", []).append(Hit("$link", info.url, s, e))
                if info.kind == "lookalike":
                    hits.setdefault("$lookalike", []).append(Hit("$lookalike", info.domain, s, e))
                elif info.kind == "official":
                    hits.setdefault("$official_link", []).append(Hit("$official_link", info.domain, s, e))
        return hits
