"""English word pairs as classifier features, and the pairs met too rarely to be given a weight."""

from detectors.classifier import Sample, drop_rare
from detectors.text.tokenize import is_word_pair, latin_tokens


def test_neighbouring_english_words_make_pairs():
    tokens = latin_tokens("not selling anything, just dm me")
    assert {"not selling", "dm me", "selling anything"} <= set(tokens)
    assert all(is_word_pair(t) == (" " in t) for t in tokens)
    assert not any(is_word_pair(t) for t in latin_tokens("Sora内测 299"))  # one word: no pair, numbers are no words


def test_a_pair_met_in_one_sample_only_is_dropped_and_single_words_are_kept():
    samples = [Sample(("dm", "dm me", "sora"), 0.0, 1), Sample(("dm", "dm me"), 0.0, 1),
               Sample(("link", "link in", "in bio"), 0.0, 0)]
    kept = drop_rare(samples, 2, is_word_pair)
    assert kept[0].features == ("dm", "dm me", "sora")  # "dm me" is met twice
    assert kept[2].features == ("link",)  # "link in" and "in bio" once each; the single word stays
    assert [s.label for s in kept] == [1, 1, 0]
