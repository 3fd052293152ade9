"""Tokens for the classifier: cheap ones (English words, number shapes) and jieba words for Chinese runs.

jieba runs without its HMM (new-word discovery), only on the Chinese runs of the normalised text, and only
when the cheap features leave the verdict in doubt (see Engine): it is the costly part of the hot path.
The scam vocabulary is added to its dictionary so those words stay whole.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import jieba

# Letters and digits never share a token, so words and numbers can be found in two separate C passes.
_WORDS = re.compile(r"[a-z]{2,}")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOP_ZH = frozenset("的 了 是 在 我 你 他 她 它 们 和 就 都 也 吗 呢 吧 啊 这 那 有 个 一 不 人 上 说 要 会 到 很 还 把 被 让".split())

_initialised = False


def init_jieba(extra_words: Iterable[str]) -> None:
    """Load jieba's dictionary (cached on disk after the first run) and add the scam vocabulary."""
    global _initialised
    if _initialised:
        return
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for word in extra_words:
        if word and not word.isascii():
            jieba.add_word(word, freq=20000)
    _initialised = True


def latin_tokens(norm: str) -> list[str]:
    """English words, and number shapes ("<num3>" plus the number itself when short): regexes, no jieba."""
    out = _WORDS.findall(norm)
    for num in _NUMBERS.findall(norm):  # few per message: the loop stays short
        out.append(f"<num{min(len(num.split('.', 1)[0]), 5)}>")
        if len(num) <= 5:
            out.append(num)
    return out


def han_runs(norm: str) -> list[str]:
    """The runs of Chinese characters, found once per message for the pairs, the language and jieba."""
    return _HAN_RUNS.findall(norm)


def han_bigrams(runs: list[str]) -> list[str]:
    """Character pairs of the Chinese runs ("#内测", "#测账"): robust to segmentation, no jieba needed."""
    return ["#" + run[i:i + 2] for run in runs for i in range(len(run) - 1)]


def chinese_tokens(runs: list[str]) -> list[str]:
    cut = jieba.dt.cut
    return [w for run in runs for w in cut(run, HMM=False) if w not in _STOP_ZH]
