"""The texts members and admins read about a flagged message: the warning and the admin notification.

A warning says what kind of scam it looks like, quotes the evidence, cites the official statement that fits
(author, role, date, source) and points to the real product's official site; short enough for a phone.
Official statements and official sites are data (seeds/statements.yaml, seeds/products.yaml), read through
detectors.packs (importlib.resources on the `seeds` package), the same loader the engine uses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Iterable

from bot.actions import Action, Button, Reply
from bot.texts import LANGUAGES, category_name, normalise_language, t, to_traditional
from detectors.packs import Pack, PackError, Product, Statement, load_pack
from leekguard_types import Message, Span, Verdict

log = logging.getLogger(__name__)

EVIDENCE_SPANS = 3  # quoted spans per warning
SPAN_CHARS = 24  # longest quote, in characters
# A warning never repeats the scammer's contact details: links, t.me/wa.me, @handles, long ids after vx/微信.
_CONTACT_DETAIL = re.compile(r"https?://|www\.|\b(?:t|wa|telegram)\.me\b|@\w|\w\.[a-z]{2,}/|[a-z0-9]+_[a-z0-9_]+|\d{6,}", re.I)


@lru_cache(maxsize=1)
def _pack() -> Pack | None:
    """The seed data the engine uses too (products with their official sites, official statements)."""
    try:
        return load_pack()
    except PackError as exc:  # the engine refuses to start on this too; warnings just lose their citation
        log.error("warnings without statements or official sites: %s", exc)
        return None


def load_statements() -> list[Statement]:
    pack = _pack()
    return pack.statements if pack else []


def load_products() -> list[Product]:
    pack = _pack()
    return pack.products.products if pack else []


def statement_line(statement: Statement, lang: str) -> str:
    """The citation: the official's exact words in quotation marks, dated and sourced. In Chinese the English
    original stays quoted and LeekGuard's translation follows it, labelled as a translation."""
    zh = lang != "en"
    translation = statement.translation_zh
    role = statement.role_zh if zh else statement.role
    if lang == "zh-Hant":
        translation, role = to_traditional(translation), to_traditional(role)
    url = "" if statement.url.split("://")[-1] in statement.source else statement.url
    return t("warn.statement", lang, author=statement.author, role=role, date=statement.date,
             text=statement.text_en, translation=translation, source=statement.source, url=url).rstrip()


@lru_cache(maxsize=1)
def _product_matcher() -> tuple[re.Pattern | None, list[Product]]:
    """One regex over every alias, longest first; group i names product i. A trailing * in an alias lets
    the word continue ("gpt*" also matches "gpt4o"); a space matches any separator."""
    aliases: list[tuple[str, Product]] = []
    for product in load_products():
        names = dict.fromkeys(n.casefold() for n in (product.id, product.name, *product.aliases))
        aliases.extend((name, product) for name in names)
    if not aliases:
        return None, []
    aliases.sort(key=lambda ap: len(ap[0]), reverse=True)
    parts = []
    for alias, _ in aliases:
        body = re.escape(alias.rstrip("*")).replace(r"\ ", r"[\s._-]*")
        if alias.isascii():
            tail = r"[a-z0-9.]*" if alias.endswith("*") else r"(?![a-z0-9])"
            body = rf"(?<![a-z0-9]){body}{tail}"
        parts.append(f"({body})")
    return re.compile("|".join(parts)), [p for _, p in aliases]


def products_in(text: str) -> list[Product]:
    """Products a text names, in order of first mention."""
    pattern, owners = _product_matcher()
    if pattern is None:
        return []
    found: dict[str, Product] = {}
    for m in pattern.finditer(text.casefold()):
        product = owners[m.lastindex - 1]
        found.setdefault(product.id, product)
    return list(found.values())


def pick_statement(categories: Iterable[str], products: Iterable[Product],
                   statements: Iterable[Statement] | None = None, on: date | None = None) -> Statement | None:
    """The statement that fits best among those that held on the message's day (today when unknown): the
    verdict's main category first, then its other categories; a statement about a product the message names
    ranks higher, and one about other products is never cited when the message names products it does not
    cover. Among equals the newest wins: it says how things stood then."""
    cats = list(categories)
    wanted_products = {p.id for p in products}
    day = (on or datetime.now(timezone.utc).date()).isoformat()
    best, best_score = None, 0
    for st in load_statements() if statements is None else statements:
        if not st.holds_on(day):
            continue
        product_hit = any(p in wanted_products for p in st.products)
        if wanted_products and st.products and not product_hit:
            continue  # OpenAI's terms are no answer to a Kling account sale
        cat_rank = next((len(cats) - i for i, c in enumerate(cats) if c in st.categories), 0)
        if not cat_rank:
            continue
        score = cat_rank * 10 + (5 if product_hit else 0)
        if score > best_score or score == best_score and best and st.date > best.date:
            best, best_score = st, score
    return best


def pick_language(verdict: Verdict, chat_language: str) -> str:
    """The chat's language when it chose one; with "auto", the message's own language (Simplified Chinese
    when it is none we speak)."""
    if chat_language in LANGUAGES:
        return chat_language
    return normalise_language(verdict.lang)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def evidence_spans(verdict: Verdict, limit: int = EVIDENCE_SPANS, text: str | None = None) -> list[Span]:
    """What makes it a scam, in the order it stands in the message: the offer's item, offer and hook first
    (the structure finding), then the strongest other evidence. Overlapping quotes are merged into one (with
    the message `text`, else the longer is kept), so «加微» «加微信» «微信» reads «加微信»; contact details
    (links, handles, ids) are never repeated."""
    structural = [f for f in verdict.findings if f.detector == "structure" and f.score >= 0 and f.category != "context"]
    ordered = structural + sorted((f for f in verdict.positive_findings if f not in structural), key=lambda f: -f.score)
    chosen: list[Span] = []
    for finding in ordered:
        for span in finding.evidence:
            if not span.text.strip() or _CONTACT_DETAIL.search(span.text):
                continue
            overlapping = [c for c in chosen if c.start < span.end and span.start < c.end]
            if overlapping:
                merged = _merge([*overlapping, span], text)
                if not _CONTACT_DETAIL.search(merged.text):
                    chosen = [c for c in chosen if c not in overlapping] + [merged]
            elif len(chosen) < limit and span.text.strip().casefold() not in {c.text.strip().casefold() for c in chosen}:
                chosen.append(span)
    return sorted(chosen, key=lambda sp: sp.start)


def _merge(spans: list[Span], text: str | None) -> Span:
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    if text is not None and end <= len(text):
        return Span(start, end, text[start:end])
    return max(spans, key=lambda s: s.end - s.start)


def quote_spans(spans: Iterable[Span], limit: int = SPAN_CHARS) -> str:
    return " ".join(f"«{shorten(s.text, limit)}»" for s in spans)


def main_category(verdict: Verdict) -> str:
    return verdict.categories[0] if verdict.categories else "other"


def render_warning(msg: Message, verdict: Verdict, label: str, chat_language: str) -> Reply:
    lang = pick_language(verdict, chat_language)
    category = category_name(main_category(verdict), lang)
    head_key = "warn.head.scam" if label == "scam" else "warn.head.suspicious"
    lines = [t(head_key, lang, category=category)]
    fields: list[tuple[str, str]] = []
    spans = evidence_spans(verdict, text=msg.text)
    if spans:
        lines.append(t("warn.evidence", lang, evidence=quote_spans(spans)))
        fields.append(("evidence", quote_spans(spans)))
    products = products_in(" ".join(filter(None, [msg.text, msg.reply_to_text])))
    statement = pick_statement(verdict.categories, products, on=msg.date.date() if msg.date else None)
    if not products and statement is not None:  # the statement's own product is the one to point to
        products = [p for p in load_products() if p.id in statement.products]
    if statement is not None:
        cited = statement_line(statement, lang)  # never shortened: a cut quotation is not their words
        lines.append(cited)
        fields.append(("statement", cited))
    if products:
        product = products[0]
        lines.append(t("warn.official", lang, product=product.name, url=product.official[0]))
        fields.append(("official", product.official[0]))
    lines.append(t("warn.advice", lang))
    return Reply(text="\n".join(lines), title="LeekGuard", fields=tuple(fields), highlight=tuple(spans),
                 quote=msg.text, extra={"lang": lang, "statement": statement.id if statement else None,
                                        "kind": "warning"})


def render_brief_mark(msg: Message, verdict: Verdict, chat_language: str) -> Reply:
    """A repeat in the same burst: one line that marks the message and points to the first warning."""
    lang = pick_language(verdict, chat_language)
    text = t("warn.brief", lang, category=category_name(main_category(verdict), lang))
    return Reply(text=text, title="LeekGuard", quote=msg.text, extra={"lang": lang, "kind": "warning", "brief": True})


def admin_buttons(incident_id: int | None, lang: str) -> tuple[Button, ...]:
    if incident_id is None:
        return ()
    return (
        Button(t("button.confirm", lang), f"confirm:{incident_id}", "danger"),
        Button(t("button.dismiss", lang), f"dismiss:{incident_id}", "success"),
        Button(t("button.ban", lang), f"ban:{incident_id}", "danger"),
        Button(t("button.undo", lang), f"undo:{incident_id}", "secondary"),
    )


def render_admin_notice(msg: Message, verdict: Verdict, label: str, incident_id: int | None,
                        actions: list[Action], language: str, dry_run: bool = False,
                        admin_target: str | None = None) -> Reply:
    """The message admins get: what, where, who, evidence, what was done, and review buttons."""
    lang = normalise_language(language)
    chat = msg.chat_title or f"{msg.platform}:{msg.chat_id}"
    author = msg.author.name or msg.author.username or msg.author.id
    if msg.author.username and msg.author.username != author:
        author += f" (@{msg.author.username})"
    author += f" [id {msg.author.id}]"
    spans = evidence_spans(verdict, text=msg.text)
    done = ", ".join(a.describe() for a in actions if a.kind != "notify_admins") or t("notify.none", lang)
    lines = [
        t("notify.title", lang, id=incident_id if incident_id is not None else "?"),
        t("notify.head", lang, label=t(f"label.{label}", lang), score=f"{verdict.score:.2f}", chat=chat,
          category=category_name(main_category(verdict), lang)),
        t("notify.author", lang, author=author),
        f"> {shorten(msg.text, 200)}",
    ]
    if spans:
        lines.append(t("warn.evidence", lang, evidence=quote_spans(spans)))
    lines.append(t("notify.dry" if dry_run else "notify.actions", lang, actions=done))
    if msg.link:
        lines.append(msg.link)
    return Reply(text="\n".join(lines), title=lines[0], buttons=admin_buttons(incident_id, lang),
                 highlight=tuple(spans), quote=msg.text,
                 extra={"kind": "admin_notice", "incident_id": incident_id, "admin_target": admin_target,
                        "chat_key": f"{msg.platform}:{msg.chat_id}", "lang": lang})


def with_lines(reply: Reply, lines: Iterable[str]) -> Reply:
    """The reply with more lines (what a picture held): in a warning before the closing advice, elsewhere
    at the end. Also given as an "image" field for adapters that lay fields out."""
    lines = [ln for ln in lines if ln]
    if not lines:
        return reply
    text = reply.text.split("\n")
    at = len(text) - 1 if reply.extra.get("kind") == "warning" and len(text) > 1 else len(text)
    text[at:at] = lines
    return replace(reply, text="\n".join(text), fields=(*reply.fields, ("image", "\n".join(lines))))
