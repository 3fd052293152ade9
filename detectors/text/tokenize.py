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
from math import log
from collections.abc import Iterable

# Letters and digits never share a token, so words and numbers can be found in two separate C passes.
_WORDS = re.compile(r"[a-z]{2,}")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOP_ZH = frozenset("的 了 是 在 我 你 他 她 它 们 和 就 都 也 吗 呢 吧 啊 这 那 有 个 一 不 人 上 说 要 会 到 很 还 把 被 让".split())

_vocabulary: set[str] = set()  # scam words for jieba's dictionary, added when it loads
_cut = None  # jieba's cut, once loaded
_dictionary = None  # jieba's default Tokenizer (its FREQ dictionary and total), once loaded
# What jieba itself reads as one Chinese block (its re_han_default, letters and digits aside): a run made of
# these alone is cut by `_cut_han`, anything else by jieba.
_JIEBA_HAN = re.compile("[\u4e00-\u9fd5]+")
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
        global _dictionary
        _dictionary = jieba.dt
        _cut = jieba.dt.cut


def _add_words(words: Iterable[str]) -> None:
    import jieba

    for word in words:
        jieba.add_word(word, freq=20000)


def latin_tokens(norm: str) -> list[str]:
    """English words and pairs of neighbouring words ("dm me", "link in", "in bio", "not selling"), and number
    shapes ("<num3>" plus the number itself when short): regexes, no jieba. The pairs carry what single words
    cannot: leaving one writer out over 32 writers they took recall 0.894 -> 0.906 and false alarms 2.1% -> 1.8%
    (English 0.861 / 2.9% -> 0.889 / 2.1%)."""
    words = _WORDS.findall(norm)
    out = words + [a + " " + b for a, b in zip(words, words[1:])]
    for num in _NUMBERS.findall(norm):  # few per message: the loop stays short
        out.append(f"<num{min(len(num.split('.', 1)[0]), 5)}>")
        if len(num) <= 5:
            out.append(num)
    return out


def is_word_pair(token: str) -> bool:
    return " " in token  # only the English word pairs of latin_tokens hold a space


def han_runs(norm: str) -> list[str]:
    """The runs of Chinese characters, found once per message for the pairs, the language and jieba."""
    return _HAN_RUNS.findall(norm)


def han_bigrams(runs: list[str]) -> list[str]:
    """Character pairs of the Chinese runs ("#内测", "#测账"): robust to segmentation, no jieba needed."""
    return ["#" + run[i:i + 2] for run in runs for i in range(len(run) - 1)]


def chinese_tokens(runs: list[str]) -> list[str]:
    if _cut is None:
        load_jieba()
    cut, han = _cut, _JIEBA_HAN.fullmatch
    return [w for run in runs for w in (_cut_han(run) if han(run) else cut(run, HMM=False)) if w not in _STOP_ZH]


def _cut_han(run: str) -> list[str]:
    """jieba's cut without HMM (Tokenizer.get_DAG, calc and __cut_DAG_NO_HMM) of one Chinese block: the same
    dictionary look-ups and the same sums in the same order, so the same words, but in one backward pass over
    the run (no DAG dict, no generators, no second look-up of each word, no regex split into blocks)."""
    freq = _dictionary.FREQ
    logtotal = log(_dictionary.total)
    n = len(run)
    route: list[tuple[float, int]] = [(0, 0)] * (n + 1)  # route[n] = (0, 0) as in jieba; the rest set below
    for k in range(n - 1, -1, -1):
        best = None
        i, frag = k, run[k]
        while i < n:  # every dictionary word starting at k (a prefix not in FREQ ends the walk)
            f = freq.get(frag)
            if f is None:
                break
            if f:
                scored = (log(f) - logtotal + route[i + 1][0], i)
                if best is None or scored > best:  # max() over the candidates, as jieba takes it
                    best = scored
            i += 1
            frag = run[k:i + 1]
        route[k] = best if best is not None else (log(1) - logtotal + route[k + 1][0], k)
    words, x = [], 0
    while x < n:
        y = route[x][1] + 1
        words.append(run[x:y])
        x = y
    return words
