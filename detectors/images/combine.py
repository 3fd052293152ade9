"""Turn an image's text (caption, poster text, QR payloads) plus what only an image can show (a QR code,
a known poster) into one Verdict that explains itself.

The caption, the OCR text and the QR payloads are joined and analysed by the engine in ONE call, so its
rules see them together (a product named in the caption, a price on the poster). Each finding is then
given back to the part its evidence came from: origin "text" / "image:ocr" / "image:qr", spans rebased
to that part. A finding whose evidence spans two parts becomes one finding per part; only the first keeps
the score, so nothing is counted twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from detectors.images.poster_hash import HASH_BITS, PosterMatch
from detectors.images.qr import QRPayload
from detectors.images.textcues import HypeCues
from leekguard_types import CATEGORIES, Finding, Span, Verdict

SEPARATOR = "\n\n"
SOURCE_QR = "002_ad10ce317548f5ac.txt: 'the opportunity to become the first generation AI director through QR codes in Moments and social media'"
SOURCE_POSTER = "002_ad10ce317548f5ac.txt: 'Even the promotional posters are the same, and they are too lazy to redo them.'"

# Scores are log-odds, like the engine's findings: the verdict score is the logistic of their sum, and an
# image finding's score is exactly what it added. Some image findings also set a FLOOR: the least the
# verdict score becomes when they fire, because the combination itself is the scam the articles describe.
#
# A QR code alone adds nothing (menus, payments between friends). With AI-product hype next to it in the
# caption or on the poster, it is the recruiting move: a private channel (WeChat, Telegram) or a payment
# code makes it a scam verdict, a plain web link a suspicious one.
PRIVATE_QR_KINDS = frozenset({"wechat_group", "wechat_contact", "telegram", "wechat_pay", "alipay"})
QR_WITH_HYPE_LOG_ODDS = 2.0
LOOKALIKE_QR_LOG_ODDS = 2.0  # only when the engine's own link check did not already score the payload
POSTER_MATCH_LOG_ODDS = 3.0  # a copy of a poster admins confirmed as a scam
POSTER_MATCH_FLOOR = 0.90
FLOOR_MARGIN = 0.05  # floors sit this far above the threshold they aim for
DEFAULT_THRESHOLDS = (0.70, 0.45)  # scam, suspicious: used only if the engine does not tell us its own


@dataclass(frozen=True, slots=True)
class Segment:
    origin: str
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def join_segments(caption: str, ocr_text: str, qr_text: str) -> tuple[str, list[Segment]]:
    parts, segments, pos = [], [], 0
    for origin, text in (("text", caption), ("image:ocr", ocr_text), ("image:qr", qr_text)):
        if not text.strip():
            continue
        if parts:
            parts.append(SEPARATOR)
            pos += len(SEPARATOR)
        segments.append(Segment(origin, pos, text))
        parts.append(text)
        pos += len(text)
    return "".join(parts), segments


# QR payloads the engine reads as text: links (its link checker knows look-alikes) and plain text someone
# wrote. WeChat, Telegram and payment codes are identifiers, not words: read as text, "wxp://f2f0..."
# would look like the contact lure "wx"; what they are is said by image.qr.<kind> and image.qr_with_hype.
ENGINE_READS = frozenset({"url", "lookalike_domain", "text"})


def engine_view_of_qr(payloads: tuple[QRPayload, ...]) -> str:
    """The payloads joined by newlines as in ImageReport.qr_text, identifiers blanked to spaces of the same
    length so that span offsets still index qr_text."""
    return "\n".join(p.text if p.kind in ENGINE_READS else " " * len(p.text) for p in payloads)


def relabel(findings: tuple[Finding, ...], segments: list[Segment]) -> list[Finding]:
    """Give each engine finding the origin of its evidence, with spans relative to that part's text."""
    fallback = next((s.origin for s in segments if s.origin == "image:ocr"), segments[0].origin if segments else "text")
    out: list[Finding] = []
    for f in findings:
        if f.origin != "text":  # e.g. "reply": about the quoted message, not about our joined text
            out.append(f)
            continue
        if not f.evidence:
            out.append(replace(f, origin=fallback))
            continue
        by_origin: dict[str, list[Span]] = {}
        for span in f.evidence:
            seg = _segment_at(segments, span.start)
            if seg is None:
                continue
            start, end = span.start - seg.start, min(span.end, seg.end) - seg.start
            by_origin.setdefault(seg.origin, []).append(Span(start, end, seg.text[start:end]))
        if not by_origin:
            out.append(replace(f, origin=fallback, evidence=()))
            continue
        for i, (origin, spans) in enumerate(by_origin.items()):
            out.append(replace(f, origin=origin, evidence=tuple(spans), score=f.score if i == 0 else 0.0))
    return out


def _segment_at(segments: list[Segment], offset: int) -> Segment | None:
    for s in segments:
        if s.start <= offset < s.end:
            return s
    return None


def hype_findings(findings: list[Finding]) -> list[Finding]:
    """Scam-category patterns that fired on the caption or the poster. Whatever weight the engine learned
    for a rule (even a negative correction), the rule firing means the text makes that move."""
    return [f for f in findings if f.detector == "pattern" and f.category in CATEGORIES and f.evidence
            and f.origin in ("text", "image:ocr")]


def counter_evidence(findings: list[Finding]) -> list[Finding]:
    """The engine's context patterns that speak against a scam (a member warning, news, a free share)."""
    return [f for f in findings if f.detector == "pattern" and f.category == "context" and f.score < 0
            and f.origin in ("text", "image:ocr")]


def qr_findings(payloads: tuple[QRPayload, ...], score_lookalike: bool = True) -> list[Finding]:
    """One finding per QR payload: evidence of what it is. Only a look-alike domain scores by itself, and
    only if `score_lookalike` (False when the engine already scored the payload text)."""
    out, pos = [], 0
    for p in payloads:
        en, zh = p.description
        span = Span(pos, pos + len(p.text), p.text)
        pos += len(p.text) + 1
        lookalike = p.kind == "lookalike_domain"
        out.append(Finding(
            detector="image", category="fake_api" if lookalike else "signal",
            score=LOOKALIKE_QR_LOG_ODDS if lookalike and score_lookalike else 0.0,
            reason=f"QR code in the image: {en}", reason_zh=f"图片中的二维码：{zh}",
            rule=f"image.qr.{p.kind}", source=SOURCE_QR if lookalike else "", evidence=(span,), origin="image:qr",
        ))
    return out


def qr_with_hype_finding(payloads: tuple[QRPayload, ...], cues: dict[str, HypeCues],
                         patterns: list[Finding]) -> Finding:
    """The QR code is the contact lure; the caption or poster sells an AI product: the recruiting move."""
    origins = {o for o, c in cues.items() if c.is_hype} | {f.origin for f in patterns}
    where_en = " and ".join(sorted("the caption" if o == "text" else "the poster text" for o in origins))
    where_zh = "和".join(sorted("配文" if o == "text" else "海报文字" for o in origins))
    words = [sp.text for c in cues.values() if c.is_hype for sp in c.ai + c.selling]
    words += [sp.text for f in patterns for sp in f.evidence]
    quoted = ", ".join(_few_words(words))
    kinds_en = ", ".join(dict.fromkeys(p.description[0] for p in payloads))
    kinds_zh = "、".join(dict.fromkeys(p.description[1] for p in payloads))
    return Finding(
        detector="image", category="group_recruiting", score=QR_WITH_HYPE_LOG_ODDS,
        reason=f"QR code ({kinds_en}) together with AI-product hype in {where_en} ({quoted}): recruiting by QR code",
        reason_zh=f"二维码（{kinds_zh}）配合{where_zh}中的 AI 产品炒作（{quoted}）：扫码引流",
        rule="image.qr_with_hype", source=SOURCE_QR,
        evidence=(Span(0, len(payloads[0].text), payloads[0].text),), origin="image:qr",
    )


def _few_words(words: list[str], limit: int = 6) -> list[str]:
    """The first `limit` distinct words, leaving out any word that is part of a longer one already shown."""
    out: list[str] = []
    for w in dict.fromkeys(w.strip() for w in words if w.strip()):
        if any(w in o for o in out):
            continue
        out = [o for o in out if o not in w] + [w]
    return out[:limit]


def poster_match_finding(match: PosterMatch) -> Finding:
    where_en = "this chat" if match.same_chat else "another chat"
    where_zh = "本群" if match.same_chat else "其他群"
    ref = f" (incident #{match.incident_id})" if match.incident_id is not None else ""
    return Finding(
        detector="poster_hash", category=match.category if match.category in CATEGORIES else "group_recruiting",
        score=POSTER_MATCH_LOG_ODDS,
        reason=(f"matches a poster already confirmed as a scam in {where_en}{ref}; "
                f"{match.distance}/{HASH_BITS} bits differ"),
        reason_zh=f"与{where_zh}已确认的诈骗海报相同{ref}（{match.distance}/{HASH_BITS} 位不同）",
        rule="poster_hash.confirmed_match", source=SOURCE_POSTER, origin="image:poster",
    )


def thresholds_of(engine) -> tuple[float, float]:
    """(scam, suspicious) from engine.settings.thresholds, whatever shape it has; defaults otherwise."""
    t = getattr(getattr(engine, "settings", None), "thresholds", None)
    try:
        if t is None:
            return DEFAULT_THRESHOLDS
        if isinstance(t, dict):
            return float(t["scam"]), float(t["suspicious"])
        if hasattr(t, "scam"):
            return float(t.scam), float(t.suspicious)
        scam, suspicious = t
        return float(scam), float(suspicious)
    except (KeyError, TypeError, ValueError, AttributeError):
        return DEFAULT_THRESHOLDS


def floor_for(finding: Finding, payloads: tuple[QRPayload, ...], thresholds: tuple[float, float],
              countered: bool) -> float | None:
    """The least verdict score an image finding stands for (None: it only adds its log-odds).

    No floor when the caption or poster carries counter-evidence (a member warning others, news): then the
    image findings still add their log-odds, but the engine's judgement of the context stands."""
    if countered:
        return None
    scam_t, suspicious_t = thresholds
    if finding.rule == "image.qr_with_hype":
        private = any(p.kind in PRIVATE_QR_KINDS for p in payloads)
        return min(0.99, (scam_t if private else suspicious_t) + FLOOR_MARGIN)
    if finding.rule == "poster_hash.confirmed_match":
        return max(POSTER_MATCH_FLOOR, min(0.99, scam_t + FLOOR_MARGIN))
    return None


def final_verdict(base: Verdict, relabelled: list[Finding], extra: list[tuple[Finding, float | None]],
                  thresholds: tuple[float, float], error: str | None = None) -> Verdict:
    """The engine's verdict on the joined text, raised by the image-only findings (never lowered).

    extra: (finding, floor). z = logit(engine score) + each finding's log-odds, where a finding with a
    floor adds at least what lifts the score to its floor; the finding then shows what it really added."""
    z = _logit(base.score)
    added: list[Finding] = []
    for f, floor in extra:
        contribution = f.score
        if floor is not None:
            contribution = max(contribution, _logit(floor) - z)
        contribution = round(contribution, 4)
        z += contribution
        added.append(replace(f, score=contribution) if contribution != f.score else f)
    score = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
    scam_t, suspicious_t = thresholds
    label = "scam" if score >= scam_t else "suspicious" if score >= suspicious_t else "clean"
    if _RANK[base.label] > _RANK[label]:
        label = base.label
    categories = list(base.categories)
    for f in sorted(added, key=lambda f: -f.score):
        if f.score > 0 and f.category in CATEGORIES and f.category not in categories:
            categories.append(f.category)
    errors = "; ".join(e for e in (base.error, error) if e) or None
    return Verdict(label=label, score=round(score, 4), categories=tuple(categories),
                   findings=tuple(relabelled) + tuple(added), text_hash=base.text_hash, lang=base.lang, error=errors)


_RANK = {"clean": 0, "suspicious": 1, "scam": 2}


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
