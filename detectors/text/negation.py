"""Hits that say the opposite of what their words mean: "no shared accounts", and a seller's "not a scam"."""

from __future__ import annotations

from detectors.text.intervals import covering
from detectors.text.matcher import Hit

# Offer words a negator right before them denies ("不用代充", "no keys")
NEGATABLE = ("@access_item", "@sell", "@course", "@recruit", "@contact", "@api_claim", "@authority", "@money")


def drop_negated(hits: dict[str, list[Hit]]) -> None:
    """"no shared accounts", "不用代充": offer words right after a negator are denied, not offered."""
    negators = hits.get("@negator")
    if not negators:
        return
    ends = {h.end for h in negators} | {h.end + 1 for h in negators}  # allow one space or mark between
    for key in NEGATABLE:
        found = hits.get(key)
        if found:
            kept = [h for h in found if h.start not in ends]
            if len(kept) != len(found):
                if kept:
                    hits[key] = kept
                else:
                    del hits[key]

def suppress_denials(hits: dict[str, list[Hit]], norm: str) -> None:
    """"not a scam" / "不是骗局" contain warning words; they are a seller's denial, not a warning. A denial word
    followed by a question mark ("legit? guy in the other group selling codes") asks, and denies nothing: it is a
    question. (A question-mark term cannot say so: the matcher reads words without their punctuation.)"""
    denials = hits.get("@anti_warning")
    if denials and "?" in norm:
        asked = [d for d in denials if norm[d.end:d.end + 2].lstrip().startswith("?")]
        if asked:
            hits.setdefault("@question", []).extend(Hit("@question", d.term, d.start, d.end) for d in asked)
        denials = [d for d in denials if d not in asked]
        if denials:
            hits["@anti_warning"] = denials
        else:
            del hits["@anti_warning"]
    warnings = hits.get("@warning")
    if not denials or not warnings:
        return
    denied = covering((d.start, d.end) for d in denials)
    kept = [w for w in warnings if not denied(w.start, w.end)]
    if kept:
        hits["@warning"] = kept
    else:
        del hits["@warning"]
