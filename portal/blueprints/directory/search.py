"""One search over units, floors, rooms, guide items and (for logged-in users) staff.

Every searchable object has precomputed keys (``SearchKey``, kept current by
``indexing``): a few *terms* — its names and the spellings people type, such as
``主楼305`` or ``3楼`` — and the full pinyin and initials of each term. Each
process holds all keys in a ``KeyIndex`` (one long string per kind and column,
searched with ``str.find``), reloaded when the stored version token changes. A
query is normalised like the terms; each candidate is ranked here: exact >
prefix > substring > pinyin (itself exact > prefix > substring). Results come
back grouped by kind.

The matching rules are plain functions and classes (``normalize``,
``make_keys``, ``rank``, ``rank_candidates``, ``KeyIndex``) so they can be
tested without a database.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from sqlalchemy import ColumnElement, or_

from portal.pinyin import full_pinyin, initials

KINDS = ("unit", "guide", "floor", "room", "staff")
PUBLIC_KINDS = ("unit", "guide", "floor", "room")  # staff are personal data: logged-in users only
MAX_QUERY_LENGTH = 60  # longer than any name we hold; longer input cannot match anything

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NOT_KEPT = re.compile(f"[^0-9a-z{_HAN}]+")
_HAS_HAN = re.compile(f"[{_HAN}]")
_LATIN = re.compile(r"^[0-9a-z]+$")
_HAS_LETTER = re.compile(r"[a-z]")
SEPARATOR = "\n"


class Rank(IntEnum):
    """How a query matched; lower is better."""

    EXACT = 0
    PREFIX = 1
    SUBSTRING = 2
    PINYIN_EXACT = 3
    PINYIN_PREFIX = 4
    PINYIN_SUBSTRING = 5


def normalize(text: str) -> str:
    """The form both terms and queries are compared in.

    Full-width characters become ASCII (``３０５`` → ``305``), letters lower
    case; spaces, punctuation and symbols are dropped, so ``主楼 305`` equals
    ``主楼305`` and a query of only symbols is empty.
    """
    text = unicodedata.normalize("NFKC", text).lower().replace("ü", "u")
    return _NOT_KEPT.sub("", text)


@dataclass(frozen=True)
class Keys:
    terms: tuple[str, ...]
    pinyin: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def make_keys(texts: Iterable[str]) -> Keys:
    """Normalised terms for ``texts`` plus the pinyin keys of those with Chinese characters."""
    terms = _unique(normalize(text) for text in texts)
    chinese = [term for term in terms if _HAS_HAN.search(term)]
    return Keys(
        terms=terms,
        pinyin=_unique(full_pinyin(term) for term in chinese),
        initials=_unique(initials(term) for term in chinese),
    )


@dataclass(frozen=True)
class MatchRules:
    """Which kinds of match a query may make.

    A single Latin letter or digit is too weak for "contains" matching (it is
    in almost every pinyin key), so it only matches from the start of a term.
    Pinyin keys are compared only for queries typed in letters (and digits).
    """

    query: str
    term_substring: bool
    pinyin: bool
    pinyin_substring: bool
    initials_substring: bool

    @classmethod
    def for_query(cls, query: str) -> MatchRules:
        latin = bool(_LATIN.match(query))
        pinyin = latin and bool(_HAS_LETTER.search(query))
        return cls(
            query=query,
            term_substring=not latin or len(query) >= 2,
            pinyin=pinyin,
            pinyin_substring=pinyin and len(query) >= 3,
            initials_substring=pinyin and len(query) >= 2,
        )


def rank(query: str, keys: Keys) -> Rank | None:
    """How well the normalised ``query`` matches ``keys``: the best rank, or None for no match."""
    if not query:
        return None
    return rank_with(MatchRules.for_query(query), keys)


def rank_with(rules: MatchRules, keys: Keys) -> Rank | None:
    """``rank`` with the rules worked out once per query (it runs for every candidate)."""
    q, terms = rules.query, keys.terms
    if q in terms:
        return Rank.EXACT
    if any(term.startswith(q) for term in terms):
        return Rank.PREFIX
    if rules.term_substring and any(q in term for term in terms):
        return Rank.SUBSTRING
    if not rules.pinyin:
        return None
    pinyin, initials_ = keys.pinyin, keys.initials
    if q in pinyin or q in initials_:
        return Rank.PINYIN_EXACT
    if any(value.startswith(q) for value in pinyin) or any(value.startswith(q) for value in initials_):
        return Rank.PINYIN_PREFIX
    if (rules.pinyin_substring and any(q in value for value in pinyin)) or (
        rules.initials_substring and any(q in value for value in initials_)
    ):
        return Rank.PINYIN_SUBSTRING
    return None


@dataclass(frozen=True)
class Candidate:
    """A stored key row: what ``rank_candidates`` works on."""

    kind: str
    object_id: int
    label: str
    keys: Keys


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    rank: Rank
    label: str


@dataclass
class Group:
    kind: str
    hits: list[Hit]  # the best hits of this kind (all of them when no limit was asked for), best first
    total: int  # how many hits of this kind there are

    @property
    def best(self) -> Rank:
        return self.hits[0].rank


def rank_candidates(query: str, candidates: Iterable[Candidate], limit: int | None = None) -> list[Group]:
    """Rank every candidate, drop those that do not match, group by kind.

    Groups are ordered by their best hit (then by ``KINDS``), hits within a
    group by rank, then name length, then name. With ``limit``, each group
    keeps only its best ``limit`` hits (and the count of all).
    """
    if not query:
        return []
    rules = MatchRules.for_query(query)
    by_kind: dict[str, list[tuple[Rank, int, str, int]]] = {}
    for candidate in candidates:
        found = rank_with(rules, candidate.keys)
        if found is not None:
            label = candidate.label
            by_kind.setdefault(candidate.kind, []).append((found, len(label), label, candidate.object_id))
    groups = []
    for kind, ranked in by_kind.items():
        best = heapq.nsmallest(limit, ranked) if limit is not None else sorted(ranked)
        groups.append(Group(kind, [Hit(kind, object_id, found, label) for found, _, label, object_id in best], len(ranked)))
    groups.sort(key=lambda g: (g.best, KINDS.index(g.kind) if g.kind in KINDS else len(KINDS)))
    return groups


def join_values(values: Iterable[str]) -> str:
    """A key column's stored form: each value on its own line, with a leading line break."""
    return "".join(SEPARATOR + value for value in values)


def split_values(stored: str) -> tuple[str, ...]:
    return tuple(value for value in stored.split(SEPARATOR) if value)


def candidate_filter(rules: MatchRules, terms: Any, pinyin: Any, initials_column: Any) -> ColumnElement[bool]:
    """SQL that keeps every row ``rank`` could match (and few others).

    The normalised query holds only letters, digits and Chinese characters,
    so it needs no LIKE escaping.
    """
    q = rules.query
    contains, starts = f"%{q}%", f"%{SEPARATOR}{q}%"
    conditions = [terms.like(contains if rules.term_substring else starts)]
    if rules.pinyin:
        conditions.append(pinyin.like(contains if rules.pinyin_substring else starts))
        conditions.append(initials_column.like(contains if rules.initials_substring else starts))
    return or_(*conditions)


class _Column:
    """One column of one kind's keys as a single string: every entry's values, each
    after a line break, entry after entry; ``starts[i]`` is where entry i begins."""

    def __init__(self, texts: Iterable[tuple[str, ...]]) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        length = 0
        for values in texts:
            self.starts.append(length)
            text = join_values(values)
            parts.append(text)
            length += len(text)
        self.text = "".join(parts)

    def entries_containing(self, needle: str, found: set[int]) -> None:
        text, starts = self.text, self.starts
        position = text.find(needle)
        while position != -1:
            entry = bisect_right(starts, position) - 1
            found.add(entry)
            # Values never contain a line break, so a match cannot cross into the next entry.
            following = entry + 1
            while following < len(starts) and starts[following] <= position:
                following += 1
            position = text.find(needle, starts[following]) if following < len(starts) else -1


class KeyIndex:
    """All stored keys of one database, in memory, for substring search.

    ``str.find`` over one string per kind and column is much faster than LIKE
    over thousands of rows, and its cost hardly grows with the data.
    """

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        by_kind: dict[str, list[Candidate]] = {}
        for candidate in candidates:
            by_kind.setdefault(candidate.kind, []).append(candidate)
        self._kinds = {
            kind: (
                entries,
                _Column(c.keys.terms for c in entries),
                _Column(c.keys.pinyin for c in entries),
                _Column(c.keys.initials for c in entries),
            )
            for kind, entries in by_kind.items()
        }

    def __len__(self) -> int:
        return sum(len(entries) for entries, *_ in self._kinds.values())

    def candidates(self, rules: MatchRules, kinds: Iterable[str]) -> list[Candidate]:
        """The entries of ``kinds`` that ``rank_with(rules, …)`` could match (exactly those)."""
        q = rules.query
        prefix = SEPARATOR + q
        found_candidates: list[Candidate] = []
        for kind in kinds:
            if kind not in self._kinds:
                continue
            entries, terms, pinyin, initials_column = self._kinds[kind]
            found: set[int] = set()
            terms.entries_containing(q if rules.term_substring else prefix, found)
            if rules.pinyin:
                pinyin.entries_containing(q if rules.pinyin_substring else prefix, found)
                initials_column.entries_containing(q if rules.initials_substring else prefix, found)
            found_candidates.extend(entries[i] for i in sorted(found))
        return found_candidates


@dataclass
class SearchResults:
    text: str  # what the user typed, trimmed
    query: str  # normalised
    groups: list[Group] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    def group(self, kind: str) -> Group | None:
        return next((g for g in self.groups if g.kind == kind), None)


def search(
    text: str,
    *,
    include_staff: bool,
    kinds: Sequence[str] | None = None,
    limit: int | None = None,
    index: KeyIndex | None = None,
) -> SearchResults:
    """Search every stored key (``index``: the current ``KeyIndex``, looked up if
    not given). Staff are included only when ``include_staff``; ``limit``: hits
    kept per kind (all by default)."""
    text = (text or "").strip()[:200]
    query = normalize(text)
    results = SearchResults(text=text, query=query)
    if not query or len(query) > MAX_QUERY_LENGTH:
        return results
    allowed = [k for k in (kinds or KINDS) if k in (KINDS if include_staff else PUBLIC_KINDS)]
    if not allowed:
        return results
    if index is None:
        from portal.blueprints.directory.indexing import key_index

        index = key_index()[1]
    rules = MatchRules.for_query(query)
    results.groups = rank_candidates(query, index.candidates(rules, allowed), limit)
    return results
