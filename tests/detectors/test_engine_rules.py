"""Every pattern rule's own examples: the ones that must match fire it, the ones that must not do not."""

import pytest

from detectors.packs import load_pack
from tests.support.engine import shared_engine

PACK = load_pack()
CASES = [(r.id, text, True) for r in PACK.rules for text in r.examples.match] + [
    (r.id, text, False) for r in PACK.rules for text in r.examples.no_match
]


@pytest.mark.parametrize("rule_id,text,should_fire", CASES, ids=[f"{c[0]}:{'match' if c[2] else 'no'}:{i}" for i, c in enumerate(CASES)])
def test_rule_examples(rule_id, text, should_fire):
    fired = {f.rule for f in shared_engine().analyze(text).findings}
    assert (rule_id in fired) == should_fire, f"{rule_id} on {text!r}: fired={sorted(fired)}"


def test_every_category_has_rules_with_sources():
    from leekguard_types import CATEGORIES

    by_cat = {c: [r for r in PACK.rules if r.category == c] for c in CATEGORIES}
    assert all(by_cat.values()), {c: len(v) for c, v in by_cat.items()}
    seeds = {"000_36171be22a709fe1.txt", "001_8b73df1effe9a8b8.txt", "002_ad10ce317548f5ac.txt",
             "003_13cb0a8623e4b22f.txt", "004_60b0fa1a5af5b7d0.txt"}
    for r in PACK.rules:
        assert r.source.article in seeds and r.source.quote and r.explain.en and r.explain.zh


def test_bad_pack_is_a_clear_error(tmp_path):
    import shutil

    from detectors.packs import PackError, packaged_seeds_dir
    from detectors.packs import load_pack as load

    root = tmp_path / "seeds"
    shutil.copytree(packaged_seeds_dir(), root)
    (root / "patterns" / "broken.yaml").write_text(
        "rules:\n  - id: x.y\n    category: nonsense\n    languages: [zh]\n    weight: 0.5\n    all: [['@product']]\n"
        "    explain: {en: a, zh: b}\n    source: {article: a, quote: b}\n    examples: {match: [a], no_match: [b]}\n",
        encoding="utf-8")
    with pytest.raises(PackError, match=r"broken.yaml: rule x.y: category"):
        load(root)


def test_a_pack_without_rules_refuses_to_load(tmp_path):
    """An install that lost seeds/patterns must fail at start-up, not answer "clean" to every advert."""
    import shutil

    from detectors.packs import PackError, packaged_seeds_dir
    from detectors.packs import load_pack as load

    root = tmp_path / "seeds"
    shutil.copytree(packaged_seeds_dir(), root)
    shutil.rmtree(root / "patterns")
    with pytest.raises(PackError, match="no rules found"):
        load(root)


def test_a_telltale_item_no_item_lists_is_a_clear_error(tmp_path):
    """A telltale item is read as an item word; a typo in one would silently never fire."""
    import shutil

    from detectors.packs import PackError, packaged_seeds_dir
    from detectors.packs import load_pack as load

    root = tmp_path / "seeds"
    shutil.copytree(packaged_seeds_dir(), root)
    path = root / "structure.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("telltale_items: [", "telltale_items: [邀请吗, ", 1),
                    encoding="utf-8")
    with pytest.raises(PackError, match="telltale_items that no item lists: \\['邀请吗'\\]"):
        load(root)
