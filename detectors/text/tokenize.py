"""Tokens for the classifier: cheap ones (English words, number shapes, Chinese character pairs) and jieba
words for Chinese runs.

jieba's segmentation runs without its HMM (new-word discovery), only on the Chinese runs of the normalised text,
and only when the cheap features leave the verdict in doubt (see Engine): it is the costly part of the hot path.
The scam vocabulary is added to its dictionary so those words stay whole. The dictionary (jieba's own, held as a
compact trie: detectors/text/dictionary.py) takes about a second to build, and most messages never need it, so it
is built on first use (or by `load_jieba()`, which long-running commands call at start so that no message waits),
and saved in the cache folder, from which later starts map it in milliseconds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

# Letters and digits never share a token, so words and numbers can be found in two separate C passes.
_WORDS = re.compile(r"[a-z]{2,}")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOP_ZH = frozenset("的 了 是 在 我 你 他 她 它 们 和 就 都 也 吗 呢 吧 啊 这 那 有 个 一 不 人 上 说 要 会 到 很 还 把 被 让".split())

_vocabulary: set[str] = set()  # scam words for jieba's dictionary, added when it loads
_cut = None  # the dictionary's cut, once built
_loading = threading.Lock()


def init_jieba(extra_words: Iterable[str]) -> None:
    """Note the scam vocabulary for jieba's dictionary (built on first use, see `load_jieba`)."""
    words = {w for w in extra_words if w and not w.isascii()}
    with _loading:
        new = words - _vocabulary
        _vocabulary.update(words)
        if _cut is not None and new:
            _build()  # a pack with words the dictionary lacks (tests load several): rare, so rebuilt


def load_jieba() -> None:
    """Build jieba's dictionary with the scam vocabulary, once."""
    if _cut is not None:
        return
    with _loading:
        if _cut is None:
            _build()


def _build() -> None:
    global _cut
    from detectors.model_cache import cache_dir, enabled
    from detectors.text.dictionary import JiebaDictionary

    _cut = JiebaDictionary(sorted(_vocabulary), cache=cache_dir() if enabled() else None).cut


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
    cut = _cut
    return [w for run in runs for w in cut(run) if w not in _STOP_ZH]
