"""A long post's closing lines are read apart (detectors/text/passages.py, Engine._analyze): an essay that ends in a
pitch is judged on the pitch, a moderator's post that quotes one is not."""

from detectors.text.passages import CLOSING_MAX_CHARS, CLOSING_MIN_CHARS, LONG_POST_CHARS, closing_lines
from tests.support.engine import shared_engine

# Hand-written for these tests (no sample of any writer): a parent's sensible essay about AI video whose last two
# sentences sell Sora accounts. Read whole, its ordinary words hold the offer just below a public warning.
ESSAY_WITH_PITCH = (
    "上周带孩子去科技馆，看到一个用AI生成动画的展台，排队的人特别多。孩子问我，以后是不是画画都不用学了。我想了很久，跟他说，"
    "工具会越来越好用，但想画什么、为什么这样画，还是要靠自己。回家以后我查了很多资料，发现现在的视频模型确实进步很快，"
    "有些镜头已经很难分辨真假，但也有很多明显的问题，比如手指、文字、物理规律。我觉得家长不用焦虑，也不用神化，周末带着孩子"
    "一起玩一玩、看一看就好。说回正事，最近不少家长问我哪里能用上Sora，我这里有几个美区的Sora账号，独享不共享，一个月一百二，"
    "名额不多，先到先得。需要的家长直接私我，备注孩子年级就行。"
)
# A moderator's note whose last lines quote a removed advert without quotation marks, "message me" and all.
MOD_NOTE_QUOTING_A_PITCH = (
    "Mod note, please read before you buy anything in here. This month we removed a dozen posts that all follow the "
    "same script, and they are getting better at sounding like ordinary members. They open with a long story about "
    "their job or their kids, they talk sensibly about the new video models for a few paragraphs, and only at the very "
    "end do they slip in the offer. The last one we removed ended like this: I have a few spare Sora accounts, one "
    "month for 120, only a handful left, message me privately."
)

# A joke whose punchline is a pitch: read on its own, the last sentence is a scam advert.
SATIRE_ENDING_IN_A_PITCH = (
    "Satire, obviously. Here is my new life plan, inspired by every guru in my feed. Step one: wake up at 4am and stare "
    "at the ceiling while thinking about the new video models. Step two: tell everyone that editors are finished, then "
    "edit my own videos by hand because the model keeps giving people seven fingers. Step three: become a "
    "first-generation AI director by renaming my phone camera. Final step: sell you my exclusive Sora director account "
    "for only $999 a month, limited seats, DM me before the universe runs out of leeks."
)


def test_a_short_post_has_no_closing_lines_of_its_own():
    assert closing_lines("Sora账号 一个月一百二 私我") is None
    assert closing_lines("x" * (LONG_POST_CHARS - 1)) is None


def test_the_closing_lines_are_whole_sentences_at_the_end():
    start = closing_lines(ESSAY_WITH_PITCH)
    assert start is not None
    closing = ESSAY_WITH_PITCH[start:]
    assert CLOSING_MIN_CHARS <= len(closing) <= CLOSING_MAX_CHARS
    assert ESSAY_WITH_PITCH[start - 1] == "。"  # starts right after a sentence ends
    assert closing.endswith("备注孩子年级就行。")


def test_a_post_of_one_long_sentence_has_no_closing_passage():
    assert closing_lines("a" * 30 + " and" * 200) is None


def test_a_price_with_a_decimal_point_does_not_end_a_sentence():
    post = "I like tea. " * 25 + "Our course is $4.99 today only and the link is in my bio, so grab your seat while it lasts, friends."
    start = closing_lines(post)
    assert start is not None and post[start:].startswith("Our course is $4.99")


def test_an_essay_that_ends_in_a_pitch_is_judged_on_its_closing_lines():
    engine = shared_engine()
    verdict = engine.analyze(ESSAY_WITH_PITCH)
    assert verdict.label == "scam", verdict
    assert "fake_access" in verdict.categories
    rules = {f.rule for f in verdict.findings}
    assert "engine.closing_lines" in rules
    # the evidence quotes the pitch, at its place in the whole post
    quoted = [sp for f in verdict.findings for sp in f.evidence]
    assert quoted and all(ESSAY_WITH_PITCH[sp.start:sp.end] == sp.text for sp in quoted)
    assert any(sp.text == "账号" for sp in quoted)
    assert min(sp.start for sp in quoted) >= closing_lines(ESSAY_WITH_PITCH)
    # and the findings still add up to the verdict
    assert abs(engine.fast.probability(sum(f.score for f in verdict.findings)) - verdict.score) < 1e-3


def test_the_same_pitch_in_a_reply_is_not_read_apart():
    # a reply is read with the message it quotes; its closing lines are not read on their own
    verdict = shared_engine().analyze(ESSAY_WITH_PITCH, reply_to_text="有人知道哪里能买Sora账号吗？")
    assert "engine.closing_lines" not in {f.rule for f in verdict.findings}


def test_a_moderator_quoting_a_removed_pitch_is_not_judged_on_the_quote():
    verdict = shared_engine().analyze(MOD_NOTE_QUOTING_A_PITCH)
    assert verdict.label != "scam", verdict
    assert "engine.closing_lines" not in {f.rule for f in verdict.findings}


def test_a_joke_ending_in_a_pitch_is_not_judged_on_its_punchline():
    engine = shared_engine()
    punchline = SATIRE_ENDING_IN_A_PITCH[closing_lines(SATIRE_ENDING_IN_A_PITCH):]
    assert engine.analyze(punchline).label == "scam"  # on its own, the advert it parodies
    verdict = engine.analyze(SATIRE_ENDING_IN_A_PITCH)
    assert verdict.label != "scam", verdict
    assert "engine.closing_lines" not in {f.rule for f in verdict.findings}
