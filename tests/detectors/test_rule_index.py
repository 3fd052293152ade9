"""The bit-mask rule index must pick exactly the rules a check of every rule would fire."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.text.matcher import Hit
from tests.support.engine import shared_engine

ENGINE = shared_engine()
KEYS = sorted({k for cr in ENGINE.rules for g in cr.group_sets for k in g} | {k for cr in ENGINE.rules for k in cr.veto_set})


def _every_rule(hits):
    return [cr.rule.id for cr in ENGINE.rules if cr.match(hits) is not None]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), st.lists(st.integers(0, 400), min_size=1, max_size=3), max_size=8))
def test_index_fires_the_same_rules_as_checking_every_rule(positions):
    hits = {key: [Hit(key, key, p, p + 2) for p in starts] for key, starts in positions.items()}
    assert [cr.rule.id for cr, _ in ENGINE._rule_index.fired(hits)] == _every_rule(hits)


def test_a_veto_word_stops_its_rule():
    with_veto = [cr for cr in ENGINE.rules if cr.veto_set]
    assert with_veto, "the shipped packs have rules with vetoes"
    for cr in with_veto:
        hits = {group[0]: [Hit(group[0], group[0], 10, 12)] for group in cr.groups}
        assert cr.rule.id in [c.rule.id for c, _ in ENGINE._rule_index.fired(hits)]
        veto = sorted(cr.veto_set)[0]
        hits[veto] = [Hit(veto, veto, 50, 52)]
        assert cr.rule.id not in [c.rule.id for c, _ in ENGINE._rule_index.fired(hits)]
