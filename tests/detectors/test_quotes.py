"""Quoted offers: an advert quoted inside someone's comment is flagged to the classifier, a bare one is not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.text.matcher import Hit
from detectors.text.quotes import quoted_offers, quoted_ranges
from tests.support.engine import shared_engine


def _finding_rules(text):
    return {f.rule for f in shared_engine().analyze(text).findings}


def test_an_offer_quoted_in_a_comment_is_marked_and_explained():
    text = "朋友圈又刷到“Sora专属提示词教程，限时999”，Sora都没开放，教什么？"
    verdict = shared_engine().analyze(text)
    quoted = [f for f in verdict.findings if f.rule == "signal.quoted_offer"]
    assert quoted, verdict.findings
    assert quoted[0].evidence[0].text.startswith("“Sora专属提示词教程")


def test_a_bare_quoted_advert_is_not_a_comment():
    assert "signal.quoted_offer" not in _finding_rules("“Sora专属提示词教程，限时999”")


def test_a_quoted_product_name_inside_a_real_advert_is_not_enough():
    # the price and the contact lure sit outside the quotes: the offer itself is not quoted
    assert "signal.quoted_offer" not in _finding_rules("下载「Sora中文版」APP，首月只要 9.9，加V私聊")


def test_a_quotation_introduced_by_a_cue_and_a_colon_runs_to_the_end_of_its_line():
    text = "群里那条的话术如下：Sora内测号到货，加v私聊\n大家别信"
    (start, end), = quoted_ranges(text)
    assert text[start:end] == "Sora内测号到货，加v私聊"
    # a seller's own colon introduces nothing: no cue names someone else's words
    assert quoted_ranges("Here is my offer: spare Sora accounts, one month for 120, message me") == []


def test_a_moderator_quoting_a_removed_post_without_quotation_marks_is_no_scam():
    pitch = "spare Sora accounts, one month for 120, message me privately."
    assert shared_engine().analyze(pitch).label == "scam"
    verdict = shared_engine().analyze("Mods removed another one today. The post said: " + pitch)
    assert verdict.label != "scam", verdict
    assert any(f.rule.startswith("structure.access.") for f in verdict.findings)


def test_quote_pairs_of_both_languages():
    assert len(quoted_ranges('他说"只要299"，还有「内测号」和『教程』、“课程”')) == 4
    assert quoted_ranges("no quotes here") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from('"“”「」『』《》‘’ab 内测\n'), max_size=400))
def test_any_quote_soup_is_handled(text):
    for s, e in quoted_ranges(text):
        assert 0 <= s < e <= len(text)
    quoted_offers(text, [[Hit("@x", "x", 0, 1)]], {"$price": [Hit("$price", "9", 1, 2)]})

