"""Quotations are exact words with a stored source, cited only while they were true; translations say so."""

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.warnings import load_products, pick_statement, statement_line
from detectors.packs import load_pack

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "seeds" / "sources"
ARTICLES = ROOT.parent / "shared" / "seeds"
PACK = load_pack()
QUOTE_MARKS = re.compile("[\"\u201c\u201d\u300c\u300d\u300e\u300f]")


def _passage(source_file: str) -> str:
    text = (SOURCES / source_file).read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{source_file}: no front matter"
    front, _, body = text[4:].partition("\n---\n")
    for field in ("url:", "retrieved:", "published:"):
        assert f"\n{field}" in "\n" + front, f"{source_file}: front matter lacks {field}"
    return body


@pytest.mark.parametrize("statement", PACK.statements, ids=lambda s: s.id)
def test_every_statement_is_verbatim_in_its_stored_source(statement):
    assert statement.text_en in _passage(statement.source_file)


def test_no_invented_sentence_is_attributed_to_openai():
    texts = " ".join(s.text_en for s in PACK.statements)
    assert "nobody else sells it" not in texts
    assert "任何第三方出售的都不可信" not in (ROOT / "seeds" / "statements.yaml").read_text(encoding="utf-8")


def test_a_chinese_warning_quotes_the_original_and_labels_the_translation():
    [logan] = [s for s in PACK.statements if s.author == "Logan Kilpatrick"]
    line = statement_line(logan, "zh-Hans")
    quoted = re.findall("\u201c([^\u201d]*)\u201d", line)
    assert quoted == [logan.text_en]  # the only words in quotation marks are his
    assert "译文" in line and logan.translation_zh in line
    assert "譯文" in statement_line(logan, "zh-Hant")


def _sora():
    return [p for p in load_products() if p.id == "sora"]


def test_before_sora_opened_the_statement_that_access_was_not_rolled_out_is_cited():
    cited = pick_statement(["fake_access"], _sora(), on=date(2024, 2, 20))
    assert cited.author == "Logan Kilpatrick" and cited.date == "2024-02-17"


def test_after_sora_opened_that_statement_is_no_longer_cited():
    for category in ("fake_access", "paid_course", "group_recruiting", "fake_generated"):
        cited = pick_statement([category], _sora(), on=date(2026, 12, 1))
        assert cited is not None and cited.date >= "2024-12-09", category


def test_no_statement_about_other_products_answers_a_product_it_does_not_cover():
    kling = [p for p in load_products() if p.id == "kling"]
    assert kling, "products.yaml lists Kling"
    assert pick_statement(["fake_access"], kling, on=date(2026, 12, 1)) is None


@pytest.mark.parametrize("at,earliest,latest", [("2024-02-20", "2024-02-17", "2024-02-17"),
                                                ("2026-12-01", "2024-12-09", "2026-12-01")])
def test_check_at_cites_the_statement_true_on_that_day(at, earliest, latest):
    r = subprocess.run([sys.executable, "-m", "cli", "check", "--json", "--at", at, "Sora内测账号 只要299 加V私聊"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["verdict"] == "scam" and out["categories"][0] == "fake_access"
    dates = re.findall(r"(\d{4}-\d{2}-\d{2})）原话", out["warning"])
    assert dates and earliest <= dates[0] <= latest, out["warning"]


def test_rule_explanations_put_nothing_in_quotation_marks():
    for rule in PACK.rules:
        for text in (rule.explain.en, rule.explain.zh):
            assert not QUOTE_MARKS.search(text), (rule.id, text)
    for kind in PACK.structure.items:
        assert not QUOTE_MARKS.search(kind.en + kind.zh), kind.id


def test_every_rule_source_quote_stands_in_its_article():
    def fold(s: str) -> str:
        return re.sub(r"\s+", " ", s.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")).casefold()

    for rule in PACK.rules:
        article = fold((ARTICLES / rule.source.article).read_text(encoding="utf-8"))
        for fragment in re.split(r"\s*(?:\.\.\.|\u2026)\s*", rule.source.quote):
            assert not fragment or fold(fragment) in article, (rule.id, fragment)
