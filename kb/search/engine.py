"""Unscored matching and a cheap ranking over whoosh postings, one block at a time.

whoosh's own matchers step through postings one Python call per posting and verify phrases
by leapfrogging intersections. Here a term's postings are read once per query into numpy
arrays (`kb.search.adapter`: whole blocks on the whoosh it was written for, matchers
otherwise); boolean operators are operations on sorted docnum arrays, a date range is a
binary search over the date column. A phrase reads its rarest word first and, for the other
words, only the posting blocks of documents still in the running; positions are read only
for phrases, kept as one byte array per term (`kb.search.values`), and checked for every
document holding every word at once (`_FastPositions.match_phrase`). Relevance is a
saturating TF-IDF of the matched documents, computed as array operations from the postings
the query already read (a phrase word read for its candidates covers the final matches)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from kb.query.fields import FINDING_FIELDS
from kb.search import adapter
from kb.search.analysis import STEM_SUFFIX
from kb.search.values import ValueTable

FIELD_BOOSTS = {"subject": 2.0}
FULL_READ_SHARE = 4  # a word is read whole when it has at most this many postings per candidate


@dataclass(frozen=True)
class Postings:
    ids: np.ndarray  # global docnums (int64), ascending
    weights: np.ndarray  # term frequency per doc (float64)
    values: ValueTable | None  # encoded positions (when asked for, of positional fields)


class DocSets:
    """Per-searcher evaluator (build a new one after a refresh); memoises postings per query."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.leaves = list(adapter.iter_leaves(searcher.reader()))
        self._dates: tuple[np.ndarray, np.ndarray] | None = None
        self._live: np.ndarray | None = None
        self._threads: np.ndarray | None = None
        self._memo: dict[tuple[str, str], Postings] = {}
        self._within: dict[tuple[str, str], tuple[np.ndarray, Postings]] = {}  # last read with `within`
        self._infos: dict[tuple[str, str], list[Any]] = {}

    def live(self) -> np.ndarray:
        """Global docnums of the documents not deleted, ascending."""
        if self._live is None:
            self._live = np.array([off + n for leaf, off in self.leaves for n in leaf.all_doc_ids()], np.int64)
        return self._live

    def doc_frequency(self, field: str, text: str) -> int:
        """Postings of the term (deleted documents included), from its term infos (looked up once a query)."""
        return sum(info.doc_frequency() for info in self.term_infos(field, text) if info is not None)

    def term_infos(self, field: str, text: str) -> list[Any]:
        """The term's info in each segment (None where it is missing), looked up once per query."""
        key = (field, text)
        infos = self._infos.get(key)
        if infos is None:
            infos = self._infos[key] = [adapter.find_term_info(leaf, field, text) for leaf, _ in self.leaves]
        return infos

    def postings(self, field: str, text: str, within: np.ndarray | None = None,
                 positions: bool = False) -> Postings:
        """A term's postings; with `within` (global docnums, ascending) only those documents';
        with `positions` their encoded positions too (phrases)."""
        key = (field, text)
        full = self._memo.get(key)
        if full is not None and (full.values is not None or not positions or not len(full.ids)):
            return full if within is None else _select(full, within)
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        values: list[ValueTable] = []
        for (leaf, offset), info in zip(self.leaves, self.term_infos(field, text)):
            if info is None:
                continue
            local = None
            if within is not None:
                lo, hi = np.searchsorted(within, (offset, offset + leaf.doc_count_all()))
                local = within[lo:hi] - offset
            leaf_ids, leaf_weights, leaf_values = adapter.read_postings(leaf, field, text, local, positions, info)
            ids.append(leaf_ids + offset if offset else leaf_ids)
            weights.append(leaf_weights)
            if leaf_values is not None:
                values.append(leaf_values)
        result = Postings(np.concatenate(ids) if ids else np.zeros(0, np.int64),
                          np.concatenate(weights) if weights else np.zeros(0),
                          ValueTable.concat(values) if values else None)
        if within is None:
            self._memo[key] = result
        else:
            self._within[key] = (within, result)
        return result

    def read_for(self, field: str, text: str, docs: np.ndarray) -> Postings:
        """The term's postings in `docs`, from what this query already read when it covers them."""
        full = self._memo.get((field, text))
        if full is not None:
            return full
        read = self._within.get((field, text))
        if read is not None and int(adapter.mark_members(docs, read[0]).sum()) == len(docs):
            return read[1]
        return self.postings(field, text, docs)

    def phrase_ids(self, field: str, words: list[str]) -> np.ndarray:
        order = sorted(set(words), key=lambda w: self.doc_frequency(field, w))
        positions = len(words) > 1
        found: dict[str, Postings] = {order[0]: self.postings(field, order[0], positions=positions)}
        candidates = found[order[0]].ids
        for word in order[1:]:
            if not len(candidates):
                return _NONE
            if self.doc_frequency(field, word) <= FULL_READ_SHARE * len(candidates):
                found[word] = self.postings(field, word, positions=positions)
            else:
                found[word] = self.postings(field, word, candidates, positions=positions)
            candidates = np.intersect1d(candidates, found[word].ids, assume_unique=True)
        if not len(candidates) or len(words) < 2:
            return candidates
        # each word's positions for the candidates, in docnum order (postings are ascending)
        encoded = {w: _pick_values(p, candidates) for w, p in found.items()}
        matched = self.searcher.schema[field].format.match_phrase([encoded[w] for w in words])
        return candidates[np.array(matched, bool)]

    def date_ids(self, field: str, start: Any, end: Any, endexcl: bool) -> np.ndarray:
        if field != "date":
            raise LookupError(field)
        if self._dates is None:
            values = np.array([value for leaf, _off in self.leaves
                               for value in leaf.column_reader("date", translate=False)], np.uint64)
            order = np.argsort(values, kind="stable")
            self._dates = (values[order], order.astype(np.int64))
        values, docs = self._dates
        lo = int(np.searchsorted(values, datetime_to_long(start))) if start is not None else 0
        hi = len(values) if end is None else int(np.searchsorted(values, datetime_to_long(end) + (0 if endexcl else 1)))
        return np.intersect1d(docs[lo:hi], self.live(), assume_unique=True)

    def find_ids(self, q: wq.Query) -> np.ndarray:
        """The live docnums matching `q` (a query built by kb.query.to_whoosh), ascending."""
        self._memo, self._within, self._infos = {}, {}, {}
        try:
            return self._find(q)
        except LookupError:
            return _to_array(self.searcher.docs_for_query(q))

    def _find(self, q: wq.Query) -> np.ndarray:
        if isinstance(q, type(wq.NullQuery)):
            return _NONE
        if isinstance(q, wq.Term):
            return self.postings(q.fieldname, q.text).ids
        if isinstance(q, wq.Phrase):
            return self.phrase_ids(q.fieldname, list(q.words))
        if isinstance(q, wq.DateRange) and q.fieldname == "date":
            return self.date_ids(q.fieldname, q.startdate, q.enddate, q.endexcl)
        if isinstance(q, wq.DateRange):  # rt: has no date column; whoosh's public matcher
            return _to_array(self.searcher.docs_for_query(q))
        if isinstance(q, wq.Not):
            return np.setdiff1d(self.live(), self._find(q.query), assume_unique=True)
        if isinstance(q, wq.And):
            return self._find_and(q)
        if isinstance(q, wq.Or):
            parts = [self._find(s) for s in q.subqueries]
            return np.unique(np.concatenate(parts)) if parts else _NONE
        raise LookupError(type(q).__name__)

    def _find_and(self, q: wq.And) -> np.ndarray:
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
            parts = sorted((self._find(s) for s in plain), key=len)  # each holds live documents only
            found = parts[0] if parts else self.live()
            for part in parts[1:]:
                found = np.intersect1d(found, part, assume_unique=True)
        else:
            found = np.unique(np.concatenate([self._find(s) for s in scoped]))
        if (scoped and (plain or len(scoped) > 1)) or scoped_out:
            thread_of = self.thread_of()
            keep = np.ones(len(found), bool)
            for s in scoped:
                keep &= np.isin(thread_of[found], thread_of[self._find(s)])
            for s in scoped_out:
                keep &= ~np.isin(thread_of[found], thread_of[self._find(s)])
            found = found[keep]
        for s in negative:
            if len(found) and s not in scoped_out:
                found = np.setdiff1d(found, self._find(s), assume_unique=True)
        return found

    def thread_of(self) -> np.ndarray:
        """Thread (a number per root Message-ID) by global docnum."""
        if self._threads is None:
            roots = [value for leaf, _off in self.leaves for value in leaf.column_reader("thread_id")]
            self._threads = np.unique(np.array(roots, object), return_inverse=True)[1].astype(np.int64)
        return self._threads

    def rank(self, q: wq.Query, docs: np.ndarray) -> np.ndarray | None:
        """Saturating TF-IDF of `docs` (global docnums, ascending) for the positive words of `q`
        (subject x2), aligned with `docs`; None when no word of `q` is in any of them."""
        total = max(1, len(self.live()))
        scores = np.zeros(len(docs))
        scored = False
        for field, word in sorted(set(iter_scoring_terms(q))):
            frequency = self.doc_frequency(field, word)
            if not frequency:
                continue
            idf = math.log(1 + total / frequency) * FIELD_BOOSTS.get(field, 1.0)
            postings = self.read_for(field, word, docs)  # may hold more documents: filtered here
            if not len(postings.ids):
                continue
            held = adapter.mark_members(postings.ids, docs)  # both masks pick the same docnums, ascending
            if held.any():
                tf = postings.weights[held]
                scores[adapter.mark_members(docs, postings.ids)] += idf * tf / (tf + 1.2)
                scored = True
        return scores if scored else None


_NONE = np.zeros(0, np.int64)


def _to_array(docnums: Any) -> np.ndarray:
    return np.unique(np.fromiter(docnums, np.int64))


def _select(postings: Postings, within: np.ndarray) -> Postings:
    keep = adapter.mark_members(postings.ids, within)
    values = postings.values
    return Postings(postings.ids[keep], postings.weights[keep], None if values is None else values.select(keep))


def _pick_values(postings: Postings, docs: np.ndarray) -> ValueTable:
    """The encoded values of `docs` (all among the postings), in docnum order."""
    assert postings.values is not None
    return postings.values.select(adapter.mark_members(postings.ids, docs))


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
