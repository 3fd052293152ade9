"""Tokens for the classifier: cheap ones (English words, number shapes, Chinese character pairs) and jieba
words for Chinese runs.

jieba runs without its HMM (new-word discovery), only on the Chinese runs of the normalised text, and only
when the cheap features leave the verdict in doubt (see Engine): it is the costly part of the hot path.
The scam vocabulary is added to its dictionary so those words stay whole. Its dictionary takes most of a
second to load, and most messages never need it, so it is loaded on first use (or by `load_jieba()`, which
long-running commands call at start so that no message waits for it).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

# Letters and digits never share a token, so words and numbers can be found in two separate C passes.
_WORDS = re.compile(r"[a-z]{2,}")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOP_ZH = frozenset("的 了 是 在 我 你 他 她 它 们 和 就 都 也 吗 呢 吧 啊 这 那 有 个 一 不 人 上 说 要 会 到 很 还 把 被 让".split())

_vocabulary: set[str] = set()  # scam words for jieba's dictionary, added when it loads
_cut = None  # jieba's cut, once loaded
_loading = threading.Lock()


def init_jieba(extra_words: Iterable[str]) -> None:
    """Note the scam vocabulary for jieba's dictionary (loaded on first use, see `load_jieba`)."""
    words = {w for w in extra_words if w and not w.isascii()}
    with _loading:
        if _cut is not None:
            _add_words(words - _vocabulary)
        _vocabulary.update(words)


def load_jieba() -> None:
    """Load jieba's dictionary (cached on disk after the first run) with the scam vocabulary, once."""
    global _cut
    if _cut is not None:
        return
    with _loading:
        if _cut is not None:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _add_words(_vocabulary)
        _cut = jieba.dt.cut


def _add_words(words: Iterable[str]) -> None:
    import jieba

    for word in words:
        jieba.add_word(word, freq=20000)


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
    if _cut is None:
        load_jieba()
    cut = _cut
    return [w for run in runs for w in cut(run, HMM=False) if w not in _STOP_ZH]
