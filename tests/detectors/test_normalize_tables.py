"""The fast translate tables (lists over the BMP, regex scans) read text exactly as the plain dict table does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.text.normalize import _LEET_MAP, _tables, normalize

# Characters from every region the tables treat specially: ASCII, Latin-1, full-width forms, CJK (Traditional
# and Simplified), invisible and bidi characters, lone surrogates, math alphanumerics, emoji and tag characters.
_REGIONS = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x24F),
    st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
    st.characters(min_codepoint=0x3000, max_codepoint=0x33FF),
    st.sampled_from("這個帳號內測價格只要臺幣國語說明后里干發"),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.characters(min_codepoint=0xFE00, max_codepoint=0xFFEF),
    st.characters(min_codepoint=0x1D400, max_codepoint=0x1D7FF),
    st.sampled_from(["\U0001F600", "\U0001F525", "\U000E0041", "\U000E0100", "\u200b", "\u202e", "\u3164"]),
)


def _reference(text: str) -> str:
    table = _tables()[0]
    return "".join(table.get(ord(ch), ch) or "" for ch in text)


@settings(max_examples=400, deadline=None)
@given(st.text(_REGIONS, max_size=40))
def test_norm_equals_the_character_by_character_mapping(text):
    n = normalize(text)
    assert n.norm == _reference(text)
    if n.norm_to_orig is not None:
        assert len(n.norm_to_orig) == len(n.norm)
    else:  # the fast path is taken only when no character was deleted or expanded
        assert all(len(_tables()[0].get(ord(ch), ch) or "") == 1 for ch in text)


@settings(max_examples=200, deadline=None)
@given(st.text(_REGIONS, max_size=40))
def test_leet_view_reads_only_digits_as_letters(text):
    n = normalize(text + " s0ra 1337")
    assert n.compact_leet == "".join(_LEET_MAP.get(ch, ch) for ch in n.compact)


def test_a_cyrillic_capital_i_reads_as_i_not_l():
    # the confusables table files capital-I look-alikes under "l": "АІ" (Cyrillic) once read "al", no AI at all
    from detectors.text.normalize import normalize

    assert normalize("Don't miss АІ").norm == "don't miss ai"
    assert normalize("ЅОRА").norm == "sora"


def test_a_penguin_is_qq():
    # "加🐧群", "🐧 私": the penguin stands for QQ, and the contact lure must be read as one
    from detectors.text.normalize import normalize

    n = normalize("Sora课 加🐧群")
    assert "加qq群" in n.compact
    start, end = n.original_span(n.norm.index("qq"), n.norm.index("qq") + 2)
    assert n.original[start:end] == "🐧"


def test_a_horse_is_the_code_it_sounds_like():
    # "扫🐎进群", "邀请🐎": mǎ for 码, so the QR lure and the invite code are read, and quoted as written
    n = normalize("扫🐎进群 出Sora2邀请🐎")
    assert "扫码进群" in n.compact and "邀请码" in n.compact
    start, end = n.original_span(n.norm.index("扫码"), n.norm.index("扫码") + 2)
    assert n.original[start:end] == "扫🐎"
