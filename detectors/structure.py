"""The offer structure: who offers what, and how the money or the person is taken.

A leek-cutting advert has a shape the word statistics do not see as such: an OFFER (selling words, or a price
or contact lure next to it) of an ITEM (account, seat, invite code, API, course, group place...) with HOOKS (a
price, a private contact or QR code, a look-alike link, urgency). When the item and three of {offer, price, contact, urgency}
stand close together in a message about AI, and no COUNTER-SIGNAL turns the message around (a question, a
warning, a quotation, satire, a free giveaway, an official link, a job ad, news), the engine does not let the
classifier's word weights talk it below the scam threshold. Only wording overwhelmingly sure of ordinary chat (a
long warning that lists scam scripts, an honest course page) holds it just below, for the admins. Every part is data
in seeds/structure.yaml, and every part that decided is named in the verdict with its evidence.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from detectors.text.intervals import covering
from detectors.text.matcher import Hit
from detectors.text.quotes import quoted_ranges
from detectors.packs import CounterKind, ItemKind, StructureSpec
from detectors.rules import item_key
from leekguard_types import Finding, Span

# An offer's full shape (item + three of offer, price, contact, link, urgency) with no counter-signal is at least
# this far (in log-odds) above the scam threshold: word statistics may not cancel it.
STRUCTURE_FLOOR = 0.7
# ...and an offer turned around by a named question, warning, report, quotation or joke (seeds/structure.yaml,
# `caps`) stays this far below it. Leaving one writer out: recall 0.884 -> 0.874, false alarms 2.7% -> 2.2%
# (hard negatives 3.3% -> 2.6%), better than a higher threshold buys (0.864 at 2.1%); held offers still reach
# the admins as suspicious.
STRUCTURE_CEILING = 0.05
# ...but wording this sure of ordinary chat (log-odds, about 3,000 to 1) is not overruled: the offer's parts stand
# scattered through a long post. It is held just below the threshold instead, for the admins.
WORDS_OVERRULE = 8.0
# An ordinary item (a course, a group place) offered with no AI word is read only with two of {offer, price,
# contact, urgency}: one is every cooking class.
GENERIC_OFFER_PARTS = 2
_CONTEXT = "context"  # the category of evidence that is no scam category (detectors.packs.CONTEXT_CATEGORY)


@dataclass(slots=True)
class Offer:
    """The structure found in one message. `strong` is the item with three of {offer, price, contact, urgency};
    `counters` are the counter-signals that hold (id, hits), in the order of the YAML."""

    item: ItemKind
    item_hits: list[Hit]
    offer_hits: list[Hit]
    hooks: dict[str, list[Hit]]
    counters: list[tuple[CounterKind, list[Hit]]]

    @property
    def parts(self) -> int:
        """How many of {offer, price, contact, urgency} stand near the item."""
        return bool(self.offer_hits) + len(self.hooks)

    @property
    def strong(self) -> bool:
        # three of four: "someone offers access, at a price, via a contact". With two, leaving one writer
        # out of the training samples showed the floor raising three false alarms per scam it caught.
        return self.parts >= 3

    @property
    def evidence(self) -> list[Hit]:
        """The offer, the item and the hooks, in the order they stand in the message."""
        chosen = self.offer_hits[:1] + self.item_hits[:1] + [hs[0] for hs in self.hooks.values() if hs]
        return sorted(chosen, key=lambda h: h.start)


class StructureReader:
    def __init__(self, spec: StructureSpec, disguises: frozenset[str] = frozenset()):
        """disguises: spellings only someone dodging a filter writes (seeds/evasion.yaml variants)."""
        self.spec = spec
        self._telltale = frozenset(t.strip("*").casefold() for t in spec.telltale_items) | disguises
        key = item_key
        self._items = [(kind, frozenset(map(key, kind.keys)), frozenset(map(key, kind.needs_offer)))
                       for kind in spec.items]
        self.item_keys = frozenset(k for _, keys, _ in self._items for k in keys)
        self._offer = tuple(map(key, spec.offer))
        self._hooks = [(name, tuple(map(key, hook.keys))) for name, hook in spec.hooks.items()]
        self._counters = [(c, frozenset(map(key, c.keys))) for c in spec.counters]
        self._lure = frozenset(map(key, spec.first_person_lure))
        self._deal_keys = frozenset(self._offer).union(*(ks for _, ks in self._hooks))
        self._counter_keys = frozenset().union(*(ks for c, ks in self._counters if c.caps and c.without_offer))

    def read(self, hits: dict[str, list[Hit]], norm: str = "") -> Offer | None:
        """The item kind that stands in the message with the most of {offer, price, contact, urgency} near it
        (among equals the first in YAML order); None when no item word is there at all. norm: the normalised text,
        whose quoted passages hold someone else's contact words."""
        if self.item_keys.isdisjoint(hits) or self._deal_keys.isdisjoint(hits):
            return None  # no item, or nothing offering it: no offer to read
        window = self.spec.window
        # every offer and hook hit once, sorted; each item kind then keeps those near its own words
        offers = sorted((h for k in self._offer if k in hits for h in hits[k]), key=_start)
        hooks_all = [(name, sorted((h for k in ks if k in hits for h in hits[k] if not _zero_price(h)), key=_start))
                     for name, ks in self._hooks]
        best: Offer | None = None
        best_parts = -1
        for kind, keys, needs in self._items:
            if keys.isdisjoint(hits) or needs and needs.isdisjoint(hits):
                continue  # set tests in C, nothing built: most kinds stop here
            present = keys.intersection(hits)
            item_hits = [h for k in present for h in hits[k]]
            item_hits.sort(key=_start)
            near = _near(item_hits, window)
            hooks = {}
            for name, found in hooks_all:
                found = [h for h in found if near(h)]
                if found:
                    hooks[name] = found
            candidate = Offer(kind, item_hits, [h for h in offers if near(h)], hooks, [])
            if candidate.parts > best_parts:
                best, best_parts = candidate, candidate.parts
        if best is not None:
            best.counters = self._counters_of(hits, best.hooks, norm)
        return best

    def read_answer(self, hits: dict[str, list[Hit]], norm: str, quote_len: int) -> Offer | None:
        """The offer a reply makes by answering its quote. A reply that names no item but deals ("私聊我，299" under
        "哪里有Sora内测号？") offers the item the quoted message names. `hits` and `norm` cover quote and reply, the
        quote being the first `quote_len` characters. Kept when a selling word or hook stands in the reply, with only
        the reply's own selling words, hooks and counter-signals (the quoted advert's price, or the quote's
        question, are not the reply's)."""
        offer = self.read(hits, norm)
        if offer is None:
            return None
        offer.offer_hits = _after(offer.offer_hits, quote_len)
        offer.hooks = {name: kept for name, found in offer.hooks.items() if (kept := _after(found, quote_len))}
        if not offer.parts:
            return None
        offer.counters = [(c, kept) for c, found in offer.counters if (kept := _after(found, quote_len))]
        return offer

    def deals(self, hits: dict[str, list[Hit]]) -> bool:
        """Does the message name goods (an item) or deal (a selling word or a hook) anywhere?"""
        return not (self.item_keys.isdisjoint(hits) and self._deal_keys.isdisjoint(hits))

    def off_topic_reading(self, offer: Offer | None) -> str | None:
        """How to read an offer in a message that names no AI. "telltale": an item only AI-hype sellers offer
        (invite codes, beta accounts, API keys) or one in a filter-dodging spelling ("yqm", "nc号", "ke程"),
        with a hook or a selling word. "offer": any other item with two ("进群9.9 懂的来", but also a cooking
        class at £80, DM me). None: no offer, or something turns it around."""
        if offer is None or not offer.parts or offer.counters:
            return None
        if self.telltale(offer):
            return "telltale"
        return "offer" if offer.parts >= GENERIC_OFFER_PARTS else None

    def telltale(self, offer: Offer) -> bool:
        """Is the item one only AI-hype sellers offer, or written in a filter-dodging spelling ("yqm")?"""
        return any(h.term.casefold() in self._telltale for h in offer.item_hits)

    def capping(self, offer: Offer | None) -> CounterKind | None:
        """The first counter-signal that holds and keeps the verdict below a public scam warning (a question, a
        warning, a report, a quotation, a joke), or None."""
        if offer is None:
            return None
        return next((counter for counter, _ in offer.counters if counter.caps), None)

    def _named_counter(self, offer: Offer) -> tuple[CounterKind, list[Hit]] | None:
        """The counter-signal a verdict names: the one that holds it down, else the first that holds."""
        capping = self.capping(offer)
        return next(((c, found) for c, found in offer.counters if capping is None or c is capping), None)

    def evidence_shown(self, offer: Offer, topical: bool, z: float, threshold: float) -> list[Hit] | None:
        """The offer's evidence (and its named counter-signal's) when its shape moves the verdict at log-odds `z`
        or must say why it did not: a strong offer in a message about AI is lifted (or names what kept it from
        that); a capping counter-signal holds any offer below a public warning. None: the shape says nothing."""
        if not (offer.strong and topical) and not (z > threshold - STRUCTURE_CEILING and self.capping(offer)):
            return None
        named = self._named_counter(offer)
        return offer.evidence + (named[1][:2] if named else [])

    def finding(self, offer: Offer, spans: tuple[Span, ...], z: float, threshold: float,
                words: float = 0.0) -> Finding:
        """The offer's shape, with its evidence, moving the verdict's log-odds `z` by exactly what it takes (so
        the findings still add up): without a counter-signal, a strong offer is lifted to at least
        STRUCTURE_FLOOR above the scam `threshold`; with a capping one, any offer is held STRUCTURE_CEILING
        below it (the words alone may send it to the admins, not turn it into a public accusation); with
        another, it only says why it was not lifted."""
        item, hooks = offer.item, self.spec.hooks
        parts_en = [item.en] + [hooks[h].en for h in offer.hooks]
        parts_zh = [item.zh] + [hooks[h].zh for h in offer.hooks]
        named = self._named_counter(offer)
        if named is not None:
            counter = named[0]
            held = min(0.0, threshold - STRUCTURE_CEILING - z) if counter.caps else 0.0
            return Finding("structure", _CONTEXT, held,
                           f"Has the shape of an offer ({'; '.join(parts_en)}), but {counter.en}",
                           f"形似推销（{'；'.join(parts_zh)}），但{counter.zh}", f"structure.{item.id}.{counter.id}",
                           "seeds/structure.yaml", spans)
        if words <= -WORDS_OVERRULE:
            # the parts stand scattered in a post whose wording is overwhelmingly ordinary (a long warning that
            # lists scam scripts, an honest course page): the admins decide, no public accusation
            return Finding("structure", item.category, max(0.0, threshold - STRUCTURE_CEILING - z),
                           f"Has the shape of an offer ({'; '.join(parts_en)}), but its wording reads overwhelmingly "
                           "like ordinary chat: left for the admins to judge",
                           f"形似推销（{'；'.join(parts_zh)}），但措辞压倒性地像正常聊天：交由管理员判断",
                           f"structure.{item.id}.ordinary_wording", "seeds/structure.yaml", spans)
        return Finding("structure", item.category, max(0.0, threshold + STRUCTURE_FLOOR - z),
                       f"Offers {item.en} with {' and '.join(parts_en[1:]) or 'a selling pitch'}, and nothing in it "
                       "reads as a question, a warning, a joke or news",
                       f"在推销{item.zh}，附有{'和'.join(parts_zh[1:]) or '推销话术'}，且没有提问、提醒、玩笑或新闻的迹象",
                       f"structure.{item.id}", "seeds/structure.yaml", spans)

    @staticmethod
    def features(offer: Offer | None) -> dict[str, list[Hit]]:
        """The offer's shape as classifier features, keyed like signals: what kind of item is offered, how
        complete the offer is, and which counter-signals hold. Word statistics then learn the shape, which
        carries over from one writer to the next better than any writer's words do."""
        if offer is None:
            return {}
        out = {f"$item_{offer.item.id}": offer.item_hits[:1]}
        if offer.strong:
            out["$offer_full"] = offer.evidence
        for counter, found in offer.counters:
            out[f"$counter_{counter.id}"] = found[:1]
        return out

    def framed(self, hits: dict[str, list[Hit]], norm: str, kinds: frozenset[str] | None = None) -> bool:
        """Does a counter-signal that caps (a question, a warning, a report, a joke, a quotation, a loss; or only
        those of `kinds`) stand anywhere in the text, whatever its hooks, and whoever's contact it gives (a
        moderator quoting a removed advert quotes its "message me" too)?"""
        return any(counter.caps and (kinds is None or counter.id in kinds)
                   for counter, _ in self._counters_of(hits, {}, norm, own_contact_voids=False))

    def capping_without_offer(self, hits: dict[str, list[Hit]], norm: str) -> tuple[CounterKind, list[Hit]] | None:
        """A message about AI with no offer shape of its own that tells a loss ("cousin paid €20 for 'veo access'.
        ghosted"): the first counter-signal marked `without_offer` that holds, judged as for an offer whose hooks are
        every hook in the message. None when there is none, or the writer adds a contact of their own."""
        if self._counter_keys.isdisjoint(hits):
            return None
        hooks = {name: sorted((h for k in ks if k in hits for h in hits[k]), key=_start) for name, ks in self._hooks}
        held = self._counters_of(hits, {n: hs for n, hs in hooks.items() if hs}, norm)
        return next(((c, found) for c, found in held if c.caps and c.without_offer), None)

    def counter_finding(self, counter: CounterKind, spans: tuple[Span, ...], z: float, threshold: float) -> Finding:
        """Holds a message with no offer of its own below a public warning, naming the counter-signal."""
        return Finding("structure", _CONTEXT, min(0.0, threshold - STRUCTURE_CEILING - z),
                       f"Offers nothing of the writer's own: {counter.en}", f"不是本人的推销：{counter.zh}",
                       f"structure.none.{counter.id}", "seeds/structure.yaml", spans)

    def _counters_of(self, hits: dict[str, list[Hit]], hooks: dict[str, list[Hit]], norm: str,
                     own_contact_voids: bool = True) -> list[tuple[CounterKind, list[Hit]]]:
        """The counter-signals that hold, given the hooks the offer (or the whole message) has; none, unless
        own_contact_voids is False, where the writer pushes a contact of their own."""
        if own_contact_voids and not self._lure.isdisjoint(hits):
            # "加vx" inside a quoted advert is the advert's, not the writer's; "私我" inside "有人私我卖" is a report
            inside = covering(quoted_ranges(norm) + [(h.start, h.end) for _, keys in self._counters
                                              if not keys.isdisjoint(hits) for k in keys.intersection(hits)
                                              for h in hits[k]])
            if any(not inside(h.start, h.end) for k in self._lure.intersection(hits) for h in hits[k]):
                return []  # the writer pushes their own contact: not a member warning, asking or joking
        # "不是骗子", "not a scam": a seller's words, not a warning
        denied = covering((d.start, d.end) for d in hits.get("@anti_warning", ()))
        out = []
        for counter, keys in self._counters:
            if keys.isdisjoint(hits) or any(hooks.get(h) for h in counter.unless_hooks):
                continue
            present = keys.intersection(hits)
            found = sorted((h for k in present for h in hits[k] if not denied(h.start, h.end)), key=_start)
            if found and counter.unless_hook_after:
                last = max(h.end for h in found)
                after = [h for name in counter.unless_hook_after for h in hooks.get(name, ()) if h.start >= last]
                if after:
                    # ...unless every such hook sits inside quotation marks: the advert's price, not the writer's
                    # ("Got a DM for 'GPT-6 keys, 250 each'", 避雷："内测号到货，两百九十九，加v")
                    quoted = covering(quoted_ranges(norm))
                    if not all(quoted(h.start, h.end) for h in after):
                        continue  # the warning comes first and the writer's own price or contact after it: a pitch
            if found:
                out.append((counter, found))
        return out


def _after(found: list[Hit], start: int) -> list[Hit]:
    return [h for h in found if h.end > start]


def _start(hit: Hit) -> int:
    return hit.start


def _zero_price(hit: Hit) -> bool:
    """"只要0元", "$0": a price of nothing is a joke or a giveaway, not a hook."""
    if "0" not in hit.term:  # most prices: no zero digit, no walk over the characters
        return False
    digits = [c for c in hit.term if c.isdigit()]
    return hit.key in ("$price", "$scam_price") and bool(digits) and set(digits) == {"0"}


def _near(anchors: list[Hit], window: int):
    """A test: does a hit stand within `window` characters of one of the anchors (sorted by start)? A binary
    search, not a walk over the anchors: a hostile message holds thousands of items and hooks."""
    if len(anchors) == 1:
        a = anchors[0]
        return lambda h: abs(h.start - a.start) <= window
    starts = [a.start for a in anchors]

    def near(h: Hit) -> bool:
        i = bisect_left(starts, h.start - window)
        return i < len(starts) and starts[i] <= h.start + window
    return near

