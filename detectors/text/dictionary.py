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

import hashlib
import json
import logging
import os
import re
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from importlib import resources
from math import inf, log
from pathlib import Path

import marisa_trie

log_ = logging.getLogger(__name__)
_FORMAT = 1  # bump when the saved files change shape
KEEP_TRIES = 3

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
    def __init__(self, extra_words: Iterable[str] = (), extra_freq: int = 20000, cache: Path | None = None):
        """jieba's dictionary plus `extra_words`, each as jieba.add_word(word, freq=extra_freq) adds it.

        cache: a folder to keep the built trie in. Building takes about a second and gathers every key in memory
        (tens of MB at the peak); a saved trie is memory-mapped instead, so processes share its pages. A folder
        that cannot be read or written only costs the build."""
        extra = list(dict.fromkeys(extra_words))
        stem = self._stem(cache, extra, extra_freq) if cache is not None else None  # hashes dict.txt: once
        if stem is not None and self._load(stem):
            return
        self._build(extra, extra_freq)
        if stem is not None:
            self._save(stem)

    def _build(self, extra: list[str], extra_freq: int) -> None:
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

    # ---------- the saved trie ----------

    @staticmethod
    def _stem(cache: Path, extra: list[str], extra_freq: int) -> Path:
        """The files' common name: jieba's dictionary, the added words and their frequency decide the trie."""
        h = hashlib.sha256(f"{_FORMAT}:{extra_freq}:".encode())
        h.update(resources.files("jieba").joinpath("dict.txt").read_bytes())
        h.update("\n".join(extra).encode("utf-8"))
        return cache / f"jieba-{h.hexdigest()[:24]}"

    def _load(self, stem: Path) -> bool:
        try:
            meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
            trie = marisa_trie.Trie()
            trie.mmap(str(stem.with_suffix(".marisa")))
            logp = array("d")
            logp.frombytes(stem.with_suffix(".logp").read_bytes())
            if len(logp) != len(trie) or meta.get("keys") != len(trie):
                raise ValueError(f"{len(logp)} probabilities for {len(trie)} words")
            self._trie, self._logp = trie, logp
            self._logtotal, self._longest = float(meta["logtotal"]), int(meta["longest"])
            return True
        except FileNotFoundError:
            return False
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a torn or foreign file: build afresh
            log_.debug("ignoring the saved dictionary %s: %s", stem, exc)
            return False

    def _save(self, stem: Path) -> None:
        cache = stem.parent
        try:
            cache.mkdir(parents=True, exist_ok=True)
            # keep the few newest other vocabularies' tries (tests load several packs); the rest is dead weight.
            # A process that mapped one it loses keeps its pages.
            others = {p.name.split(".", 1)[0]: p.stat().st_mtime for p in cache.glob("jieba-*.json")}
            others.pop(stem.name, None)
            for name in sorted(others, key=others.get, reverse=True)[KEEP_TRIES - 1:]:
                for suffix in (".json", ".marisa", ".logp"):
                    (cache / name).with_suffix(suffix).unlink(missing_ok=True)
            meta = json.dumps({"keys": len(self._trie), "logtotal": self._logtotal, "longest": self._longest})
            # each file lands whole (written aside, then renamed); the metadata last, so a reader that finds it
            # finds the other two complete
            for suffix, write in ((".marisa", self._trie.save), (".logp", lambda p: Path(p).write_bytes(self._logp.tobytes())),
                                  (".json", lambda p: Path(p).write_text(meta, encoding="utf-8"))):
                fd, tmp = tempfile.mkstemp(dir=cache, prefix=".jieba-", suffix=".tmp")
                os.close(fd)
                try:
                    write(tmp)
                    os.replace(tmp, stem.with_suffix(suffix))
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
        except OSError as exc:
            log_.debug("dictionary not saved to %s: %s", cache, exc)

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
