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
        # Anchor on each hit of the rarest group; every other group needs a hit within the window.
        anchor_idx = min(range(len(group_hits)), key=lambda i: len(group_hits[i]))
        for anchor in group_hits[anchor_idx]:
            chosen: list[Hit] = []
            for i, found in enumerate(group_hits):
                if i == anchor_idx:
                    chosen.append(anchor)
                    continue
                best = min(found, key=lambda h: abs(h.start - anchor.start))
                if abs(best.start - anchor.start) > self.window:
                    break
                chosen.append(best)
            else:
                return chosen
        return None


class RuleIndex:
    """Finds the rules a message's hits can satisfy with integer bit masks instead of per-rule set checks.

    Every (rule, group) pair owns one bit; each hit key lights the bits of the groups it belongs to. A rule
    is a candidate when all its group bits are lit and none of its veto keys was hit, so only the one or
    two rules that can fire reach the window check in `CompiledRule.match`.
    """

    def __init__(self, rules: list[CompiledRule]):
        self.rules = rules
        self._group_bits: dict[str, int] = {}
        self._veto_bits: dict[str, int] = {}
        self._rule_bits: dict[str, int] = {}  # key -> the rules (bit i = rule i) that have it in some group
        self._needs: list[int] = []  # rule i -> all its group bits
        bit = 0
        for i, cr in enumerate(rules):
            need = 0
            for keys in cr.group_sets:
                for key in keys:
                    self._group_bits[key] = self._group_bits.get(key, 0) | (1 << bit)
                    self._rule_bits[key] = self._rule_bits.get(key, 0) | (1 << i)
                need |= 1 << bit
                bit += 1
            for key in cr.veto_set:
                self._veto_bits[key] = self._veto_bits.get(key, 0) | (1 << i)
            self._needs.append(need)

    def candidates(self, hits: dict[str, list[Hit]]) -> list[CompiledRule]:
        lit = vetoed = touched = 0
        group_bits, veto_bits, rule_bits = self._group_bits, self._veto_bits, self._rule_bits
        for key in hits:
            lit |= group_bits.get(key, 0)
            vetoed |= veto_bits.get(key, 0)
            touched |= rule_bits.get(key, 0)
        # only the few rules a hit key belongs to are looked at, lowest bit (first rule) first
        touched &= ~vetoed
        rules, needs, out = self.rules, self._needs, []
        while touched:
            low = touched & -touched
            i = low.bit_length() - 1
            if lit & needs[i] == needs[i]:
                out.append(rules[i])
            touched ^= low
        return out

    def fired(self, hits: dict[str, list[Hit]]) -> list[tuple[CompiledRule, list[Hit]]]:
        """(rule, the hits that make it fire) for every rule that fires, in rule order."""
        out = []
        for cr in self.candidates(hits):
            chosen = cr.match(hits)
            if chosen is not None:
                out.append((cr, chosen))
        return out
