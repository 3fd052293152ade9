"""Interval look-ups used on every message with denials, reports or quotes: the same answers as a plain walk."""

from hypothesis import given
from hypothesis import strategies as st

from detectors.text.intervals import container, covering

# hits and quotes are never empty (a term or a quote has at least one character)
spans = st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1]))


@given(st.lists(spans, max_size=12), spans)
def test_covering_agrees_with_a_walk(intervals, hit):
    s, e = hit
    assert covering(intervals)(s, e) == any(a <= s and e <= b for a, b in intervals)


@given(st.lists(spans, max_size=12), spans)
def test_container_finds_the_quote_that_holds_a_hit(raw, hit):
    ranges, end = [], -1  # non-overlapping and in order, as a regex's matches are
    for a, b in sorted(raw):
        if a >= end:
            ranges.append((a, b))
            end = b
    s, e = hit
    expected = next(((a, b) for a, b in ranges if a <= s and e <= b), None)
    assert container(ranges)(s, e) == expected
