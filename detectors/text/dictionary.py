"""jieba's dictionary as a compact trie, for segmenting without jieba's in-memory dictionary.

jieba keeps every word of its dictionary and every prefix of every word in a Python dict (about 500,000 strings):
72 MB of the engine's resident memory, for the one model in ten messages that reads jieba words. The same words
and frequencies, read from jieba's own dict.txt, fit in a marisa trie of a few MB, and the words starting at a
position come back from one call (the prefixes of the rest of the run that are dictionary words).

`JiebaDictionary.cut` gives exactly jieba's `cut(run, HMM=False)` of a run of Chinese characters: the same
candidates, the same log-probabilities summed in the same order, ties broken the same way (tested against
jieba itself on the training samples).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from importlib import resources
from math import inf, log

import marisa_trie

# What jieba reads as one Chinese block (its re_han_default without letters and digits, which a run of Chinese
# characters never holds); anything else in a run jieba yields character by character.
_JIEBA_HAN = re.compile("([\u4e00-\u9fd5]+)")


def _dict_lines() -> Iterator[tuple[str, int]]:
    """(word, frequency) of jieba's default dictionary, in file order."""
    with resources.files("jieba").joinpath("dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2:
                yield parts[0], int(parts[1])


class JiebaDictionary:
    def __init__(self, extra_words: Iterable[str] = (), extra_freq: int = 20000):
        """jieba's dictionary plus `extra_words`, each as jieba.add_word(word, freq=extra_freq) adds it."""
        extra = list(dict.fromkeys(extra_words))
        # Two passes over dict.txt (the keys, then their frequencies by key id): no list of 350,000 words is held
        self._trie = marisa_trie.Trie(_keys(extra))
        freq = array("d", bytes(8 * len(self._trie)))
        total = longest = 0
        key_id = self._trie.key_id
        for word, f in _dict_lines():  # a word listed twice keeps its last frequency, as in jieba
            freq[key_id(word)] = f
            total += f
            longest = max(longest, len(word))
        for word in extra:  # add_word sets the frequency and adds it to the total, even for a known word
            freq[key_id(word)] = extra_freq
            total += extra_freq
            longest = max(longest, len(word))
        self._logtotal = log(total)
        # log(f) - log(total) per word, computed as jieba computes it; a word of frequency 0 is no candidate
        self._logp = array("d", (log(f) - self._logtotal if f else -inf for f in freq))
        self._longest = longest or 1

    def __len__(self) -> int:
        return len(self._trie)

    def cut(self, run: str) -> list[str]:
        """jieba's words (no HMM) of a run of Chinese characters."""
        if _JIEBA_HAN.fullmatch(run):
            return self._cut_block(run)
        words: list[str] = []
        for piece in _JIEBA_HAN.split(run):
            if not piece:
                continue
            if _JIEBA_HAN.fullmatch(piece):
                words += self._cut_block(piece)
            else:
                words += piece  # jieba yields what it cannot read one character at a time
        return words

    def _cut_block(self, run: str) -> list[str]:
        """jieba's get_DAG, calc and __cut_DAG_NO_HMM of one block, in one backward pass."""
        prefixes, logp, longest = self._trie.iter_prefixes_with_ids, self._logp, self._longest
        single = log(1) - self._logtotal  # a character that starts no word, as jieba scores it
        n = len(run)
        route: list[tuple[float, int]] = [(0, 0)] * (n + 1)  # route[n] = (0, 0) as in jieba
        for k in range(n - 1, -1, -1):
            best = None
            for word, wid in prefixes(run[k:k + longest]):
                lp = logp[wid]
                if lp == -inf:
                    continue
                i = k + len(word) - 1
                scored = (lp + route[i + 1][0], i)
                if best is None or scored > best:  # max() over the candidates, as jieba takes it
                    best = scored
            route[k] = best if best is not None else (single + route[k + 1][0], k)
        words, x = [], 0
        while x < n:
            y = route[x][1] + 1
            words.append(run[x:y])
            x = y
        return words


def _keys(extra: list[str]) -> Iterator[str]:
    for word, _ in _dict_lines():
        yield word
    yield from extra
