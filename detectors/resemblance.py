"""What a message resembles: the nearest known scam sample, and the classifier's words in plain language.

When the word statistics decide on their own (no pattern fired, no offer structure), a member still deserves
to be told what kind of scam the message looks like: the category of the closest hand-written scam sample
(cosine over the same cheap tokens the fast model reads), and its text. And the words the classifier weighed
are shown as words, never as the engine's internal feature names ("@product", "<num3>", "$price").
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from itertools import chain
from operator import itemgetter
from functools import lru_cache
from typing import Callable, Iterable

from leekguard_types import Finding

# Feature names the engine uses internally -> what they mean to a reader (English, Chinese).
_CONCEPTS: dict[str, tuple[str, str]] = {
    "@product": ("an AI product's name", "AI 产品名"),
    "@generic_ai": ("talk of AI", "AI 相关字眼"),
    "@access_item": ("accounts or access", "账号或使用资格"),
    "@sell": ("selling words", "售卖用语"),
    "@course": ("a course or tutorial", "课程或教程"),
    "@money": ("a money-making promise", "赚钱承诺"),
    "@recruit": ("a call to join a group", "拉人进群"),
    "@contact": ("a private-contact lure", "引导私聊"),
    "@urgency": ("urgency or anxiety", "催促或制造焦虑"),
    "@api_claim": ("a claim of API or app access", "声称有接口或客户端"),
    "@authority": ("an insider or credential claim", "内部人士或头衔"),
    "@generated_claim": ("an AI-made label", "声称由 AI 生成"),
    "@follow_farm": ("asks for follows or likes", "求关注点赞"),
    "@anxiety_offer": ("a traffic or material package", "引流或资料套餐"),
    "@hype": ("launch hype", "新品炒作用语"),
    "@warning": ("warning words", "提醒防骗的用语"),
    "@negator": ("a denial", "否定用语"),
    "@anti_warning": ("a seller's not-a-scam claim", "卖家自称不是骗局"),
    "@question": ("a question", "提问"),
    "@news": ("news wording", "新闻用语"),
    "@official_ref": ("a pointer to the official channel", "指向官方渠道"),
    "@free": ("something free", "免费"),
    "$price": ("a price", "报价"),
    "$scam_price": ("a typical leek-cutting price", "典型割韭菜价位"),
    "$contact_handle": ("a contact handle", "联系方式"),
    "$link": ("a link", "链接"),
    "$lookalike": ("a look-alike link", "仿冒链接"),
    "$official_link": ("an official link", "官方链接"),
    "$question": ("a closing question", "以提问结尾"),
    "$quoted_offer": ("an offer in quotation marks", "引号里的报价"),
    "$keyword_cta": ("a call to send a keyword", "让人回复暗号领取"),
}


def strongest(weights: dict[str, float], k: int, highest: bool) -> list[tuple[str, float]]:
    """The k highest (or lowest) weighted words; equal weights in name order, so explanations are
    reproducible (words met in only one sample share one weight, and a set's order varies per process)."""
    if len(weights) > k:
        # Sorting the bare floats is done in C; only the few words at or beyond the k-th weight are ranked.
        edge = sorted(weights.values(), reverse=highest)[k - 1]
        if highest:
            ranked = [item for item in weights.items() if item[1] >= edge]
        else:
            ranked = [item for item in weights.items() if item[1] <= edge]
    else:
        ranked = list(weights.items())
    ranked.sort()
    ranked.sort(key=itemgetter(1), reverse=highest)  # stable: equal weights stay in name order
    return ranked[:k]


@lru_cache(maxsize=65536)  # the same few thousand features come back in every explanation
def readable_feature(name: str, zh: bool) -> str:
    """One classifier feature as a reader sees it: a word in «», or what a concept means."""
    if name in _CONCEPTS:
        return _CONCEPTS[name][1 if zh else 0]
    if name.startswith("<num") and name.endswith(">"):
        digits = name[4:-1]
        return f"{digits} 位数字" if zh else f"a {digits}-digit number"
    if name.startswith("$item_"):
        return ("提供" if zh else "an offer of ") + _ITEMS.get(name[6:], (name[6:], name[6:]))[1 if zh else 0]
    if name == "$offer_full":
        return "完整的推销（货品加报价或联系方式）" if zh else "a complete offer (item with a price or contact)"
    if name.startswith("$counter_"):
        return ("反向信号：" if zh else "a counter-signal: ") + name[9:]
    if name[:2] == "R:":
        return ("规则 " if zh else "rule ") + name[2:]
    if name[0] in "@$":  # a list or signal added to the seeds without a description yet
        return name[1:].replace("_", " ")
    return f"\u00ab{name.lstrip('#')}\u00bb"  # "#内测" is a character pair


# Item kinds of seeds/structure.yaml, as the "$item_<id>" features name them.
_ITEMS = {
    "generated": ("generation instructions", "生成指令"), "access": ("accounts or access", "账号或使用资格"),
    "api": ("API or app access", "接口或客户端"), "course": ("a course", "课程"), "group": ("a group place", "群名额"),
    "insider": ("insider status", "内部身份"), "funnel": ("a money-making package", "赚钱套餐"),
    "impersonation": ("a check by someone posing as staff", "冒充客服或管理员的核验"),
}


def readable_features(names: tuple[str, ...], zh: bool) -> str:  # cached through wording_reasons
    return ", ".join(dict.fromkeys(readable_feature(n, zh) for n in names)) or "-"


@lru_cache(maxsize=4096)  # the same handful of strongest words recur message after message
def wording_reasons(top: tuple[str, ...], scammy: bool) -> tuple[str, str]:
    """The classifier finding's reasons (en, zh), naming its strongest words on the side it leans to."""
    listed_en, listed_zh = readable_features(top, zh=False), readable_features(top, zh=True)
    if scammy:
        return f"Wording resembles the scam samples ({listed_en})", f"措辞与骗局样本相似（{listed_zh}）"
    return f"Wording resembles ordinary chat ({listed_en})", f"措辞与正常聊天相似（{listed_zh}）"


# Contact details in a quoted sample (handles, links, ids, phone numbers): never repeated to members.
_CONTACT = re.compile(r"(?<![A-Za-z])@\w+|https?://\S+|\b(?:t|wa)\s*\.\s*me\S*"
                      r"|[\w-]+(?:\.|\[\.\]|\(dot\))(?:com|io|net|cn|me|store|top|xyz|app|ai)\b\S*"
                      r"|\d{6,}|(?<=[:：\s])[a-z][a-z0-9]*_[a-z0-9_]+", re.I)


def mask_contacts(text: str) -> str:
    return _CONTACT.sub("…", text)


@lru_cache(maxsize=4096)  # a pure function of one of the few thousand known samples
def _shown_sample(text: str) -> str:
    """A known sample as quoted to members: contacts masked, at most 60 characters."""
    sample = mask_contacts(text)
    return sample if len(sample) <= 60 else sample[:59] + "\u2026"


COMMON_SHARE = 0.02  # tokens in more than this share of the scam samples are not indexed
RAREST_TOKENS = 12  # a look-up counts the samples of the message's rarest indexed tokens only
COMMON_LOOKUPS = 3  # ...and, when it shares no rare token, the postings of its three least common ones


def _rarest(index: dict[str, tuple[int, ...]], query: set[str], n: int) -> list[tuple[int, ...]]:
    """The postings of the `n` query tokens with the fewest samples, ties broken by the token."""
    shared = [(len(ids), tok, ids) for tok in query if (ids := index.get(tok))]
    shared.sort(key=lambda entry: entry[:2])
    return [ids for _, _, ids in shared[:n]]


class NearestScam:
    """The closest hand-written scam sample by cosine over token sets. Built on first use (most verdicts never
    need it) from (text, category) pairs and the engine's own tokeniser."""

    def __init__(self, samples: list[tuple[str, str]], tokens: Callable[[str], list[str]]):
        self._samples = samples
        self._tokens = tokens
        self._index: dict[str, tuple[int, ...]] | None = None
        self._sizes: list[int] = []
        self._common: dict[str, tuple[int, ...]] = {}
        self._lock = threading.Lock()

    def build(self) -> dict[str, tuple[int, ...]]:
        with self._lock:
            if self._index is None:
                index: dict[str, list[int]] = defaultdict(list)
                sizes = []
                for i, (text, _) in enumerate(self._samples):
                    toks = set(self._tokens(text))
                    sizes.append(len(toks))
                    for tok in toks:
                        index[tok].append(i)
                # A token most scam samples share ("an AI product's name") tells them apart from nothing and
                # would make every look-up walk thousands of postings: left out of the index.
                common = max(COMMON_SHARE * len(self._samples), 20)
                self._sizes = sizes
                # ...but kept aside: a short message ("S2码 有 私") may share nothing rarer, and a scam verdict
                # must still name the kind it resembles
                # tuples, not the lists they were built in: most tokens belong to one or two samples, and a list
                # keeps room to grow (about 6 MB over the index)
                self._common = {tok: tuple(ids) for tok, ids in index.items() if len(ids) > common}
                self._index = {tok: tuple(ids) for tok, ids in index.items() if len(ids) <= common}
        return self._index

    def nearest(self, tokens: Iterable[str], category: str | None = None) -> tuple[str, str, float] | None:
        """(sample text, its category, cosine) of the closest scam sample, or None when nothing is shared;
        with `category`, the closest of that category's samples when it shares anything with one."""
        index = self._index or self.build()
        query = set(tokens)
        if not query:
            return None
        # the rarest shared tokens say most about which sample is nearest, and walk the shortest lists; among
        # equally rare ones the token itself decides, not the set's order (which changes with each process's hash seed)
        postings = _rarest(index, query, RAREST_TOKENS)
        overlap = Counter(chain.from_iterable(postings))  # counted in C
        if not overlap:  # nothing rare in common: the common words are all there is to go by (the least
            # common few of them: a word in every other sample would count thousands of postings for nothing)
            common = _rarest(self._common, query, COMMON_LOOKUPS)
            overlap = Counter(chain.from_iterable(common))
        if not overlap:
            return None
        if category is not None:
            samples = self._samples
            of_kind = Counter({i: c for i, c in overlap.items() if samples[i][1] == category})
            if of_kind:
                overlap = of_kind
        sizes = self._sizes
        # cosine, up to a constant; the lowest index among equals (-i is unique, so no two keys tie)
        _, best = max([(c * c / sizes[i], -i) for i, c in overlap.items()])
        best = -best
        text, category = self._samples[best]
        return text, category, overlap[best] / math.sqrt(sizes[best] * len(query))

    def finding(self, tokens: Iterable[str], kinds: Iterable, category: str | None = None) -> Finding | None:
        """Words alone made it a hit: which kind of known scam it is closest to, in words (`kinds`: the item
        kinds of seeds/structure.yaml, for their descriptions), and the nearest sample with its contacts masked.
        `category`: the kind of item the message itself offers ("yqm" is an invite code), looked for first."""
        nearest = self.nearest(tokens, category)
        if nearest is None:
            return None
        text, category, _ = nearest
        kind = next((k for k in kinds if k.category == category), None)
        what_en, what_zh = (kind.en, kind.zh) if kind else (category.replace("_", " "), category)
        sample = _shown_sample(text)
        return Finding("resemblance", category, 0.0,
                       f"Worded like known scams offering {what_en} (closest known sample: \u00ab{sample}\u00bb)",
                       f"措辞接近已知的推销{what_zh}的骗局（最接近的样本：\u00ab{sample}\u00bb）",
                       "resemblance.nearest_sample", "seeds/samples")
