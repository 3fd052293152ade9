"""The detection engine: normalise once, match every pattern, extract signals, classify, explain.

    engine = Engine.load()
    verdict = engine.analyze("Sora内测账号 只要299 加V私聊")

A library first: no chat-platform import anywhere below detectors/. `analyze` never raises: a failing
step is contained and reported on the verdict (`Verdict.error`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from bot.events import Finding, Message, Span, Verdict
from detectors import normalize as norm_mod
from detectors.classifier import NaiveBayes
from detectors.matcher import Hit, TermMatcher
from detectors.packs import CONTEXT_CATEGORY, Pack, load_pack
from detectors.rules import CompiledRule
from detectors.scoring import Thresholds, categories_of, combine
from detectors.signals import SignalExtractor
from detectors.tokenize import init_jieba, tokens

log = logging.getLogger(__name__)

MAX_ANALYSED_CHARS = 65_536  # longer messages are analysed on their first 64 KiB (and say so)
_CACHE_SIZE = 4096
# Word lists that make a message "about" AI products or selling; without any, the classifier is skipped.
_TOPIC_KEYS = frozenset({
    "@product", "@generic_ai", "@access_item", "@course", "@money", "@recruit", "@contact", "@api_claim",
    "@authority", "@anxiety_offer", "@generated_claim", "$price", "$lookalike", "$contact_handle",
})
_SIGNAL_FINDINGS = {
    # signal key: (weight, reason en, reason zh) -- only counted when the message is about an AI product
    "$price": (0.10, "Quotes a price", "出现报价"),
    "$contact_handle": (0.12, "Gives a private contact handle", "留下私人联系方式"),
    "@contact": (0.10, "Moves people to a private channel (contact lure)", "引导私聊/加好友/扫码"),
}


@dataclass(frozen=True)
class DetectionSettings:
    scam_threshold: float = 0.70
    suspicious_threshold: float = 0.45
    classifier_weight: float = 0.35

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.scam_threshold, self.suspicious_threshold)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Engine:
    def __init__(self, pack: Pack, settings: DetectionSettings | None = None, samples_dir: Path | None = None):
        self.pack = pack
        self.settings = settings or DetectionSettings()
        self.rules = [CompiledRule.compile(r) for r in pack.rules]
        self._matcher = TermMatcher(self._term_lists())
        self.signals = SignalExtractor(pack.products.official_domains, pack.products.protected_brands)
        init_jieba(w for words in self._term_lists().values() for w in words)
        self.classifier = NaiveBayes()
        self._exemptions: dict[str, set[str]] = {}
        self._cache: OrderedDict[tuple[str, str | None], tuple[list[Finding], str, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._train(samples_dir)

    # ---------- construction ----------

    @classmethod
    def load(cls, settings: DetectionSettings | None = None, seeds_dir: Path | None = None) -> Engine:
        pack = load_pack(seeds_dir)
        samples = (seeds_dir / "samples") if seeds_dir else None
        return cls(pack, settings, samples)

    def _term_lists(self) -> dict[str, list[str]]:
        terms: dict[str, list[str]] = {f"@{k}": list(v) for k, v in self.pack.lexicons.items()}
        terms["@product"] = []
        for p in self.pack.products.products:
            terms["@product"].extend(p.aliases)
            terms[f"@product:{p.id}"] = list(p.aliases)
        terms["@generic_ai"] = list(self.pack.products.generic_ai)
        for rule in self.rules:
            for literal in rule.literal_terms():
                terms.setdefault("=" + literal, [literal])
        return terms

    def _train(self, samples_dir: Path | None) -> None:
        from importlib import resources

        root = samples_dir or Path(str(resources.files("seeds"))) / "samples"
        pairs = []
        for path in sorted(root.glob("*.jsonl")) if root.is_dir() else []:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if not line:
                        continue
                    row = json.loads(line)
                    if row.get("label") in ("scam", "clean") and row.get("text"):
                        pairs.append((self._features(norm_mod.normalize(row["text"]))[0], row["label"]))
        self.classifier.fit(pairs)
        log.debug("classifier trained on %d samples", len(pairs))

    # ---------- learning and exemptions (admin reviews) ----------

    def learn(self, text: str, label: str) -> None:
        with self._lock:
            self.classifier.learn(self._features(norm_mod.normalize(text))[0], label)
            self._cache.clear()

    def unlearn(self, text: str, label: str) -> None:
        with self._lock:
            self.classifier.unlearn(self._features(norm_mod.normalize(text))[0], label)
            self._cache.clear()

    def exempt(self, chat_key: str, rule_id: str) -> None:
        self._exemptions.setdefault(chat_key, set()).add(rule_id)

    def unexempt(self, chat_key: str, rule_id: str) -> None:
        self._exemptions.get(chat_key, set()).discard(rule_id)

    def exemptions(self, chat_key: str) -> frozenset[str]:
        return frozenset(self._exemptions.get(chat_key, ()))

    # ---------- analysis ----------

    def analyze_message(self, msg: Message) -> Verdict:
        return self.analyze(msg.text, reply_to_text=msg.reply_to_text, chat_key=f"{msg.platform}:{msg.chat_id}")

    def analyze(self, text: str, *, reply_to_text: str | None = None, chat_key: str | None = None) -> Verdict:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        try:
            findings, lang, text_hash = self._analyze_cached(text, reply_to_text)
            error = None
        except Exception as exc:  # contained: one bad message must not stop the bot
            log.exception("detector failure")
            findings, lang, text_hash, error = [], "en", _sha(text), f"detector failure: {type(exc).__name__}: {exc}"
        exempt = self._exemptions.get(chat_key or "")
        if exempt:
            findings = [f for f in findings if f.rule not in exempt]
        return self._verdict(findings, lang, text_hash, error)

    def _verdict(self, raw: list[Finding], lang: str, text_hash: str, error: str | None) -> Verdict:
        score, findings = combine(raw)
        label = self.settings.thresholds.label(score)
        findings.sort(key=lambda f: -abs(f.score))
        return Verdict(label, round(score, 4), categories_of(findings), tuple(findings), text_hash, lang, error)

    def _analyze_cached(self, text: str, reply_to_text: str | None) -> tuple[list[Finding], str, str]:
        key = (text, reply_to_text)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = self._analyze(text, reply_to_text)
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _analyze(self, text: str, reply_to_text: str | None) -> tuple[list[Finding], str, str]:
        truncated = len(text) > MAX_ANALYSED_CHARS
        body = text[:MAX_ANALYSED_CHARS] if truncated else text
        # A reply is read together with the message it quotes, but only evidence in the reply itself counts.
        prefix = ""
        if reply_to_text:
            prefix = reply_to_text[: MAX_ANALYSED_CHARS // 4] + "\n"
        n = norm_mod.normalize(prefix + body)
        toks, hits = self._features(n)
        lang = self._language(body, n)
        findings = self._pattern_findings(n, hits, len(prefix))
        findings += self._signal_findings(n, hits, len(prefix))
        clf = self._classifier_finding(toks, hits)
        if clf is not None:
            findings.append(clf)
        if prefix:
            findings = [self._shift(f, len(prefix)) for f in findings]
        if truncated:
            findings.append(Finding("engine", CONTEXT_CATEGORY, 0.0, f"Only the first {MAX_ANALYSED_CHARS} characters were analysed",
                                    f"仅分析了前 {MAX_ANALYSED_CHARS} 个字符", "engine.truncated"))
        return findings, lang, _sha(norm_mod.normalize(body).compact)

    def _features(self, n: norm_mod.Normalized) -> tuple[list[str], dict[str, list[Hit]]]:
        hits = self._matcher.find(n)
        hits.update(self.signals.extract(n.norm))
        self._suppress_denials(hits)
        concept = [k for k in hits if k[0] in "@$" and not k.startswith("@product:")]
        if not _TOPIC_KEYS.intersection(hits):
            return concept, hits  # nothing about AI or selling: skip jieba, the costly part
        return tokens(n.norm) + concept, hits

    @staticmethod
    def _suppress_denials(hits: dict[str, list[Hit]]) -> None:
        """"not a scam" / "不是骗局" contain warning words; they are a seller's denial, not a warning."""
        denials = hits.get("@anti_warning")
        warnings = hits.get("@warning")
        if not denials or not warnings:
            return
        kept = [w for w in warnings if not any(d.start <= w.start and w.end <= d.end for d in denials)]
        if kept:
            hits["@warning"] = kept
        else:
            del hits["@warning"]

    def _language(self, original: str, n: norm_mod.Normalized) -> str:
        cjk = sum(1 for ch in n.compact if "\u3400" <= ch <= "\u9fff")
        if cjk == 0 or cjk * 5 < len(n.compact):
            return "en"
        trad = norm_mod.traditional_chars(original)
        return "zh-Hant" if trad >= 2 and trad * 10 >= cjk else "zh-Hans"

    def _spans(self, n: norm_mod.Normalized, hit_list: list[Hit], min_norm: int) -> tuple[Span, ...]:
        spans = []
        for h in hit_list:
            s, e = n.original_span(h.start, h.end)
            spans.append(Span(s, e, n.original[s:e]))
        spans.sort(key=lambda sp: sp.start)
        return tuple(spans)

    def _pattern_findings(self, n: norm_mod.Normalized, hits: dict[str, list[Hit]], prefix_len: int) -> list[Finding]:
        out = []
        for cr in self.rules:
            chosen = cr.match(hits)
            if chosen is None:
                continue
            spans = self._spans(n, chosen, prefix_len)
            if prefix_len and all(sp.end <= prefix_len for sp in spans):
                continue  # the whole pattern sits in the quoted message, not in this one
            r = cr.rule
            out.append(Finding("pattern", r.category, r.weight, r.explain.en, r.explain.zh, r.id,
                               f"{r.source.article}: \"{r.source.quote}\"", spans))
        return out

    def _signal_findings(self, n: norm_mod.Normalized, hits: dict[str, list[Hit]], prefix_len: int) -> list[Finding]:
        if "@product" not in hits and "@generic_ai" not in hits:
            return []
        out = []
        for key, (weight, en, zh) in _SIGNAL_FINDINGS.items():
            found = [h for h in hits.get(key, ()) if h.end > prefix_len]
            if found:
                out.append(Finding("signal", "signal", weight, en, zh, f"signal.{key[1:]}", "",
                                   self._spans(n, found[:3], prefix_len)))
        return out

    def _classifier_finding(self, toks: list[str], hits: dict[str, list[Hit]]) -> Finding | None:
        if not self.classifier.trained or not _TOPIC_KEYS.intersection(hits):
            return None
        pred = self.classifier.predict(toks)
        weight = self.settings.classifier_weight * (2 * pred.p_scam - 1)
        words = ", ".join(t for t, _ in pred.top_tokens[:3])
        if weight >= 0:
            en = f"Reads like the scam samples (p={pred.p_scam:.2f}; words: {words})"
            zh = f"与已知骗局样本相似（p={pred.p_scam:.2f}；关键词：{words}）"
        else:
            en = f"Reads like ordinary chat (p_scam={pred.p_scam:.2f}; words: {words})"
            zh = f"与正常聊天相似（骗局概率 {pred.p_scam:.2f}；关键词：{words}）"
        return Finding("classifier", CONTEXT_CATEGORY, weight, en, zh, "classifier.naive_bayes", "seeds/samples")

    @staticmethod
    def _shift(f: Finding, offset: int) -> Finding:
        spans = tuple(Span(s.start - offset, s.end - offset, s.text) for s in f.evidence if s.end > offset)
        quoted = tuple(s for s in f.evidence if s.end <= offset)
        origin = f.origin if not quoted or spans else "reply"
        return replace(f, evidence=spans or tuple(Span(0, 0, s.text) for s in quoted), origin=origin)
