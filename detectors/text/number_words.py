"""Prices written in words: "二百九", "一九九元", "九块九", "two hundred bucks", "ninety-nine dollars", "twenty a
month", "a fiver", "two grand".

Scammers spell prices out so that a filter looking for digits misses them. A run of Chinese numerals or
English number words counts as a price when a currency or a price word stands next to it; its value is read by
cn2an (Chinese) and text2num (English), so "一九九" is 199 and can be recognised as a leek-cutting price point.
Both converters load only when a message has such a run (cn2an alone takes a fifth of a second to import).
"""

from __future__ import annotations

import re
from functools import lru_cache

_CN_DIGITS = "零〇一二两三四五六七八九十百千万幺壹贰叁肆伍陆柒捌玖拾佰仟"  # 大写 numerals too: 伍拾, 叁佰叁
# Fees and terms a price follows in chat: 学费三千, 月付一百五, 入群费九十九, 一组两百
_FEES = ("学费|会费|认证费|审核费|入群费|群费|年费|月费|门票|报名费|服务费|手续费|定金|订金|月付|年付|周付|只收"
         "|一组|每组|一份|每份|一套|每套|一期|每期|一条|每条|一口价")
# A numeral run with a currency after it, or a price word before it ("只要三百", "一九九元", "二百九一个").
_CN_PRICE = re.compile(
    rf"(?:只要|仅需|只需|仅售|仅要|售价|价格|现价|原价|特价|一个|每个|单个|一位|每位|{_FEES})([{_CN_DIGITS}]{{2,6}})"
    rf"(?![年月日天分秒个次人])"
    rf"|([{_CN_DIGITS}]{{1,6}})(?:元|块(?![{_CN_DIGITS}])|米|大洋|圆|刀|蚊|个w|r\b|u\b)"
    rf"|([{_CN_DIGITS}]{{1,2}})块([{_CN_DIGITS}])"  # 九块九 = 9.9
    # a bare "二百九" / "一九九": counted below only as a hundreds figure or a leek-cutting price point
    rf"|(?<![{_CN_DIGITS}])([{_CN_DIGITS}]{{3,6}})(?![{_CN_DIGITS}年月日天米人个次名位岁斤里倍多万亿号期届])"
)
_EN_NUMBER = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
              r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
              r"thousand|a hundred|a thousand)")
# A number is at most six words ("two hundred and ninety nine"): unbounded, a wall of "one one one ..." made the
# match quadratic (a 64 KB message took tens of seconds).
_EN_RUN = rf"{_EN_NUMBER}(?:[\s-]+(?:and[\s-]+)?{_EN_NUMBER}){{0,5}}"
_EN_PRICE = re.compile(
    rf"\b({_EN_RUN})\s+(?:bucks|dollars|usd|usdt|quid|euros|yuan|rmb)\b"
    rf"|\b(?:only|just|for|costs?|pay)\s+({_EN_RUN})\b"
    # "twenty a month", "fifty each", "ten per code": a number word priced per period or piece
    rf"|\b({_EN_RUN})\s+(?:each|(?:a|per)\s+(?:month|week|year|pop|piece|code|seat|invite|account|key|head|person|spot))\b"
)
# Money slang: "a fiver gets you one", "a tenner each", "two grand".
_EN_SLANG = re.compile(r"\b(fiver|tenner|grand)\b")
_BEFORE_GRAND = re.compile(rf"({_EN_RUN})\s+$")  # searched between the look-back start and "grand"
_EN_SLANG_VALUES = {"fiver": 5.0, "tenner": 10.0, "grand": 1000.0}
_EN_ANY = re.compile(_EN_NUMBER)
# Cheap first look (most messages have no number word next to a price word at all). Two patterns, each
# beginning with a character class, so that re skips ahead in C to where one could start: the Chinese one
# anchors on the numeral and looks back for the price word (one fixed-width look-behind per word length),
# the English one is the number words as a trie. Together they match where the one alternation
# "numeral+unit | price word+numeral | number word" did, at a fifth of its cost.
_QUICK_WORDS = ["只要", "仅需", "只需", "仅售", "售价", "价格", "现价", "原价", "特价", "一个", "每个", "单个", *_FEES.split("|")]
_QUICK_CN = re.compile(
    rf"[{_CN_DIGITS}](?:[百千九佰仟玖]|元|块|米|大洋|圆|刀|蚊|个w|"
    + "|".join(f"(?<=(?:{'|'.join(w for w in _QUICK_WORDS if len(w) == n)})[{_CN_DIGITS}])"
               for n in sorted({len(w) for w in _QUICK_WORDS}))
    + ")")
_QUICK_EN = re.compile(r"\b(?:one|t(?:wo|hree|en|wenty|hirty|housand|enner)|f(?:our|ive|orty|ifty|iver)|s(?:ix|even|ixty|eventy)"
                       r"|e(?:ight|ighty)|n(?:ine|inety)|hundred|grand)\b")
_CN_SINGLE = ({c: i for i, c in enumerate("零一二三四五六七八九")} | {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
              | {"〇": 0, "两": 2, "幺": 1})


@lru_cache(maxsize=1)
def _converters():
    import cn2an
    from text_to_num import text2num

    return cn2an.cn2an, text2num


@lru_cache(maxsize=4096)  # a pure function of a run of at most six numerals: the same prices recur
def _cn_value(run: str) -> float | None:
    cn2an, _ = _converters()
    try:
        return float(cn2an(run, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _en_value(run: str) -> float | None:
    _, text2num = _converters()
    try:
        return float(text2num(run.replace("-", " "), "en"))
    except (ValueError, TypeError):
        return None


def word_prices(norm: str, bare_values: frozenset = frozenset()) -> list[tuple[int, int, float]]:
    """(start, end, value) of every price written in words, in the order they stand. A bare numeral run with
    no currency counts when it is a hundreds figure ("二百九") or one of `bare_values` ("一九九")."""
    if _QUICK_CN.search(norm) is None and _QUICK_EN.search(norm) is None:
        return []
    out: list[tuple[int, int, float]] = []
    for m in _CN_PRICE.finditer(norm):
        if m.group(3):  # 九块九
            whole, tenth = _CN_SINGLE.get(m.group(3)), _CN_SINGLE.get(m.group(4))
            value = None if whole is None or tenth is None else whole + tenth / 10
            if value is None:
                whole_value = _cn_value(m.group(3))
                value = None if whole_value is None or tenth is None else whole_value + tenth / 10
        elif m.group(5):
            run = m.group(5)
            value = _cn_value(run)
            if value is None or not ("百" in run or "千" in run or value in bare_values):
                continue
        else:
            value = _cn_value(m.group(1) or m.group(2))
        if value:
            out.append((m.start(), m.end(), value))
    # every English price holds a number word: without one, the slow \b-led pattern is not run at all
    for m in _EN_PRICE.finditer(norm) if _EN_ANY.search(norm) is not None else ():
        value = _en_value(m.group(1) or m.group(2) or m.group(3))
        if value:
            out.append((m.start(), m.end(), value))
    for m in _EN_SLANG.finditer(norm):
        slang = m.group(1)
        if slang == "grand":  # "two grand": the number before it counts; "grand" alone is a word ("the grand finale")
            # six number words fit in 80 characters; a look further back is only slower
            before = _BEFORE_GRAND.search(norm, max(0, m.start() - 80), m.start())
            value = _en_value(before.group(1)) if before else None
            if value:
                out.append((before.start(), m.end(), value * 1000))
        else:
            out.append((m.start(), m.end(), _EN_SLANG_VALUES[slang]))
    return sorted(out)
