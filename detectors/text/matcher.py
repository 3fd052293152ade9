"""Multi-pattern term matching with Aho-Corasick over the normalised views of a message.

One automaton holds every term of every word list and rule; one pass over ``compact`` (and a second over
``compact_leet`` when the message mixes digits into words) finds them all in linear time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick_rs

from detectors.text.normalize import Normalized, normalize

_LEET_DIGIT = re.compile("[0134578]")  # a regex scan creates no per-character objects, unlike set.isdisjoint(str)


@dataclass(frozen=True, slots=True)
class TermSpec:
    key: str  # "@lexicon", "@product", "@product:sora" or "=literal term" for rule-local terms
    term: str  # as written in the seed
    check_left: bool  # an ASCII term must not continue a word on its left
    check_right: bool


class Hit(NamedTuple):
    """A term or signal found; a tuple because thousands are made per second (frozen dataclasses are slow)."""

    key: str
    term: str
    start: int  # offsets in the norm view
    end: int


def _spec_flags(term: str) -> tuple[str, bool, bool]:
    left_wild = term.startswith("*")
    right_wild = term.endswith("*")
    return term.strip("*"), not left_wild, not right_wild


# ASCII letter -> 1, digit -> 2 (anything else: 0): a dict look-up is cheaper than a call per hit.
_CLASS = {**{c: 1 for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}, **{c: 2 for c in "0123456789"}}


def _ascii_class(ch: str) -> int:
    """0 = not an ASCII letter/digit, 1 = letter, 2 = digit."""
    return _CLASS.get(ch, 0)


class _Automaton:
    """One Aho-Corasick automaton (Rust `aho-corasick` via ahocorasick_rs: all matches of a text come back
    from one call, as (term index, start, end) in characters) and the value stored for each term."""

    def __init__(self, items: list[tuple[str, tuple]]):
        self.values = [value for _, value in items]
        self.find = ahocorasick_rs.AhoCorasick([term for term, _ in items]).find_matches_as_indexes


class TermMatcher:
    def __init__(self, terms: dict[str, list[str]]):
        """terms: key -> list of terms (with optional * boundary wildcards)."""
        by_compact: dict[str, list[TermSpec]] = defaultdict(list)
        for key, words in terms.items():
            for word in words:
                bare, left, right = _spec_flags(str(word))
                compact = normalize(bare).compact
                if not compact:
                    continue
                by_compact[compact].append(TermSpec(key, bare, left, right))
        # Every term once, overlapping matches reported: "sora" and "sora2" in "sora2" are both evidence.
        # Each term's value: (term, its specs, the ASCII class of its first and of its last character). A
        # match's first and last characters in the boundary view are the term's own, so only the neighbours
        # outside it are looked up; a term with neither end an ASCII letter/digit needs no boundary check.
        plain = [(compact, (compact, tuple(specs), _ascii_class(compact[0]), _ascii_class(compact[-1])))
                 for compact, specs in by_compact.items()]
        leet = [(c, v) for c, v in plain if c.isascii() and c.isalpha()]
        self._plain = _Automaton(plain)
        self._leet = _Automaton(leet) if leet else None
        self.size = len(by_compact)

    def find(self, n: Normalized) -> dict[str, list[Hit]]:
        hits: dict[str, list[Hit]] = {}
        if not n.compact:
            return hits
        self._scan(self._plain, n.compact, None, n, n.norm, hits)
        if self._leet is not None and _LEET_DIGIT.search(n.compact) is not None:
            # Second pass with digits read as letters; only terms that really contain a digit are new.
            self._scan(self._leet, n.compact_leet, n.compact, n, n.norm_leet(), hits)
        return hits

    @staticmethod
    def _scan(automaton: _Automaton, text: str, plain: str | None, n: Normalized, boundary_view: str, hits) -> None:
        # The hot loop of the engine: locals and inlined offset mapping on purpose.
        norm_len = len(boundary_view)
        c_starts, n_starts = n.compact_starts, n.norm_starts
        # where each run ends in `compact`: a term inside one run (most) maps its end without a second search
        c_ends = c_starts[1:] + (len(text),)
        cls = _CLASS.get
        values = automaton.values
        new_hit = tuple.__new__  # a NamedTuple's own __new__ is a Python function: one frame per hit saved
        for index, c_start, c_end in automaton.find(text, overlapping=True):
            compact, specs, first_cls, last_cls = values[index]
            if plain is not None and plain.startswith(compact, c_start):
                continue  # the same letters without digits: the plain pass has it already
            run = bisect_right(c_starts, c_start) - 1
            s = n_starts[run] + c_start - c_starts[run]
            if c_end <= c_ends[run]:
                e = s + c_end - c_start
            else:
                run = bisect_right(c_starts, c_end - 1) - 1
                e = n_starts[run] + c_end - c_starts[run]
            if first_cls or last_cls:
                left_ok = not first_cls or s == 0 or cls(boundary_view[s - 1], 0) != first_cls
                right_ok = not last_cls or e >= norm_len or cls(boundary_view[e], 0) != last_cls
                if not (left_ok and right_ok):
                    for spec in specs:
                        if (left_ok or not spec.check_left) and (right_ok or not spec.check_right):
                            hits.setdefault(spec.key, []).append(new_hit(Hit, (spec.key, spec.term, s, e)))
                    continue
            for spec in specs:
                hit = new_hit(Hit, (spec.key, spec.term, s, e))
                found = hits.get(spec.key)
                if found is None:
                    hits[spec.key] = [hit]
                else:
                    found.append(hit)
