"""Is a message about AI at all, and how much less likely is it a scam when it is not.

A message that names no AI product, no AI at all and links no look-alike domain is rarely an AI-hype scam (concert
tickets, a used GPU, "DM me the Q3 numbers"): its words must outweigh a discount in log-odds to be flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Container

# The words that make a message about AI. Fear of being replaced ("your 9-5 won't exist in 3 years", "被淘汰")
# stands for AI in a chat even where no AI word is written.
TOPIC_KEYS = frozenset({"@product", "@generic_ai", "$lookalike", "@ai_threat", "@ai_talk"})
# Words that only open the door to the classifier, not features of it: as a feature, "被裁" and "失业" in
# members' own stories and in quoted adverts learned more false alarms than they caught (leaving one writer out).
# So are the words that talk about AI without naming any ("the model", "prompts", 提示词, 出图): leaving writers 43-63
# out one at a time (62 writers), 22 scams caught and 7 missed more, 6 false alarms more and 1 fewer.
TOPIC_ONLY = frozenset({"@ai_threat", "@ai_talk"})
# ...but such talk alone makes chat about AI, not an offer about it: "大家好，今天聊聊新模型" must keep the discount.
# They count only in a message that names goods or deals (an item, a selling word, a price, a contact, a link).
WEAK_TOPIC_KEYS = frozenset({"@ai_talk"})
OFF_TOPIC_LOG_ODDS = -2.5  # a message with none of the topic words: its words must outweigh this
# ...unless a scam pattern fired all the same ("一步慢步步慢，上车私聊" names no AI but is the playbook itself)
OFF_TOPIC_PATTERNED_LOG_ODDS = -0.75
# Set by leaving one writer out: -3/-1 beat -4/-2 (23 writers) and, once every message was read, -2.5 and -3.5 (27 to
# 32 writers, with and without word pairs). At 83 writers the gate held 410 of the 1,585 scams missed (each alone
# past 0.7 without it): -2.5/-0.75 and a short message's -1.0 caught 96 more scams and raised 7 more false alarms
# than -3/-1/-1.5, the best of 96 settings by the 7.2-to-1 rule (computed from that run's per-message findings).
# Run with it at 89 writers: 0.931 at 1.31% false alarms; on the same 83 writers 137 scams caught and 11 false alarms
# fewer than before, 6 new writers' lines included. A book club moving to a paid Discord is a known false alarm (tests).
# ...and a short message (fewer than SHORT_MESSAGE_CHARS characters once separators go) that deals (an offer, a
# price, a contact, a link) has little room for an AI word: its absence says less ("yqm 还剩5个 dd", "vip grp link in
# bio"). Leaving one writer out over 38 writers: recall 0.903 -> 0.906 at 1.5% false alarms either way (34 scams more,
# 4 false alarms more; the short-chat writers 0.758 -> 0.783 and 0.746 -> 0.775); three new writers' lines, unseen:
# 0.708 -> 0.729 at 0.67% false alarms either way. For every short message it caught more (0.908; unseen 0.754),
# but short chat that deals in nothing ("大家好，今天聊聊新模型") then reached the admins.
SHORT_MESSAGE_CHARS = 25
OFF_TOPIC_SHORT_LOG_ODDS = -1.0
# ($lookalike is no member: a look-alike link makes a message topical, so it is never discounted)
_DEALING = frozenset({"@contact", "$contact_handle", "$price", "$scam_price", "$link", "$keyword_cta"})


def talks_about_ai(hits: Container[str], deals: Callable[[], bool]) -> bool:
    """Do the words hit make the message about AI? `deals`: does it name goods or deal (the offer structure's
    words); asked only where AI talk is all there is."""
    found = [key for key in TOPIC_KEYS if key in hits]
    if any(key not in WEAK_TOPIC_KEYS for key in found):
        return True
    return bool(found) and deals()


def off_topic_discount(patterned: bool, offered: bool, hits: Container[str], compact_length: int) -> float:
    """The log-odds discount of a message that names no AI. `patterned`: a scam pattern fired or a telltale item
    was offered; `offered`: an offer's shape was read; `compact_length`: characters once separators go."""
    discount = OFF_TOPIC_PATTERNED_LOG_ODDS if patterned else OFF_TOPIC_LOG_ODDS
    if compact_length < SHORT_MESSAGE_CHARS and (offered or any(key in hits for key in _DEALING)):
        return max(discount, OFF_TOPIC_SHORT_LOG_ODDS)
    return discount
