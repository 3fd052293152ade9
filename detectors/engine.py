"""The detection engine: normalise once, match every pattern, extract signals, classify, explain.

    engine = Engine.load()
    verdict = engine.analyze("Sora内测账号 只要299 加V私聊")

A library first: no chat-platform import anywhere below detectors/. `analyze` never raises: a failing
step is contained and reported on the verdict (`Verdict.error`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from pathlib import Path

from detectors import model_cache
from detectors.text import normalize as norm_mod
from detectors.classifier import PRIOR_SCALE, LogisticModel, Sample, drop_rare
from detectors.text.matcher import Hit, TermMatcher
from detectors.text.misspellings import with_misspellings
from detectors.text.negation import drop_negated, suppress_denials
from detectors.text.passages import closing_lines
from detectors.packs import CONTEXT_CATEGORY, Pack, load_pack
from detectors.text.quotes import drop_repeated_prices, quoted_offers
from detectors.resemblance import NearestScam, strongest, wording_reasons
from detectors.rules import CompiledRule, RuleIndex
from detectors.samples import read_samples
from detectors.scoring import Thresholds, categories_of, combine, words_only_hold
from detectors.text.signals import SignalExtractor
from detectors.structure import STRUCTURE_CEILING, Offer, StructureReader
from detectors.topic import TOPIC_ONLY, off_topic_discount, talks_about_ai
from detectors.text.tokenize import (chinese_tokens, han_bigrams, han_runs, init_jieba, is_word_pair, latin_tokens,
                                     load_jieba)
from leekguard_types import CATEGORIES, Finding, Message, Span, Verdict

log = logging.getLogger(__name__)

MAX_ANALYSED_CHARS = 65_536  # longer messages are analysed on their first 64 KiB (and say so)
_CACHE_SIZE = 1024  # verdicts kept for repeats (a spam wave posts one text many times); 4096 cost 5 MB more
# Cascade: when the cheap model (no jieba) is this sure either way, it decides alone (~95% of messages);
# in between, the model that also reads jieba's words gives a second opinion and the two are averaged.
FAST_SURE_LOW, FAST_SURE_HIGH = 0.4, 0.85
# Word pairs met in fewer training samples get no weight (32 writers: hard negatives 2.2% -> 1.9%, 125k -> 72k weights)
MIN_PAIR_COUNT = 2
# Bumped whenever the classifier's features change in code, so that cached weights of older features are not loaded.
FEATURES_VERSION = 4
# The counter-signals that frame a whole long post, wherever they stand (seeds/structure.yaml ids).
_FRAMING_A_POST = frozenset({"satire", "question"})
_SIGNAL_FINDINGS = {
    # signal feature: (reason en, reason zh); its weight is learned by the classifier
    "$price": ("Quotes a price", "出现报价"),
    "$scam_price": ("Uses a typical leek-cutting price point (9.9 ... 3999)", "使用典型割韭菜价位（9.9…3999）"),
    "$contact_handle": ("Gives a private contact handle", "留下私人联系方式"),
    "@contact": ("Moves people to a private channel (contact lure)", "引导私聊/加好友/扫码"),
    "$lookalike": ("Links to a look-alike of an official domain", "链接指向仿冒官方域名"),
    "$keyword_cta": ("Asks people to send a keyword to receive the offer", "让人回复暗号来领取"),
    "$quoted_offer": ("The offer is quoted inside a comment about it (reported or mocked, not made)",
                      "报价出现在引号里，像是在转述或评论，而非本人推销"),
}


@dataclass(frozen=True)
class DetectionSettings:
    scam_threshold: float = 0.70
    suspicious_threshold: float = 0.45
    words_only_scam_threshold: float | None = None  # None: the scam threshold (no hold)

    @cached_property  # read for every verdict; settings are frozen, so built once (a frozen dataclass is slow to build)
    def thresholds(self) -> Thresholds:
        return Thresholds(self.scam_threshold, self.suspicious_threshold)

    @classmethod
    def from_config(cls, config) -> DetectionSettings:
        """From bot.config.Config (duck-typed: detectors/ does not import bot.config)."""
        d = config.detection
        return cls(scam_threshold=d.scam_threshold, suspicious_threshold=d.suspicious_threshold,
                   words_only_scam_threshold=d.words_only_scam_threshold)


@dataclass(slots=True)
class _Reading:
    """What one reading of a text found. topical: it is about AI; framed(kinds): does a counter-signal that caps
    stand in it (StructureReader.framed; asked of long posts only)."""

    findings: list[Finding]
    lang: str
    text_hash: str
    topical: bool
    framed: Callable[[frozenset[str] | None], bool]

    @property
    def log_odds(self) -> float:
        return sum(f.score for f in self.findings)


class _Blend:
    """Where the fast model is in doubt: the average of it and the model that also reads jieba's words (a
    two-model ensemble: on the development set and in cross-validation it raised fewer false alarms than
    either model alone, at the same recall). Quacks like a LogisticModel for the findings: .weights.get, .bias."""

    def __init__(self, fast: LogisticModel, full: LogisticModel):
        self._fast, self._full = fast.weights, full.weights
        self.bias = (fast.bias + full.bias) / 2
        self.weights = self

    def get(self, key: str, default: float = 0.0) -> float:
        return (self._fast.get(key, default) + self._full.get(key, default)) / 2


# The strings of a finding, made once per distinct input: the same rules and strongest words recur all day.
_SIGNAL_FINDINGS_RULES = {key: (en, zh, f"signal.{key[1:]}") for key, (en, zh) in _SIGNAL_FINDINGS.items()}


@lru_cache(maxsize=4096)
def _source_line(article: str, quote: str) -> str:
    return f"{article}: \"{quote}\""


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1.0 - 1e-9)  # a threshold of 1.0 means "never", not a division by zero
    return math.log(p / (1.0 - p))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Engine:
    def __init__(self, pack: Pack, settings: DetectionSettings | None = None, samples_dir: Path | None = None):
        self.pack = pack
        self.settings = settings or DetectionSettings()
        self.rules = [CompiledRule.compile(r) for r in pack.rules]
        self._rule_index = RuleIndex(self.rules)  # only rules whose every group was hit are evaluated
        terms = self._term_lists()
        self._matcher = TermMatcher(terms)
        self.signals = SignalExtractor(pack.products.official_domains, pack.products.protected_brands)
        self.structure = StructureReader(pack.structure,
                                         frozenset(v.casefold() for w in pack.evasion for v in w.variants))
        init_jieba(w for words in terms.values() for w in words)
        self.classifier = LogisticModel()  # every feature, jieba tokens included
        self.fast = LogisticModel()  # the same without jieba tokens: decides most messages on its own
        for cr in self.rules:
            prior = PRIOR_SCALE * cr.rule.weight  # contribution = prior + learned, kept on the prior's side of 0
            bound = (-prior, math.inf) if prior >= 0 else (-math.inf, -prior)
            self.classifier.bounds["R:" + cr.rule.id] = self.fast.bounds["R:" + cr.rule.id] = bound
        self._exemptions: dict[str, set[str]] = {}
        # An OrderedDict: evicting the oldest of a plain dict (del d[next(iter(d))]) walks the deleted slots
        # left at its front, more of them with every eviction until the dict is rebuilt; popitem is O(1).
        self._cache: OrderedDict[tuple[str, str | None], tuple[list[Finding], str, str]] = OrderedDict()
        self._generation = 0  # moves on with every learned review: cached verdicts of older models are dropped
        self._lock = threading.Lock()  # learning and unlearning, one at a time
        self.failures = 0  # messages the engine failed on: counted, logged, never turned into a verdict
        self._train(samples_dir)

    # ---------- construction ----------

    @classmethod
    def load(cls, settings: DetectionSettings | None = None, seeds_dir: Path | None = None) -> Engine:
        pack = load_pack(seeds_dir)
        samples = (seeds_dir / "samples") if seeds_dir else None
        return cls(pack, settings, samples)

    def _term_lists(self) -> dict[str, list[str]]:
        """Every word list, product and literal term, each with the spellings scammers use for it."""
        pack = self.pack
        terms: dict[str, list[str]] = {f"@{k}": pack.with_variants(v) for k, v in pack.lexicons.items()}
        terms["@product"] = []
        taken = {t.casefold() for words in terms.values() for t in words}
        for p in pack.products.products:
            aliases = with_misspellings(pack.with_variants(p.aliases), taken)
            terms["@product"].extend(aliases)
            terms[f"@product:{p.id}"] = aliases
        terms["@generic_ai"] = pack.with_variants(pack.products.generic_ai)
        literals = [t for rule in self.rules for t in rule.literal_terms()] + pack.structure.literal_terms()
        for literal in literals:
            terms.setdefault("=" + literal, pack.with_variants([literal]))
        return terms

    def _train(self, samples_dir: Path | None) -> None:
        self._samples_dir = samples_dir
        labelled, scams = read_samples(self._samples_dir, self.rules)
        self._nearest = NearestScam(scams, self._sample_tokens)
        self._model_key = model_cache.cache_key(labelled, self.pack.model_dump_json(),
                                                {**self.classifier.settings, "features": FEATURES_VERSION})
        cached = model_cache.load(self._model_key)
        if cached is not None:
            try:
                self.classifier.load_state(cached["full"])
                self.fast.load_state(cached["fast"])
                log.debug("classifier weights loaded from the cache (%d samples)", len(labelled))
                return
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                log.debug("model cache unusable, training: %s", exc)
        # The first start after install (or after the samples change) waits here for seconds: say so.
        log.info("training the classifier on %d samples (once: the weights are cached in %s)",
                 len(labelled), model_cache.cache_dir())
        started = time.perf_counter()
        self._fit(labelled)
        log.info("classifier trained on %d samples in %.1f s", len(labelled), time.perf_counter() - started)

    def _fit(self, labelled: list[tuple[str, str]]) -> None:
        pairs = [self._sample(text, label) for text, label in labelled]
        self.classifier.fit(drop_rare([full for full, _ in pairs], MIN_PAIR_COUNT, is_word_pair))
        self.fast.fit(drop_rare([fast for _, fast in pairs], MIN_PAIR_COUNT, is_word_pair))
        model_cache.save(self._model_key, {"full": self.classifier.state(), "fast": self.fast.state()})

    def _restore_accumulators(self) -> None:
        """Weights loaded from the cache come without Adagrad's sums, which only learning reads: they are read
        now, before the first review. If another process pruned them meanwhile, training again gives them
        back (with the same weights: training is deterministic), and a minute's wait once beats a lost review."""
        if not (self.classifier.needs_accumulators or self.fast.needs_accumulators):
            return
        sums = model_cache.load_accumulators(self._model_key)
        try:
            if sums is None:
                raise KeyError("no accumulators in the cache")
            self.classifier.restore_accumulators(sums["full"])
            self.fast.restore_accumulators(sums["fast"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.info("training the classifier again before learning a review (%s)", exc)
            self._fit(read_samples(self._samples_dir, self.rules)[0])

    def _sample(self, text: str, label: str) -> tuple[Sample, Sample]:
        """(full, fast) training samples for one labelled text."""
        if label not in ("scam", "clean"):
            raise ValueError(f"label must be 'scam' or 'clean', not {label!r}")
        n = norm_mod.normalize(text)
        hits = self._hits(n)
        rules_fired = self._rule_index.fired(hits)
        fired = ["R:" + cr.rule.id for cr, _ in rules_fired]
        self._note_quoted_offer(n, [chosen for _, chosen in rules_fired], hits)
        offer = self.structure.read(hits, n.norm)
        # as analysis reads it
        if talks_about_ai(hits, partial(self.structure.deals, hits)) or self.structure.off_topic_reading(offer):
            hits.update(self.structure.features(offer))
        runs = han_runs(n.norm)
        toks = self._tokens(n, hits, runs)
        offset = sum(PRIOR_SCALE * cr.rule.weight for cr, _ in rules_fired)
        y = 1 if label == "scam" else 0
        fast = tuple(map(sys.intern, dict.fromkeys(toks + fired)))  # one string per word, not one per sample
        full = tuple(dict.fromkeys(fast + tuple(map(sys.intern, chinese_tokens(runs)))))
        return Sample(full, offset, y), Sample(fast, offset, y)

    def _sample_tokens(self, text: str) -> list[str]:
        n = norm_mod.normalize(text)
        hits = self._hits(n)
        return self._tokens(n, hits, han_runs(n.norm))

    def warm_up(self) -> None:
        """Load what the first doubtful message would otherwise wait for: jieba's dictionary (a second to build
        the first time, then mapped from the cache folder in a tenth of one) and the nearest-sample index (every
        scam sample's words, about 1.5 s). Long-running commands call it at start; a one-off `check TEXT` does not
        need to."""
        load_jieba()
        norm_mod.warm_up()
        self._nearest.build()

    # ---------- learning and exemptions (admin reviews) ----------

    def learn(self, text: str, label: str) -> None:
        with self._lock:
            self._restore_accumulators()
            full, fast = self._sample(text, label)
            self.classifier.learn(full)
            self.fast.learn(fast)
            self._generation += 1
            self._cache.clear()

    def unlearn(self, text: str, label: str) -> None:
        with self._lock:
            full, fast = self._sample(text, label)
            self.classifier.unlearn(full)
            self.fast.unlearn(fast)
            self._generation += 1
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
        except Exception as exc:  # contained: one bad message must not stop the bot, nor pass for a verdict
            self.failures += 1
            log.exception("engine failure (%d so far)", self.failures)
            return Verdict("error", 0.0, (), (), _sha(text), "en", f"engine failure: {type(exc).__name__}: {exc}")
        exempt = self._exemptions.get(chat_key or "")
        if exempt:
            findings = [f for f in findings if f.detector != "pattern" or f.rule not in exempt]
        return self._verdict(findings, lang, text_hash, None)

    def _verdict(self, raw: list[Finding], lang: str, text_hash: str, error: str | None) -> Verdict:
        score, findings = combine(raw)
        label = self.settings.thresholds.label(score)
        findings.sort(key=lambda f: -abs(f.score))
        return Verdict(label, round(score, 4), categories_of(findings), tuple(findings), text_hash, lang, error)

    def _analyze_cached(self, text: str, reply_to_text: str | None) -> tuple[list[Finding], str, str]:
        """A spam wave re-posts the same text: its analysis is kept (first in, first out). No lock on the
        way: dict reads and writes are atomic, and a result computed while a review changed the model is
        not kept (the generation moved on)."""
        key = (text, reply_to_text)
        cache = self._cache
        hit = cache.get(key)
        if hit is not None:
            return hit
        generation = self._generation
        result = self._analyze(text, reply_to_text)
        if generation == self._generation:
            cache[key] = result
            if len(cache) > _CACHE_SIZE:
                try:
                    cache.popitem(last=False)
                except KeyError:
                    pass  # another thread evicted it first
        return result

    def _analyze(self, text: str, reply_to_text: str | None) -> tuple[list[Finding], str, str]:
        whole = self._read(text, reply_to_text)
        # A long post's closing lines are read apart too: an essay's hundreds of ordinary words outweigh the one pitch
        # it ends with. Not in a reply (its quote frames it), not in a post that is a joke or asks whether something is
        # real, and not where the closing lines frame themselves ("The last one we removed ended like this: ...").
        # Scam essays open like warnings and tell of friends and losses, so other framing words elsewhere do not
        # count. Leaving one writer out (56 writers): 52 scams caught and 5 false alarms more; with no framing test 59
        # and 9, with any framing word anywhere 20 and 2.
        if reply_to_text or len(text) > MAX_ANALYSED_CHARS:
            return whole.findings, whole.lang, whole.text_hash
        start = closing_lines(text)
        if start is None or whole.framed(_FRAMING_A_POST):
            return whole.findings, whole.lang, whole.text_hash
        closing = self._read(text[start:], None, about_ai=whole.topical)
        if (closing.log_odds <= whole.log_odds or not any(f.category in CATEGORIES for f in closing.findings)
                or closing.framed(None)):
            return whole.findings, whole.lang, whole.text_hash
        findings = [replace(f, evidence=tuple(Span(sp.start + start, sp.end + start, sp.text) for sp in f.evidence))
                    for f in closing.findings]  # evidence offsets into the whole post
        findings.append(Finding("engine", CONTEXT_CATEGORY, 0.0,
                                "Read on its closing lines: they make an offer of their own, whatever the post said before",
                                "按结尾几句单独判断：结尾本身就是一条推销，与前文无关", "engine.closing_lines"))
        return findings, whole.lang, whole.text_hash

    def _read(self, text: str, reply_to_text: str | None, about_ai: bool = False) -> _Reading:
        """One reading of a text (with the message it replies to). about_ai: the text is part of a post about AI."""
        truncated = len(text) > MAX_ANALYSED_CHARS
        body = text[:MAX_ANALYSED_CHARS] if truncated else text
        # A reply is read together with the message it quotes, but only evidence in the reply itself counts.
        prefix = ""
        if reply_to_text:
            prefix = reply_to_text[: MAX_ANALYSED_CHARS // 4] + "\n"
        # Rules read the quote and the reply together (evidence must touch the reply); the classifier and the
        # signals read the reply alone, so answering an advert ("群主能管管吗") is not judged as the advert.
        nb = norm_mod.normalize(body)
        hits = self._hits(nb)
        topical = about_ai or talks_about_ai(hits, partial(self.structure.deals, hits))
        if prefix:
            n = norm_mod.normalize(prefix + body)
            both = self._hits(n)
            drop_repeated_prices(both, len(prefix), hits)
            # replying to a message about Sora is about Sora
            topical = topical or talks_about_ai(both, partial(self.structure.deals, both))
            matched = [(r, self._shift_spans(spans, len(prefix)), chosen)
                       for r, spans, chosen in self._pattern_matches(n, both, len(prefix))]
        else:
            matched = self._pattern_matches(nb, hits, 0)
            self._note_quoted_offer(nb, [chosen for _, _, chosen in matched], hits)
        offer = self.structure.read(hits, nb.norm)
        shift = 0  # where the offer's hits stand: in the reply (0), or in quote + reply (len(prefix))
        if prefix and offer is None:
            offer = self.structure.read_answer(both, n.norm, len(prefix))
            shift = len(prefix) if offer is not None else 0
        offered = offer is not None  # before an off-topic message's ordinary offer is set aside below
        # Slang hides the product ("yqm还剩6个 dd", "ke程 199 滴"): an offer's shape is read even with no AI word
        # in it. A telltale one is discounted as a fired pattern is; an ordinary one (a course with a price and a
        # contact) keeps the full off-topic discount, so only strong words can carry it.
        reading = None if topical else self.structure.off_topic_reading(offer)
        if not (topical or reading):
            offer = None
        hits.update(self.structure.features(offer) if not shift else
                    {k: [] for k in self.structure.features(offer)})  # features only: the hits stand in the quote
        runs = han_runs(nb.norm)
        lang = self._language(body, nb, runs)
        findings = self._pattern_findings(matched, self.fast)
        model = self.fast
        # Every message is read, one that names no AI too ("Fear is normal. Standing still isn't. Free call, this
        # week only."): its words then have to outweigh the off-topic discount.
        toks = self._tokens(nb, hits, runs)
        contrib = self.fast.contributions(toks)
        p_fast = self.fast.probability(sum(f.score for f in findings) + self.fast.bias + sum(contrib.values()))
        if FAST_SURE_LOW < p_fast < FAST_SURE_HIGH:  # in doubt: average in the model that reads jieba words
            model = _Blend(self.fast, self.classifier)
            full = self.classifier.contributions(toks + chinese_tokens(runs))
            contrib = {k: (contrib.get(k, 0.0) + full.get(k, 0.0)) / 2 for k in contrib.keys() | full.keys()}
            findings = self._pattern_findings(matched, model)
        findings += self._signal_findings(nb, hits, 0, model)
        discount = 0.0 if topical else off_topic_discount(bool(matched) or reading == "telltale", offered, hits,
                                                          len(nb.compact))
        findings += self._classifier_findings(contrib, hits, model, discount)
        z, threshold = sum(f.score for f in findings), _logit(self.settings.scam_threshold)
        if offer is not None:  # the offer's shape lifts or holds the verdict, and says why (detectors/structure.py)
            shown = self.structure.evidence_shown(offer, topical, z, threshold)
            if shown is not None:
                spans = (self._spans(nb, shown, 0) if not shift else
                         self._shift_spans(self._spans(n, shown, shift), shift))
                words = next((f.score for f in findings if f.rule.startswith("classifier.logistic")), 0.0)
                findings.append(self.structure.finding(offer, spans, z, threshold, words))
        elif z > threshold - STRUCTURE_CEILING:  # no offer, but a member telling a loss
            held = self.structure.capping_without_offer(hits, nb.norm)
            if held is not None:
                findings.append(self.structure.counter_finding(held[0], self._spans(nb, held[1][:2], 0), z, threshold))
        words_only = self.settings.words_only_scam_threshold
        if words_only is not None:
            held = words_only_hold(findings, threshold, _logit(words_only), threshold - STRUCTURE_CEILING)
            if held is not None:
                findings.append(held)
        if not any(f.category in CATEGORIES for f in findings):
            z = sum(f.score for f in findings)
            if self.fast.probability(z) >= self.settings.suspicious_threshold:
                # an item only AI-hype sellers offer ("yqm": invite codes) says which kind to compare with first;
                # a common one may be a misreading ("accountants" holds "account")
                kind = offer.item.category if offer is not None and self.structure.telltale(offer) else None
                found = self._nearest.finding(toks, self.pack.structure.items, kind)
                if found is not None:
                    findings.append(found)
        if truncated:
            findings.append(Finding("engine", CONTEXT_CATEGORY, 0.0, f"Only the first {MAX_ANALYSED_CHARS} characters were analysed",
                                    f"仅分析了前 {MAX_ANALYSED_CHARS} 个字符", "engine.truncated"))
        return _Reading(findings, lang, _sha(nb.compact), topical, partial(self.structure.framed, hits, nb.norm))

    def read_offer(self, text: str) -> tuple[Offer | None, dict[str, list[Hit]], str]:
        """The offer's shape as `_read` finds it in a message on its own, with the hits and the normalised text it was
        read from: for the tests and the audits of seeds/structure.yaml (bench/counter_audit.py)."""
        n = norm_mod.normalize(text)
        hits = self._hits(n)
        self._note_quoted_offer(n, [chosen for _, _, chosen in self._pattern_matches(n, hits, 0)], hits)
        return self.structure.read(hits, n.norm), hits, n.norm

    @staticmethod
    def _note_quoted_offer(n: norm_mod.Normalized, fired: list[list[Hit]], hits: dict[str, list[Hit]]) -> None:
        """Adds the "$quoted_offer" hits (a feature too) when the offer sits in quotes inside a comment."""
        quoted = quoted_offers(n.norm, fired, hits)
        if quoted:
            hits["$quoted_offer"] = quoted

    def _hits(self, n: norm_mod.Normalized) -> dict[str, list[Hit]]:
        """Word lists and signals hit, after denials ("not a scam") and negations ("no shared accounts")."""
        hits = self._matcher.find(n)
        # a price spelt out in words only matters where an item is on offer (and the look costs a regex pass);
        # slang offers name no AI ("tsc合集 九块九"), so the item alone asks for it
        hits.update(self.signals.extract(n.norm, contact_cue="@contact" in hits,
                                         number_words=not self.structure.item_keys.isdisjoint(hits)))
        suppress_denials(hits, n.norm)
        drop_negated(hits)
        return hits

    @staticmethod
    def _tokens(n: norm_mod.Normalized, hits: dict[str, list[Hit]], runs: list[str]) -> list[str]:
        """The fast model's features: English words, numbers, Chinese character pairs, what was hit."""
        concept = [k for k in hits if k[0] in "@$" and not k.startswith("@product:") and k not in TOPIC_ONLY]
        return latin_tokens(n.norm) + han_bigrams(runs) + concept

    @staticmethod
    def _language(original: str, n: norm_mod.Normalized, runs: list[str]) -> str:
        if original.isascii():
            return "en"
        cjk = sum(map(len, runs))
        if cjk == 0 or cjk * 5 < len(n.compact):
            return "en"
        trad = norm_mod.traditional_chars(original)
        return "zh-Hant" if trad >= 2 and trad * 10 >= cjk else "zh-Hans"

    def _spans(self, n: norm_mod.Normalized, hit_list: list[Hit], min_norm: int) -> tuple[Span, ...]:
        spans = []
        original = n.original
        identity = n.norm_to_orig is None  # most messages: norm offsets are original offsets (no call needed)
        for h in hit_list:
            if identity and h.end > h.start:
                s, e = h.start, h.end
            else:
                s, e = n.original_span(h.start, h.end)
            spans.append(Span(s, e, original[s:e]))
        spans.sort(key=lambda sp: sp.start)
        return tuple(spans)

    def _pattern_matches(self, n: norm_mod.Normalized, hits: dict[str, list[Hit]], prefix_len: int):
        out = []
        for cr, chosen in self._rule_index.fired(hits):
            spans = self._spans(n, chosen, prefix_len)
            if prefix_len and all(sp.end <= prefix_len for sp in spans):
                continue  # the whole pattern sits in the quoted message, not in this one
            out.append((cr.rule, spans, chosen))
        return out

    @staticmethod
    def _pattern_findings(matched, model: LogisticModel) -> list[Finding]:
        out = []
        for r, spans, _ in matched:
            # log-odds: the YAML weight as a prior, corrected by what the classifier learned for this rule
            contribution = PRIOR_SCALE * r.weight + model.weights.get("R:" + r.id, 0.0)
            out.append(Finding("pattern", r.category, contribution, r.explain.en, r.explain.zh, r.id,
                               _source_line(r.source.article, r.source.quote), spans))
        return out

    def _signal_findings(self, n: norm_mod.Normalized, hits: dict[str, list[Hit]], prefix_len: int,
                         model: LogisticModel) -> list[Finding]:
        """Signals are classifier features; shown as findings (with their learned weight) when present."""
        weights = model.weights
        out = []
        for key, (en, zh, rule) in _SIGNAL_FINDINGS_RULES.items():
            found = hits.get(key)
            if found and prefix_len:  # every hit ends after 0: only a quoted reply leaves hits to drop
                found = [h for h in found if h.end > prefix_len]
            if found:
                out.append(Finding("signal", "signal", weights.get(key, 0.0), en, zh, rule, "",
                                   self._spans(n, found[:3], prefix_len)))
        return out

    def _classifier_findings(self, contrib: dict[str, float], hits: dict[str, list[Hit]], model: LogisticModel,
                             discount: float) -> list[Finding]:
        """Everything the rules and signals do not explain: the learned word weights and the baseline, and the
        discount for a message that names no AI product and no AI at all.

        Rule findings carry prior + learned weight; signal findings their learned weight; these findings the
        rest, so the contributions of all findings add up to the verdict's log-odds."""
        found = [self._words_finding(contrib, hits, model)]
        if discount and "@ai_talk" in hits:  # "今天聊聊新模型": AI talk, but nothing on offer
            found.append(Finding("classifier", CONTEXT_CATEGORY, discount,
                                 "Talks about AI models or prompts but names no goods and no deal",
                                 "谈到 AI 模型或提示词，但没有任何商品或交易", "classifier.off_topic", ""))
        elif discount:
            found.append(Finding("classifier", CONTEXT_CATEGORY, discount,
                                 "Does not mention an AI product or AI at all", "没有提到任何 AI 产品或 AI",
                                 "classifier.off_topic", ""))
        return found

    def _words_finding(self, contrib: dict[str, float], hits: dict[str, list[Hit]], model: LogisticModel) -> Finding:
        words = dict(contrib)
        for key in _SIGNAL_FINDINGS.keys() & hits.keys():
            words.pop(key, None)  # shown as signal findings of their own
        total = model.bias + sum(words.values())
        top = tuple(t for t, _ in strongest(words, 4, total >= 0))  # the strongest words on the side it leans to
        en, zh = wording_reasons(top, total >= 0)
        name = "classifier.logistic_fast" if model is self.fast else "classifier.logistic"
        return Finding("classifier", CONTEXT_CATEGORY, total, en, zh, name, "seeds/samples")

    @staticmethod
    def _shift_spans(spans: tuple[Span, ...], offset: int) -> tuple[Span, ...]:
        """Spans over quote+reply -> spans over the reply; evidence inside the quote is dropped."""
        return tuple(Span(max(0, s.start - offset), s.end - offset, s.text[max(0, offset - s.start):])
                     for s in spans if s.end > offset)
