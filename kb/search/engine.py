"""Unscored matching and a cheap ranking over whoosh postings, one block at a time.

whoosh's own matchers step through postings one Python call per posting and verify phrases
by leapfrogging intersections. Here a term's postings are read once per query into lists
(`kb.search.adapter`: whole blocks on the whoosh it was written for, matchers otherwise);
boolean operators are set operations, a date range is a bisect over the date column. A
phrase reads its rarest word first and, for the other words, only the posting blocks of
documents still in the running; positions are read only for phrases, and checked for
every document holding every word at once (`_FastPositions.match_phrase`). Relevance is a saturating TF-IDF read for the matched documents only.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from kb.query.fields import FINDING_FIELDS
from kb.search import adapter
from kb.search.analysis import STEM_SUFFIX

FIELD_BOOSTS = {"subject": 2.0}
FULL_READ_SHARE = 4  # a word is read whole when it has at most this many postings per candidate


@dataclass(frozen=True)
class Postings:
    ids: list[int]  # global docnums, ascending
    weights: list[float]  # term frequency per doc
    values: list[Any]  # encoded positions (positional fields), else empty


class DocSets:
    """Per-searcher evaluator (build a new one after a refresh); memoises postings per query."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.leaves = list(adapter.iter_leaves(searcher.reader()))
        self._dates: tuple[list[int], list[int]] | None = None
        self._live: set[int] | None = None
        self._threads: list[str] | None = None
        self._memo: dict[tuple[str, str], Postings] = {}
        self._frequencies: dict[tuple[str, str], int] = {}

    def live(self) -> set[int]:
        if self._live is None:
            self._live = {off + n for leaf, off in self.leaves for n in leaf.all_doc_ids()}
        return self._live

    def doc_frequency(self, field: str, text: str) -> int:
        """Postings of the term (deleted documents included): from the term info, once a query."""
        key = (field, text)
        total = self._frequencies.get(key)
        if total is None:
            total = 0
            for leaf, _offset in self.leaves:
                btext = leaf.schema[field].to_bytes(text)
                if (field, btext) in leaf:
                    total += leaf.doc_frequency(field, btext)
            self._frequencies[key] = total
        return total

    def postings(self, field: str, text: str, within: list[int] | None = None, positions: bool = False) -> Postings:
        """A term's postings; with `within` (global docnums, ascending) only those documents';
        with `positions` their encoded positions too (phrases)."""
        key = (field, text)
        full = self._memo.get(key)
        if full is not None and (full.values or not positions or not full.ids):
            return full if within is None else _select(full, within)
        ids: list[int] = []
        weights: list[float] = []
        values: list[Any] = []
        for leaf, offset in self.leaves:
            local = None
            if within is not None:
                end = offset + leaf.doc_count_all()
                local = [d - offset for d in within[bisect_left(within, offset):bisect_left(within, end)]]
            leaf_ids, leaf_weights, leaf_values = adapter.read_postings(leaf, field, text, local, positions)
            ids.extend(map(offset.__add__, leaf_ids) if offset else leaf_ids)
            weights.extend(leaf_weights)
            values.extend(leaf_values)
        result = Postings(ids, weights, values)
        if within is None:
            self._memo[key] = result
        return result

    def phrase_ids(self, field: str, words: list[str]) -> set[int]:
        order = sorted(set(words), key=lambda w: self.doc_frequency(field, w))
        positions = len(words) > 1
        found: dict[str, Postings] = {order[0]: self.postings(field, order[0], positions=positions)}
        candidates = set(found[order[0]].ids)
        for word in order[1:]:
            if not candidates:
                return set()
            if self.doc_frequency(field, word) <= FULL_READ_SHARE * len(candidates):
                found[word] = self.postings(field, word, positions=positions)
            else:
                found[word] = self.postings(field, word, sorted(candidates), positions=positions)
            candidates &= set(found[word].ids)
        if not candidates or len(words) < 2:
            return candidates
        # each word's positions for the candidates, in docnum order (postings are ascending)
        encoded = {w: [v for d, v in zip(p.ids, p.values) if d in candidates] for w, p in found.items()}
        docs = sorted(candidates)
        matched = self.searcher.schema[field].format.match_phrase([encoded[w] for w in words])
        return {doc for doc, hit in zip(docs, matched) if hit}

    def date_ids(self, field: str, start: Any, end: Any, endexcl: bool) -> set[int]:
        if field != "date":
            raise LookupError(field)
        if self._dates is None:
            pairs = sorted((value, off + n) for leaf, off in self.leaves
                           for n, value in enumerate(leaf.column_reader("date", translate=False)))
            self._dates = ([v for v, _ in pairs], [d for _, d in pairs])
        values, docs = self._dates
        lo = bisect_left(values, datetime_to_long(start)) if start is not None else 0
        hi = len(values) if end is None else bisect_left(values, datetime_to_long(end) + (0 if endexcl else 1))
        return set(docs[lo:hi]) & self.live()

    def find_ids(self, q: wq.Query) -> set[int]:
        """The live docnums matching `q` (a query built by kb.query.to_whoosh)."""
        self._memo, self._frequencies = {}, {}
        try:
            return self._find(q)
        except LookupError:
            return set(self.searcher.docs_for_query(q))

    def _find(self, q: wq.Query) -> set[int]:
        if isinstance(q, type(wq.NullQuery)):
            return set()
        if isinstance(q, wq.Term):
            return set(self.postings(q.fieldname, q.text).ids)
        if isinstance(q, wq.Phrase):
            return self.phrase_ids(q.fieldname, list(q.words))
        if isinstance(q, wq.DateRange) and q.fieldname == "date":
            return self.date_ids(q.fieldname, q.startdate, q.enddate, q.endexcl)
        if isinstance(q, wq.DateRange):  # rt: has no date column; whoosh's public matcher
            return set(self.searcher.docs_for_query(q))
        if isinstance(q, wq.Not):
            return self.live() - self._find(q.query)
        if isinstance(q, wq.And):
            return self._find_and(q)
        if isinstance(q, wq.Or):
            out: set[int] = set()
            for s in q.subqueries:
                out |= self._find(s)
            return out
        raise LookupError(type(q).__name__)

    def _find_and(self, q: wq.And) -> set[int]:
        """Messages matching every part; finding parts (FINDING_FIELDS) hold per thread.

        `fix:X objection:Y` gives the fix and objection messages of threads holding both;
        `fix:X f:tj` gives tj's messages in threads with fix X; `-objection:Y` drops threads.
        """
        positive = [s for s in q.subqueries if not isinstance(s, wq.Not)]
        negative = [s.query for s in q.subqueries if isinstance(s, wq.Not)]
        scoped = [s for s in positive if is_thread_scoped(s)]
        scoped_out = [s for s in negative if is_thread_scoped(s)]
        plain = [s for s in positive if s not in scoped]
        if plain or not scoped:
            sets = sorted((self._find(s) for s in plain), key=len)
            found = set.intersection(*sets) if sets else set(self.live())
        else:
            found = set().union(*(self._find(s) for s in scoped))
        if (scoped and (plain or len(scoped) > 1)) or scoped_out:
            thread_of = self.thread_of()
            keep = set.intersection(*({thread_of[d] for d in self._find(s)} for s in scoped)) if scoped else None
            drop = {thread_of[d] for s in scoped_out for d in self._find(s)}
            found = {d for d in found if (keep is None or thread_of[d] in keep) and thread_of[d] not in drop}
        for s in negative:
            if found and s not in scoped_out:
                found -= self._find(s)
        return found

    def thread_of(self) -> list[str]:
        """Thread id (root Message-ID) by global docnum."""
        if self._threads is None:
            self._threads = [value for leaf, _off in self.leaves for value in leaf.column_reader("thread_id")]
        return self._threads

    def rank(self, q: wq.Query, docnums: set[int]) -> dict[int, float]:
        """Saturating TF-IDF of `docnums` for the positive words of `q` (subject x2)."""
        total = max(1, len(self.live()))
        scores: dict[int, float] = {}
        get = scores.get
        within: list[int] | None = None
        for field, word in sorted(set(iter_scoring_terms(q))):
            frequency = self.doc_frequency(field, word)
            if not frequency:
                continue
            idf = math.log(1 + total / frequency) * FIELD_BOOSTS.get(field, 1.0)
            postings = self._memo.get((field, word))  # read whole while matching: filter here
            if postings is None:
                within = sorted(docnums) if within is None else within
                postings = self.postings(field, word, within)
            for doc, tf in zip(postings.ids, postings.weights):
                if doc in docnums:
                    scores[doc] = get(doc, 0.0) + idf * tf / (tf + 1.2)
        return scores


def _select(postings: Postings, within: list[int]) -> Postings:
    wanted = set(within)
    keep = [i for i, d in enumerate(postings.ids) if d in wanted]
    return Postings([postings.ids[i] for i in keep], [postings.weights[i] for i in keep],
                    [postings.values[i] for i in keep] if postings.values else [])


def is_thread_scoped(q: wq.Query) -> bool:
    """True when every field `q` searches is a finding field."""
    names = {name.removesuffix(STEM_SUFFIX) for name in iter_fieldnames(q)}
    return bool(names) and names <= FINDING_FIELDS


def iter_fieldnames(q: wq.Query) -> Iterator[str]:
    if isinstance(q, (wq.Term, wq.Phrase, wq.DateRange)):
        yield q.fieldname
    elif isinstance(q, wq.Not):
        yield from iter_fieldnames(q.query)
    elif isinstance(q, (wq.And, wq.Or)):
        for sub in q.subqueries:
            yield from iter_fieldnames(sub)


def iter_scoring_terms(q: wq.Query) -> Iterator[tuple[str, str]]:
    """(field, word) of the positive terms of `q`; NOT and dates do not rank."""
    if isinstance(q, wq.Term):
        yield q.fieldname, q.text
    elif isinstance(q, wq.Phrase):
        for word in q.words:
            yield q.fieldname, word
    elif isinstance(q, (wq.And, wq.Or)):
        for sub in q.subqueries:
            yield from iter_scoring_terms(sub)
