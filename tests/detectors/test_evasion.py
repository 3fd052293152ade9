"""Spellings that dodge keyword filters: every example in seeds/evasion.yaml, misspelt brand names, boxed letters."""

from __future__ import annotations

import pytest

from detectors.packs import load_pack
from detectors.text.misspellings import misspellings
from detectors.text.normalize import normalize
from tests.support.engine import shared_engine

PACK = load_pack()


def _hits(text: str) -> dict:
    return shared_engine()._hits(normalize(text))


@pytest.mark.parametrize("word", PACK.evasion, ids=lambda w: w.canonical)
def test_every_evasion_example_reads_as_its_canonical_word(word):
    engine = shared_engine()
    # the word lists (or product, or rule term) that hold the canonical word hold its variants too
    lists = {key for key, terms in engine._term_lists().items() if word.canonical.casefold() in
             [t.casefold() for t in terms]}
    assert lists, f"{word.canonical} is in no word list"
    found = _hits(word.example)
    assert lists & found.keys(), f"{word.example!r} does not read as {word.canonical!r}"


@pytest.mark.parametrize("text, product", [
    ("Ch@tGPT mastery course, 90% off today only, DM me for the payment link", "chatgpt"),
    ("sor@2 码 有，88 一个", "sora"),
    ("OpenAl Support: your invite code is reserved, pay $4.99 to activate", "chatgpt"),
    ("Selling 2 K1ing Pro accounts, 3000 credits each, $30 apiece", "kling"),
    ("S 🅾️ r a 2 生成 指令 种子码 一百二", "sora"),
])
def test_a_brand_misspelt_on_purpose_is_still_the_brand(text, product):
    assert f"@product:{product}" in _hits(text)


@pytest.mark.parametrize("text", [
    "Selling 2 K1ing Pro accounts, 3000 credits each, $30 apiece",
    "Ch@tGPT mastery course, 90% off today only, DM me for the payment link",
])
def test_misspelt_brand_adverts_are_flagged(text):
    verdict = shared_engine().analyze(text)
    assert verdict.label == "scam" and verdict.categories


def test_slips_never_make_ordinary_words_brands():
    # "kling" less a letter is "king", "claude" less its first is "laude": short names and edge letters are kept
    assert "king" not in misspellings("kling") and "laude" not in misspellings("claude")
    assert misspellings("sora") == [] and misspellings("可灵") == []
    assert "@product" not in _hits("The king of the hill, summa cum laude, dreamin of a clade")
