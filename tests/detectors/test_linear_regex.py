"""The lean RE2 scanner finds exactly what google-re2's own finditer finds, in character offsets."""

from __future__ import annotations

import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.text.linear_regex import LinearRegex, Utf8Text
from detectors.text.signals import _CONTACT, _LINK, _PRICE, _SCAM_PRICE

_PATTERNS = [(_PRICE.pattern, 0), (_SCAM_PRICE.pattern, 1), (_CONTACT.pattern, 0), (_LINK.pattern, 0),
             (r"x*", 0), (r"(a)|(内)", 2)]  # an empty-matching pattern and an optional group too
_TEXT = st.text(alphabet=st.sampled_from(list("ab x9.1内测账号元$@:/t.me_-") + ["😀", "ｓ", "\u200b", "é"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_spans_equal_re2_finditer(text):
    for pattern, group in _PATTERNS:
        expected = [m.span(group) for m in re2.compile(pattern).finditer(text) if m.span(group)[0] >= 0]
        assert LinearRegex(pattern).spans(Utf8Text(text), group) == expected, pattern


def test_spans_index_characters_not_bytes():
    text = "Sora内测 只要299元，vx: abc12345"
    spans = _PRICE.spans(Utf8Text(text))
    assert [text[s:e] for s, e in spans] == ["只要299元"]
    assert [text[s:e] for s, e in _CONTACT.spans(Utf8Text(text))] == ["，vx: abc12345"]  # with its left edge


def test_long_hostile_text_stays_fast():
    # 200,000 characters that almost form a link, many times over: RE2 stays linear.
    text = "a-" * 100_000
    assert _LINK.spans(Utf8Text(text)) == []
