"""Load and validate the pattern packs in seeds/ (products, lexicons, rules, statements).

Patterns are data: a rule refers to word lists ("@name"), extracted signals ("$name") or literal terms.
Validation errors name the file and the rule, so a bad YAML edit fails loudly at start-up.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from leekguard_types import CATEGORIES

# libyaml's safe loader when PyYAML was built with it: ten times faster at start-up, same safety.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SIGNALS = ("price", "contact_handle", "link", "lookalike", "official_link", "scam_price", "question", "satire_mark",
           "keyword_cta")
CONTEXT_CATEGORY = "context"


class PackError(ValueError):
    """A seed file is missing or invalid; the message names the file and the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    article: str
    quote: str


class Explain(_Strict):
    en: str
    zh: str


class Examples(_Strict):
    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(min_length=1)


class Rule(_Strict):
    id: str
    category: str
    languages: list[Literal["zh", "en"]]
    weight: float = Field(ge=-1.0, le=1.0)
    all: list[list[str]] = Field(min_length=1)  # every group needs a hit; a group hits if any item hits
    none: list[str] = []  # the rule does not fire if any of these hits
    window: int | None = Field(default=None, ge=1)  # all groups within this many characters
    explain: Explain
    source: Source
    examples: Examples

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        if v not in CATEGORIES and v != CONTEXT_CATEGORY:
            raise ValueError(f"unknown category {v!r}; use one of {', '.join(CATEGORIES)} or context")
        return v


class Product(_Strict):
    id: str
    name: str
    vendor: str
    aliases: list[str] = Field(min_length=1)
    official: list[str] = Field(min_length=1)
    public: dict[str, str] | None = None


class Products(_Strict):
    products: list[Product]
    generic_ai: list[str]
    official_domains: list[str]
    protected_brands: list[str]


class Statement(_Strict):
    """An official's exact words (text_en), stored with their source passage in seeds/sources/source_file."""

    id: str
    author: str
    role: str
    role_zh: str
    date: str  # YYYY-MM-DD: when it was said
    until: str | None = None  # YYYY-MM-DD: the last day it held (None: it still holds)
    source: str
    source_file: str
    url: str
    text_en: str
    translation_zh: str  # LeekGuard's translation, always shown labelled as one
    categories: list[str]
    products: list[str] = []

    @field_validator("date", "until")
    @classmethod
    def _iso_date(cls, v: str | None) -> str | None:
        if v is not None:
            import datetime

            datetime.date.fromisoformat(v)
        return v

    def holds_on(self, day: str) -> bool:
        """Was this true on `day` (YYYY-MM-DD)? Said by then, and not yet overtaken."""
        return self.date <= day and (self.until is None or day <= self.until)


class ItemKind(_Strict):
    id: str
    category: str
    keys: list[str] = Field(min_length=1)
    needs_offer: list[str] = []  # terms that make these words an item on offer (a bare "生成" is not one)
    en: str
    zh: str


class HookKind(_Strict):
    keys: list[str] = Field(min_length=1)
    en: str
    zh: str


class CounterKind(_Strict):
    id: str
    keys: list[str] = Field(min_length=1)
    unless_hooks: list[str] = []  # hooks that void this counter-signal (a "free" offer with a price)
    caps: bool = False  # when it holds, word statistics alone cannot raise the verdict to a public scam warning
    unless_hook_after: list[str] = []  # hooks that void it when they come after it ("beware of fakes... mine $25")
    without_offer: bool = False  # it also holds a message with no offer shape at all (only with caps)
    en: str
    zh: str


class StructureSpec(_Strict):
    items: list[ItemKind] = Field(min_length=1)
    offer: list[str] = Field(min_length=1)
    hooks: dict[str, HookKind]
    counters: list[CounterKind]
    first_person_lure: list[str]
    telltale_items: list[str] = []
    window: int = Field(default=160, ge=1)

    def literal_terms(self) -> list[str]:
        """Terms that are neither word lists nor signals: the matcher needs them as "=term" keys."""
        keys = [*self.offer, *self.first_person_lure]
        for item in self.items:
            keys += item.keys + item.needs_offer
        for hook in self.hooks.values():  # without them "手慢无", "半价" were never read as hooks
            keys += hook.keys
        for counter in self.counters:
            keys += counter.keys
        return [k for k in dict.fromkeys(keys) if k[0] not in "@$"]

    def references(self) -> list[str]:
        keys = [*self.offer, *self.first_person_lure]
        for item in self.items:
            keys += item.keys
        for hook in self.hooks.values():
            keys += hook.keys
        for counter in self.counters:
            keys += counter.keys
        return [k for k in keys if k[0] in "@$"]


class EvasionWord(_Strict):
    canonical: str
    variants: list[str] = Field(min_length=1)
    example: str


class Pack(BaseModel):
    model_config = ConfigDict(frozen=True)
    products: Products
    lexicons: dict[str, list[str]]
    rules: list[Rule]
    statements: list[Statement]
    structure: StructureSpec
    evasion: list[EvasionWord]

    def with_variants(self, terms: list[str]) -> list[str]:
        """The terms, each followed by the spellings scammers use for it (seeds/evasion.yaml)."""
        variants = self._variants()
        out = []
        for term in terms:
            out.append(term)
            out.extend(variants.get(term.casefold(), ()))
        return list(dict.fromkeys(out))

    def _variants(self) -> dict[str, list[str]]:
        return {w.canonical.casefold(): w.variants for w in self.evasion}


def packaged_seeds_dir() -> Path:
    return Path(str(resources.files("seeds")))


def _read_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_LOADER)
    except FileNotFoundError as exc:
        raise PackError(f"{path}: missing seed file") from exc
    except yaml.YAMLError as exc:
        raise PackError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PackError(f"{path}: expected a mapping at the top level")
    return data


def _fmt(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def load_pack(seeds_dir: Path | None = None) -> Pack:
    root = seeds_dir or packaged_seeds_dir()
    try:
        products = Products(**_read_yaml(root / "products.yaml"))
    except ValidationError as exc:
        raise PackError(f"{root / 'products.yaml'}: {_fmt(exc)}") from exc
    lexicons = _read_yaml(root / "lexicons.yaml").get("lexicons") or {}
    rules: list[Rule] = []
    for path in sorted((root / "patterns").glob("*.yaml")):
        for i, raw in enumerate(_read_yaml(path).get("rules") or []):
            try:
                rules.append(Rule(**raw))
            except (ValidationError, TypeError) as exc:
                rid = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
                detail = _fmt(exc) if isinstance(exc, ValidationError) else str(exc)
                raise PackError(f"{path}: rule {rid}: {detail}") from exc
    try:
        statements = [Statement(**s) for s in _read_yaml(root / "statements.yaml").get("statements") or []]
    except ValidationError as exc:
        raise PackError(f"{root / 'statements.yaml'}: {_fmt(exc)}") from exc
    try:
        structure = StructureSpec(**_read_yaml(root / "structure.yaml"))
    except (ValidationError, TypeError) as exc:
        detail = _fmt(exc) if isinstance(exc, ValidationError) else str(exc)
        raise PackError(f"{root / 'structure.yaml'}: {detail}") from exc
    try:
        evasion = [EvasionWord(**w) for w in _read_yaml(root / "evasion.yaml").get("words") or []]
    except (ValidationError, TypeError) as exc:
        detail = _fmt(exc) if isinstance(exc, ValidationError) else str(exc)
        raise PackError(f"{root / 'evasion.yaml'}: {detail}") from exc
    if not rules:  # a broken install must not run as a rule-less filter that still answers "clean"
        raise PackError(f"{root / 'patterns'}: no rules found (is the seeds package installed with its patterns?)")
    _check_references(rules, lexicons, root)
    _check_structure(structure, lexicons, root)
    return Pack(products=products, lexicons=lexicons, rules=rules, statements=statements, structure=structure,
                evasion=evasion)


def _check_references(rules: list[Rule], lexicons: dict[str, list[str]], root: Path) -> None:
    known = set(lexicons) | {"product", "generic_ai"}
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise PackError(f"{root}/patterns: duplicate rule id {rule.id}")
        seen.add(rule.id)
        for item in [i for g in rule.all for i in g] + rule.none:
            if item.startswith("@") and item[1:] not in known and not item.startswith("@product:"):
                raise PackError(f"{root}/patterns: rule {rule.id}: unknown word list {item}")
            if item.startswith("$") and item[1:] not in SIGNALS:
                raise PackError(f"{root}/patterns: rule {rule.id}: unknown signal {item} (known: {', '.join(SIGNALS)})")


def _check_structure(spec: StructureSpec, lexicons: dict[str, list[str]], root: Path) -> None:
    known = set(lexicons) | {"product", "generic_ai"}
    for item in spec.references():
        if item.startswith("@") and item[1:] not in known:
            raise PackError(f"{root / 'structure.yaml'}: unknown word list {item}")
        if item.startswith("$") and item[1:] not in SIGNALS + ("quoted_offer",):
            raise PackError(f"{root / 'structure.yaml'}: unknown signal {item} (known: {', '.join(SIGNALS)})")
    for item in spec.items:
        if item.category not in CATEGORIES:
            raise PackError(f"{root / 'structure.yaml'}: item {item.id}: unknown category {item.category!r}")
    for counter in spec.counters:
        unknown = set(counter.unless_hooks + counter.unless_hook_after) - set(spec.hooks)
        if unknown:
            raise PackError(f"{root / 'structure.yaml'}: counter {counter.id}: unknown hook(s) {sorted(unknown)}")
    # a telltale item is matched as an item word: one that no item lists could never be read
    item_words = {w.casefold() for item in spec.items for key in item.keys
                  for w in (lexicons.get(key[1:], []) if key.startswith("@") else [key])}
    stray = [t for t in spec.telltale_items if t.casefold() not in item_words]
    if stray:
        raise PackError(f"{root / 'structure.yaml'}: telltale_items that no item lists: {stray}")


@lru_cache(maxsize=1)
def default_pack() -> Pack:
    return load_pack()
