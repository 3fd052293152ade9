"""Plain-text renderings of command answers (/check, /incidents, /settings values).

Adapters get the same content structured in Reply.fields / Reply.highlight and may restyle it.
"""

from __future__ import annotations

from bot.actions import ActionResult, Reply
from bot.store.types import Incident
from bot.texts import category_name, t, to_traditional
from bot.warnings import evidence_spans, quote_spans, shorten
from leekguard_types import Finding, Span, Verdict

REASONS_SHOWN = 5


def reason_text(finding: Finding, lang: str) -> str:
    if lang == "en":
        return finding.reason
    return to_traditional(finding.reason_zh) if lang == "zh-Hant" else finding.reason_zh


def mark_spans(text: str, spans: tuple[Span, ...] | list[Span]) -> str:
    """The text with evidence wrapped in «», for plain-text rendering."""
    good = sorted({(s.start, s.end) for s in spans if 0 <= s.start < s.end <= len(text)
                   and text[s.start:s.end] == s.text})
    out, pos = [], 0
    for start, end in good:
        if start < pos:
            continue  # overlapping evidence: keep the first
        out += [text[pos:start], "«", text[start:end], "»"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def render_check(text: str, verdict: Verdict, label: str, lang: str, incident_id: int | None) -> Reply:
    lines = [t("check.title", lang) + (f" (#{incident_id})" if incident_id else ""),
             t("check.verdict", lang, label=t(f"label.{label}", lang), score=f"{verdict.score:.2f}")]
    if label != "clean" and verdict.categories:
        lines.append(t("check.categories", lang,
                       categories=", ".join(category_name(c, lang) for c in verdict.categories[:3])))
    # zero-weight structure and resemblance findings still say why (an offer turned around, the nearest sample)
    shown = [f for f in sorted(verdict.findings, key=lambda f: -abs(f.score))
             if f.score != 0 or f.detector in ("structure", "resemblance")][:REASONS_SHOWN]
    if shown:
        lines.append(t("check.reasons", lang))
        lines += [f"{'+' if f.score > 0 else '−'} {reason_text(f, lang)} [{f.rule}]" for f in shown]
    spans = evidence_spans(verdict, limit=8, text=text)
    if spans:
        lines.append(t("warn.evidence", lang, evidence=quote_spans(spans[:4])))
    text_spans = tuple(s for s in spans if 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text)
    lines.append(t("check.text", lang, text=shorten(mark_spans(text, text_spans), 400)))
    if verdict.error:
        lines.append(t("check.partial", lang))
    lines.append(t("check.never_acts", lang))
    return Reply("\n".join(lines), title=t("check.title", lang),
                 fields=(("verdict", label), ("score", f"{verdict.score:.2f}")),
                 highlight=text_spans, quote=text,
                 extra={"verdict": {**verdict.to_dict(), "verdict": label}, "incident_id": incident_id})


def incident_line(incident: Incident, lang: str) -> str:
    when = incident.created_at.strftime("%m-%d %H:%M")
    cats = ",".join(incident.categories[:2]) or "-"
    who = incident.author_name or incident.author_id
    return (f"#{incident.id} {when} {t(f'label.{incident.verdict}', lang) if incident.verdict in ('scam', 'suspicious') else incident.verdict}"
            f" {incident.score:.2f} {cats} · {who}: {shorten(incident.text, 40)} [{t(f'state.{incident.state}', lang)}]")


def show_value(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "none"
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def lift_lines(author: str, results: list[ActionResult], lang: str) -> list[str]:
    """What an Undo lifted (bot/undo.py): one line for the lifts done, one per lift that was not."""
    def what(r: ActionResult) -> str:
        return t(f"undo.what.{r.action.kind}", lang)

    lines = []
    done = [what(r) for r in results if r.status == "done"]
    if done:
        lines.append(t("undo.lifted", lang, author=author, what=", ".join(done)))
    dry = [what(r) for r in results if r.status == "dry-run"]
    if dry:
        lines.append(t("undo.lift_dry", lang, author=author, what=", ".join(dry)))
    for r in results:
        if r.status in ("failed", "skipped"):
            lines.append(t("undo.lift_failed", lang, author=author, what=what(r), detail=r.detail))
    return lines
