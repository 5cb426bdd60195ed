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
from array import array
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
_ALL_HAN = re.compile(f"^[{_HAN}]+$")
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


@dataclass(frozen=True, slots=True)  # thousands are kept in every process (KeyIndex)
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


@dataclass(frozen=True, slots=True)
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


# What a unit's name ends in after the part people say: 医保 + 局, 人大 + 办.
UNIT_SUFFIXES = ("局", "办", "部", "委", "室", "中心", "办公室", "委员会", "常委会", "管理中心")


UNIT_SUFFIX_SOUNDS = ("ju", "ban", "bu", "wei", "shi", "zhongxin", "bangongshi", "weiyuanhui")


def names_unit(query: str, keys: Keys) -> bool:
    """Whether ``query`` is a unit's name or abbreviation without its ending (医保 → 医保局,
    yibao → yibaoju)."""
    return any(term.startswith(query) and term[len(query):] in UNIT_SUFFIXES for term in keys.terms) or any(
        value.startswith(query) and value[len(query):] in UNIT_SUFFIX_SOUNDS for value in keys.pinyin
    )


def rank_candidates(query: str, candidates: Iterable[Candidate], limit: int | None = None) -> list[Group]:
    """Rank every candidate, drop those that do not match, group by kind.

    Groups are ordered by their best hit (then by ``KINDS``), hits within a
    group by rank, then name length, then name. With ``limit``, each group
    keeps only its best ``limit`` hits (and the count of all).
    """
    if not query:
        return []
    rules = MatchRules.for_query(query)
    by_kind: dict[str, list[tuple[Rank, int, int, str, int]]] = {}
    for candidate in candidates:
        found = rank_with(rules, candidate.keys)
        if found is not None:
            if candidate.kind == "unit" and found in (Rank.PREFIX, Rank.PINYIN_PREFIX) and names_unit(query, candidate.keys):
                found = Rank(found - 1)  # 医保 is 医保局: the unit, before the services that mention 医保
            label = candidate.label
            # Among equal ranks, objects whose own name holds the query come before
            # those found by a keyword: 营业执照 → 企业设立登记（营业执照） first.
            in_name = 0 if candidate.keys.terms and query in candidate.keys.terms[0] else 1
            by_kind.setdefault(candidate.kind, []).append((found, in_name, len(label), label, candidate.object_id))
    groups = []
    for kind, ranked in by_kind.items():
        best = heapq.nsmallest(limit, ranked) if limit is not None else sorted(ranked)
        groups.append(Group(kind, [Hit(kind, object_id, found, label) for found, _, _, label, object_id in best], len(ranked)))
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
    after a line break, entry after entry; ``starts[i]`` is where entry i begins
    (an array of machine integers: a list would hold an object per entry)."""

    def __init__(self, parts: list[str]) -> None:
        self.starts = array("q")
        length = 0
        for text in parts:
            self.starts.append(length)
            length += len(text)
        self.text = "".join(parts)

    def part(self, entry: int) -> str:
        """Entry ``entry``'s joined values."""
        end = self.starts[entry + 1] if entry + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[entry]:end]

    @classmethod
    def of(cls, texts: Iterable[tuple[str, ...]]) -> _Column:
        return cls([join_values(values) for values in texts])

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


class _KindKeys:
    """The entries of one kind and their three columns."""

    def __init__(self, entries: list[Candidate], columns: tuple[_Column, _Column, _Column] | None = None) -> None:
        self.entries = entries
        self.terms, self.pinyin, self.initials = columns or (
            _Column.of(c.keys.terms for c in entries),
            _Column.of(c.keys.pinyin for c in entries),
            _Column.of(c.keys.initials for c in entries),
        )

    def changed(self, changes: dict[int, Candidate | None]) -> _KindKeys:
        """A copy with the entries of ``changes`` replaced, added (at the end) or
        dropped (None). Only the changed entries' values are joined again; the
        others' joined text is reused."""
        entries: list[Candidate] = []
        parts: tuple[list[str], list[str], list[str]] = ([], [], [])
        pending = dict(changes)
        columns = (self.terms, self.pinyin, self.initials)
        for position, entry in enumerate(self.entries):
            if entry.object_id in pending:
                replacement = pending.pop(entry.object_id)
                if replacement is not None:
                    entries.append(replacement)
                    _append_joined(parts, replacement)
                continue
            entries.append(entry)
            for part, column in zip(parts, columns):
                part.append(column.part(position))
        for replacement in pending.values():
            if replacement is not None:
                entries.append(replacement)
                _append_joined(parts, replacement)
        return _KindKeys(entries, (_Column(parts[0]), _Column(parts[1]), _Column(parts[2])))


def _append_joined(parts: tuple[list[str], list[str], list[str]], candidate: Candidate) -> None:
    parts[0].append(join_values(candidate.keys.terms))
    parts[1].append(join_values(candidate.keys.pinyin))
    parts[2].append(join_values(candidate.keys.initials))


class KeyIndex:
    """All stored keys of one database, in memory, for substring search, and the
    synonym table.

    ``str.find`` over one string per kind and column is much faster than LIKE
    over thousands of rows, and its cost hardly grows with the data. After an
    edit, ``changed`` makes the next index from this one and the edited entries
    only (``rekeyed`` counts the entries an index was given anew).
    """

    def __init__(self, candidates: Iterable[Candidate] = (), synonyms: Synonyms | None = None) -> None:
        by_kind: dict[str, list[Candidate]] = {}
        for candidate in candidates:
            by_kind.setdefault(candidate.kind, []).append(candidate)
        self._kinds = {kind: _KindKeys(entries) for kind, entries in by_kind.items()}
        self.synonyms: Synonyms = dict(synonyms or {})
        self.rekeyed = len(self)

    def changed(self, changes: dict[tuple[str, int], Candidate | None], synonyms: Synonyms | None = None) -> KeyIndex:
        """A new index: this one with the entries of ``changes`` (by kind and object id)
        replaced or dropped (None), and ``synonyms`` if given. Kinds without a change
        share this index's columns; this index stays as it was for readers using it."""
        by_kind: dict[str, dict[int, Candidate | None]] = {}
        for (kind, object_id), candidate in changes.items():
            by_kind.setdefault(kind, {})[object_id] = candidate
        index = object.__new__(KeyIndex)
        index._kinds = dict(self._kinds)
        for kind, kind_changes in by_kind.items():
            current = self._kinds.get(kind) or _KindKeys([])
            index._kinds[kind] = current.changed(kind_changes)
        index.synonyms = self.synonyms if synonyms is None else dict(synonyms)
        index.rekeyed = len(changes)
        return index

    def __len__(self) -> int:
        return sum(len(keys.entries) for keys in self._kinds.values())

    def shares_kind_with(self, other: KeyIndex, kind: str) -> bool:
        """Whether both indexes hold the very same keys of ``kind`` (not a copy)."""
        return self._kinds.get(kind) is other._kinds.get(kind)

    def candidates(self, rules: MatchRules, kinds: Iterable[str]) -> list[Candidate]:
        """The entries of ``kinds`` that ``rank_with(rules, …)`` could match (exactly those)."""
        q = rules.query
        prefix = SEPARATOR + q
        found_candidates: list[Candidate] = []
        for kind in kinds:
            if kind not in self._kinds:
                continue
            keys = self._kinds[kind]
            entries, terms, pinyin, initials_column = keys.entries, keys.terms, keys.pinyin, keys.initials
            found: set[int] = set()
            terms.entries_containing(q if rules.term_substring else prefix, found)
            if rules.pinyin:
                pinyin.entries_containing(q if rules.pinyin_substring else prefix, found)
                initials_column.entries_containing(q if rules.initials_substring else prefix, found)
            found_candidates.extend(entries[i] for i in sorted(found))
        return found_candidates


# Words people wrap around what they look for: 办理社保卡, 信访局在哪, 怎么办营业执照.
# Longest first, so 怎么办 goes before 怎么 would leave 办 behind.
FILLERS = tuple(sorted((
    "怎么办理", "怎样办理", "如何办理", "在哪里办", "在哪办", "去哪里办", "去哪办", "哪里办", "怎么办", "怎么弄", "怎么",
    "怎样", "如何", "在哪里", "在哪儿", "在哪", "哪里", "哪儿", "去哪", "办理", "我要", "我想", "想要", "需要", "请问",
    "咨询一下", "一下", "流程", "手续", "要带什么", "需要什么材料", "什么材料", "材料", "在几楼", "几楼", "电话", "吗", "呢",
    "了", "的", "去", "办",
), key=len, reverse=True))

# Everyday names of services and units → what to search instead: the table
# ``directory_synonym`` (``models.Synonym``), which logistics and unit
# administrators edit; each process holds it in its ``KeyIndex``.
Synonyms = dict[str, tuple[str, ...]]


def strip_fillers(query: str) -> str:
    """The normalised ``query`` without the words people wrap around it, or the
    query itself when nothing else would remain (``办理`` alone stays)."""
    stripped = query
    for word in FILLERS:
        if len(word) == 1:
            continue
        stripped = stripped.replace(word, "")
    # Single characters only at the edges: 去民政局 → 民政局, but 办 inside 县委办 stays.
    for _ in range(3):
        for word in ("去", "办", "的", "了", "吗", "呢"):
            if len(stripped) > 2 and stripped.startswith(word) and word in ("去", "办"):
                stripped = stripped[1:]
            if len(stripped) > 2 and stripped.endswith(word) and word in ("的", "了", "吗", "呢"):
                stripped = stripped[:-1]
    return stripped or query


# A typed pinyin is corrected by one insertion, deletion or swap; insertions
# use the letters that pinyin typos drop (shebo → shebao, yibo → yibao).
_INSERTED_LETTERS = "aeiouhng"


def pinyin_variants(query: str) -> list[str]:
    """Spellings one small typo away from the Latin ``query`` (not the query itself)."""
    variants: dict[str, None] = {}
    for i in range(len(query) + 1):
        for letter in _INSERTED_LETTERS:
            variants[query[:i] + letter + query[i:]] = None
    for i in range(len(query)):
        variants[query[:i] + query[i + 1 :]] = None
    for i in range(len(query) - 1):
        variants[query[:i] + query[i + 1] + query[i] + query[i + 2 :]] = None
    variants.pop(query, None)
    return [v for v in variants if len(v) >= 4]


@dataclass
class SearchResults:
    text: str  # what the user typed, trimmed
    query: str  # normalised
    groups: list[Group] = field(default_factory=list)
    # What the results were found by when that was not the query as typed
    # (fillers dropped, an everyday word, a homophone or typo corrected).
    searched: str | None = None
    # A "did you mean" suggestion: set when the results came through a correction.
    suggestion: str | None = None

    @property
    def ranked(self) -> list[Hit]:
        """Every hit kept, best first across kinds (groups in their display order)."""
        return [hit for group in self.groups for hit in group.hits]

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

    def run(q: str) -> list[Group]:
        if not q:
            return []
        return rank_candidates(q, index.candidates(MatchRules.for_query(q), allowed), limit)

    results.groups = run(query)
    _corrected(results, query, run, limit, index.synonyms)
    return results


def _merge(lists: list[list[Group]], limit: int | None) -> list[Group]:
    """Groups of several searches as one: each object once, at its best rank, in the
    order of the searches for equal ranks (the first search's hits come first)."""
    by_kind: dict[str, dict[int, tuple[int, Rank, int, Hit]]] = {}
    for order, groups in enumerate(lists):
        for group in groups:
            hits = by_kind.setdefault(group.kind, {})
            for position, hit in enumerate(group.hits):
                key = (order, hit.rank, position, hit)
                if hit.object_id not in hits or key[:3] < hits[hit.object_id][:3]:
                    hits[hit.object_id] = key
    merged = []
    for kind, hits in by_kind.items():
        ordered = [hit for *_, hit in sorted(hits.values(), key=lambda v: v[:3])]
        total = max([len(ordered)] + [g.total for groups in lists for g in groups if g.kind == kind])
        merged.append(Group(kind, ordered[:limit] if limit is not None else ordered, total))
    merged.sort(key=lambda g: (min(h.rank for h in g.hits), KINDS.index(g.kind) if g.kind in KINDS else len(KINDS)))
    return merged


def expansions(query: str, synonyms: Synonyms, *, partial: bool = False) -> list[str]:
    """The synonyms of an everyday ``query`` (二手房过户 → 不动产转移登记); with
    ``partial``, the query with its longest known part replaced (社保卡怎么补 …)."""
    if not partial:
        return list(synonyms.get(query, ()))
    for word in sorted(synonyms, key=len, reverse=True):
        if len(word) >= 2 and word in query and word != query:
            rest = query.replace(word, "", 1)
            # 失业金申领 → 失业保险金申领, not 失业保险金申领申领
            return [value if rest in value else query.replace(word, value, 1) for value in synonyms[word]]
    return []


def _corrected(results: SearchResults, query: str, run: Any, limit: int | None, synonyms: Synonyms) -> None:
    """Search again by what the user most likely meant: fillers dropped and the
    everyday names of the synonym table (their hits follow those of the query as
    typed); when still nothing matches, by sound (homophones 人设局, mixed scripts
    社保ka) and then by pinyin one typo away (shebo), with a "did you mean"."""
    core = strip_fillers(query) if _HAS_HAN.search(query) else query
    found = [results.groups] if results.groups else []
    attempts = ([core] if core != query else []) + expansions(core, synonyms)
    if core != query or not results.groups:
        attempts += [] if expansions(core, synonyms) else expansions(core, synonyms, partial=True)
    searched = None
    for attempt in attempts:
        groups = run(attempt)
        if groups:
            found.append(groups)
            searched = searched or attempt
    if found:
        results.groups = _merge(found, limit) if len(found) > 1 else found[0]
        results.searched = searched
        return
    # By sound: 人设局 / 社保ka → rensheju / shebaoka, compared with the pinyin keys.
    sounds = full_pinyin(core) if _HAS_HAN.search(core) else core
    if not _LATIN.match(sounds) or not _HAS_LETTER.search(sounds):
        return
    groups = run(sounds) if sounds != query else []
    if not groups and len(sounds) >= 4:
        best: list[Group] = []
        for variant in pinyin_variants(sounds):
            groups = run(variant)
            if groups and (not best or groups[0].best < best[0].best):
                best = groups
                if groups[0].best <= Rank.PINYIN_PREFIX:
                    break
        groups = best
    if groups:
        results.groups = groups
        results.searched = sounds
        results.suggestion = groups[0].hits[0].label
        return
    if _ALL_HAN.match(core):  # not 县委附楼305: a place with a number is found whole or not at all
        _best_part(results, core, run, limit, synonyms)


def _best_part(results: SearchResults, core: str, run: Any, limit: int | None, synonyms: Synonyms) -> None:
    """The longest parts of a Chinese query that match something, with their
    synonyms: 交社保 → 社保, 抵押贷款 → 抵押 and 贷款, 开饭店 → 饭店."""
    for length in range(min(len(core) - 1, 12), 1, -1):
        found: list[list[Group]] = []
        parts = list(dict.fromkeys(core[i : i + length] for i in range(len(core) - length + 1)))
        for part in parts:
            for attempt in [part, *expansions(part, synonyms)]:
                groups = run(attempt)
                if groups:
                    found.append(groups)
                    results.searched = results.searched or part
        if found:
            results.groups = _merge(found, limit) if len(found) > 1 else found[0]
            results.suggestion = results.searched if len(parts) == 1 or len(found) == 1 else None
            return
