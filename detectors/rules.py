"""Compiled pattern rules: every group of a rule must have a hit (within a window), none of its vetoes."""

from __future__ import annotations

from dataclasses import dataclass

from detectors.text.matcher import Hit
from detectors.packs import Rule

DEFAULT_WINDOW = 160  # characters of normalised text: keeps a long article from assembling a rule by accident


def item_key(item: str) -> str:
    """Rule items are "@wordlist", "$signal" or a literal term (keyed "=term" in the matcher)."""
    return item if item[0] in "@$" else "=" + item


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    groups: tuple[tuple[str, ...], ...]
    vetoes: tuple[str, ...]
    window: int
    group_sets: tuple[frozenset[str], ...]
    veto_set: frozenset[str]

    @classmethod
    def compile(cls, rule: Rule) -> CompiledRule:
        groups = tuple(tuple(item_key(i) for i in g) for g in rule.all)
        vetoes = tuple(item_key(i) for i in rule.none)
        return cls(rule=rule, groups=groups, vetoes=vetoes, window=rule.window or DEFAULT_WINDOW,
                   group_sets=tuple(frozenset(g) for g in groups), veto_set=frozenset(vetoes))

    def literal_terms(self) -> list[str]:
        return [i for g in self.rule.all for i in g if i[0] not in "@$"] + [i for i in self.rule.none if i[0] not in "@$"]

    def match(self, hits: dict[str, list[Hit]]) -> list[Hit] | None:
        """The hits that make this rule fire (one per group, closest together), or None."""
        # Set checks in C first: most rules fail here without building any list.
        if not self.veto_set.isdisjoint(hits):
            return None
        for keys in self.group_sets:
            if keys.isdisjoint(hits):
                return None
        group_hits: list[list[Hit]] = []
        for group in self.groups:
            found = [h for key in group for h in hits.get(key, ())]
            if not found:
                return None
            group_hits.append(found)
        # Anchor on each hit of the rarest group (the first such); every other group needs a hit within the window.
        sizes = list(map(len, group_hits))
        anchor_idx = sizes.index(min(sizes))
        for anchor in group_hits[anchor_idx]:
            chosen: list[Hit] = []
            for i, found in enumerate(group_hits):
                if i == anchor_idx:
                    chosen.append(anchor)
                    continue
                # a group of one hit (most) needs no search for the closest
                best = found[0] if len(found) == 1 else min(found, key=lambda h: abs(h.start - anchor.start))
                if abs(best.start - anchor.start) > self.window:
                    break
                chosen.append(best)
            else:
                return chosen
        return None


class RuleIndex:
    """Finds the rules a message's hits can satisfy with integer bit masks instead of per-rule set checks.

    Every (rule, group) pair owns one bit, a rule's groups side by side with one spare "done" bit above them;
    each hit key lights the bits of the groups it belongs to. Adding 1 at the lowest group bit of every rule
    carries into a rule's done bit exactly when all its group bits are lit (a gap stops the carry, and the
    done bits, never lit, keep rules apart): one big-integer addition finds the complete rules, so only the
    one or two that can fire are looked at (not every rule a key belongs to), and reach the window check in
    `CompiledRule.match`.
    """

    def __init__(self, rules: list[CompiledRule]):
        self.rules = rules
        self._group_bits: dict[str, int] = {}
        self._veto_bits: dict[str, int] = {}  # key -> the done bits of the rules it vetoes
        self._firsts = 0  # the lowest group bit of every rule
        self._dones = 0  # every rule's done bit
        self._rule_at: dict[int, CompiledRule] = {}  # done bit's position -> its rule
        bit = 0
        for cr in rules:
            if not cr.group_sets:
                continue  # no group to light: such a rule never fires (as before: no key ever touched it)
            self._firsts |= 1 << bit
            for keys in cr.group_sets:
                for key in keys:
                    self._group_bits[key] = self._group_bits.get(key, 0) | (1 << bit)
                bit += 1
            for key in cr.veto_set:
                self._veto_bits[key] = self._veto_bits.get(key, 0) | (1 << bit)
            self._dones |= 1 << bit
            self._rule_at[bit] = cr
            bit += 1

    def candidates(self, hits: dict[str, list[Hit]]) -> list[CompiledRule]:
        lit = vetoed = 0
        group_bits, veto_bits = self._group_bits, self._veto_bits
        for key in hits:
            lit |= group_bits.get(key, 0)
            vetoed |= veto_bits.get(key, 0)
        done = (lit + self._firsts) & self._dones & ~vetoed
        rule_at, out = self._rule_at, []
        while done:  # lowest bit (first rule) first
            low = done & -done
            out.append(rule_at[low.bit_length() - 1])
            done ^= low
        return out

    def fired(self, hits: dict[str, list[Hit]]) -> list[tuple[CompiledRule, list[Hit]]]:
        """(rule, the hits that make it fire) for every rule that fires, in rule order."""
        out = []
        for cr in self.candidates(hits):
            chosen = cr.match(hits)
            if chosen is not None:
                out.append((cr, chosen))
        return out
