"""jieba's dictionary held as a trie cuts Chinese exactly as jieba itself does (no HMM), scam vocabulary included."""

import json
import logging
from pathlib import Path

import pytest

from detectors.text import normalize as norm_mod
from detectors.text import tokenize
from detectors.text.dictionary import JiebaDictionary

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def jieba_with_vocabulary():
    import jieba

    tok = jieba.Tokenizer()  # a private one: the process-wide jieba stays as other tests left it
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok.initialize()
    vocabulary = ["内测账号", "提示词", "割韭菜", "第一代ai导演", "一步慢步步慢", "邀请码"]
    for word in vocabulary:
        tok.add_word(word, freq=20000)
    return tok, JiebaDictionary(vocabulary)


def _runs(limit: int) -> list[str]:
    runs: list[str] = []
    for path in sorted((ROOT / "seeds" / "samples").glob("*.jsonl"))[:6]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                runs += tokenize.han_runs(norm_mod.normalize(json.loads(line)["text"]).norm)
    return runs[:limit]


def test_the_trie_cuts_the_training_samples_as_jieba_does(jieba_with_vocabulary):
    tok, trie = jieba_with_vocabulary
    runs = _runs(4000)
    assert len(runs) > 1000
    differ = [(run, trie.cut(run), tok.lcut(run, HMM=False)) for run in runs if trie.cut(run) != tok.lcut(run, HMM=False)]
    assert differ == []


@pytest.mark.parametrize("run", [
    "Sora内测账号只要二百九十九",     # the added words stay whole
    "一步慢步步慢你还在等什么",
    "㐀㐁中文测试",                  # Extension A characters: jieba yields them one by one
    "中文\uf900字典",                 # a compatibility ideograph inside a run
    "中\u9fe0文",                     # beyond jieba's Han range
])
def test_added_words_and_unusual_characters(jieba_with_vocabulary, run):
    tok, trie = jieba_with_vocabulary
    han = "".join(tokenize.han_runs(run))
    assert trie.cut(han) == tok.lcut(han, HMM=False)


def test_added_words_are_cut_whole():
    trie = JiebaDictionary(["第一代ai导演", "内测账号"])
    assert "内测账号" in trie.cut("出售内测账号")


def test_a_saved_dictionary_is_mapped_back_and_cuts_the_same(tmp_path, jieba_with_vocabulary):
    tok, built = jieba_with_vocabulary
    vocabulary = ["内测账号", "提示词", "割韭菜", "第一代ai导演", "一步慢步步慢", "邀请码"]
    JiebaDictionary(vocabulary, cache=tmp_path)  # builds and saves
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".logp", ".marisa"]
    mapped = JiebaDictionary(vocabulary, cache=tmp_path)
    assert len(mapped) == len(built)
    runs = _runs(1500)
    assert [mapped.cut(r) for r in runs] == [tok.lcut(r, HMM=False) for r in runs]


def test_another_vocabulary_gets_its_own_saved_dictionary(tmp_path):
    JiebaDictionary(["内测账号"], cache=tmp_path)
    other = JiebaDictionary(["出售内测"], cache=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 2
    assert other.cut("出售内测账号")[0] == "出售内测"  # the other word, not the first dictionary's


def test_a_torn_saved_dictionary_is_built_again(tmp_path):
    JiebaDictionary(["内测账号"], cache=tmp_path)
    logp = next(tmp_path.glob("*.logp"))
    logp.write_bytes(logp.read_bytes()[:1000])  # a crash mid-copy, a full disk
    again = JiebaDictionary(["内测账号"], cache=tmp_path)
    assert again.cut("出售内测账号") == ["出售", "内测账号"]
    assert next(tmp_path.glob("*.logp")).stat().st_size > 1000  # and saved whole again


def test_an_unwritable_cache_folder_only_costs_the_build(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert JiebaDictionary(["内测账号"], cache=blocked / "cache").cut("出售内测账号") == ["出售", "内测账号"]
