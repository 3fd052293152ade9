"""How findings on the joined caption / poster text / QR text are given back to where their evidence is, and
how image findings raise a verdict (log-odds, floors), independent of the real rules (KeywordEngine)."""

from __future__ import annotations

import pytest

from detectors.images import combine
from detectors.images.qr import QRPayload
from fake_platforms.posters import KeywordEngine
from leekguard_types import Finding, Verdict


def test_findings_go_back_to_the_part_their_evidence_is_in_with_rebased_spans():
    caption, ocr, qr = "Sora 来了", "内测 名额有限 sora", "https://u.wechat.com/x"
    joined, segments = combine.join_segments(caption, ocr, qr)
    verdict = KeywordEngine().analyze(joined)
    found = combine.relabel(verdict.findings, segments)
    texts = {"text": caption, "image:ocr": ocr, "image:qr": qr}
    for f in found:
        for sp in f.evidence:
            assert texts[f.origin][sp.start:sp.end] == sp.text
    sora = [f for f in found if f.rule == "kw.sora"]
    # "Sora" is in the caption and on the poster: one finding per part, the score counted once.
    assert [(f.origin, f.score) for f in sora] == [("text", 0.25), ("image:ocr", 0.0)]
    assert [f.origin for f in found if f.rule == "kw.内测"] == ["image:ocr"]
    assert sum(f.score for f in found) == pytest.approx(verdict.score)


def test_empty_parts_are_left_out_and_identifiers_are_blanked_for_the_engine():
    joined, segments = combine.join_segments("", "海报文字", "   ")
    assert joined == "海报文字" and [s.origin for s in segments] == ["image:ocr"]
    payloads = (QRPayload("wxp://f2f0abc", "wechat_pay"), QRPayload("https://example.com/a", "url"))
    view = combine.engine_view_of_qr(payloads)
    assert view == " " * len("wxp://f2f0abc") + "\nhttps://example.com/a"
    assert len(view) == len("\n".join(p.text for p in payloads))  # offsets still index ImageReport.qr_text


def _verdict(score: float, label: str = "clean") -> Verdict:
    return Verdict(label, score, (), (), "h", "zh-Hans")


def _finding(rule: str, score: float) -> Finding:
    return Finding("image", "group_recruiting", score, "r", "r", rule, origin="image:qr")


def test_a_floor_lifts_the_score_to_a_scam_and_the_finding_shows_what_it_added():
    wechat = (QRPayload("https://u.wechat.com/x", "wechat_contact"),)
    combo = _finding("image.qr_with_hype", combine.QR_WITH_HYPE_LOG_ODDS)
    floor = combine.floor_for(combo, wechat, (0.70, 0.45), countered=False)
    v = combine.final_verdict(_verdict(0.02), [], [(combo, floor)], (0.70, 0.45))
    assert v.label == "scam" and abs(v.score - 0.75) < 1e-3
    assert v.findings[-1].score > combine.QR_WITH_HYPE_LOG_ODDS  # it had to add more than its own weight
    # A web link next to the same hype: suspicious, not scam.
    link = (QRPayload("https://example.com", "url"),)
    v = combine.final_verdict(_verdict(0.02), [], [(combo, combine.floor_for(combo, link, (0.70, 0.45), False))],
                              (0.70, 0.45))
    assert v.label == "suspicious"
    # Counter-evidence (a member warning others): no floor, only the finding's own weight.
    assert combine.floor_for(combo, wechat, (0.70, 0.45), countered=True) is None


def test_image_findings_never_lower_a_verdict():
    v = combine.final_verdict(_verdict(0.95, "scam"), [], [(_finding("image.qr.url", 0.0), None)], (0.70, 0.45))
    assert v.label == "scam" and v.score == 0.95
