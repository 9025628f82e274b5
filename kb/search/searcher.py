"""Searching: a long-lived IndexSearcher, hits with highlighted snippets."""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.index import Index
from whoosh.searching import Searcher

from kb.errors import QueryError
from kb.query.parse import parse_query
from kb.query.to_whoosh import compile_whoosh, find_highlight_words
from kb.search.engine import DocSets
from kb.search.index import open_index

SORTS = ("relevance", "date")
MAX_LIMIT = 1000
SNIPPET_CHARS = 200
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    message_id: str
    thread_id: str
    date: datetime | None
    author: str
    subject: str
    score: float | None  # None when sorted by date (no scoring)
    snippet: str  # a window of the message's own text around the first match
    highlights: tuple[tuple[int, int], ...]  # [start, end) spans of matched words in snippet
    revisions: int = 1  # with `threads`: revisions of the patch series folded into this hit


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int  # matching messages (all of them, not just the hits shown)
    hits: tuple[Hit, ...]


@lru_cache(maxsize=64)
def compile_word_pattern(words: frozenset[str]) -> re.Pattern[str] | None:
    """Whole `\\w+` runs equal to one of `words` (None: no word could be one)."""
    keep = sorted(w for w in words if _WORD.fullmatch(w))
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, keep)) + r")(?!\w)") if keep else None


def find_snippet(text: str, words: frozenset[str], width: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The `width`-char window of `text` starting near the first matched word, and spans."""
    text = " ".join(text.split())
    low = text.lower()
    if len(low) == len(text):  # one regex pass in C over the lower-cased text
        pattern = compile_word_pattern(words)
        matches = list(pattern.finditer(low)) if pattern else []
    else:  # a character whose lower case is longer: offsets would shift
        matches = [m for m in _WORD.finditer(text) if m.group().lower() in words]
    start = 0
    if matches and matches[0].start() > width // 3:
        start = text.rfind(" ", 0, matches[0].start() - width // 4) + 1
    window = text[start : start + width]
    spans = tuple((m.start() - start, m.end() - start) for m in matches
                  if m.start() >= start and m.end() <= start + len(window))
    return window, spans


class IndexSearcher:
    """An open index plus a reusable whoosh searcher; call `refresh()` to see new commits."""

    def __init__(self, path: str | os.PathLike[str] | Index) -> None:
        self.index = path if isinstance(path, Index) else open_index(path)
        self.searcher: Searcher = self.index.searcher()
        self._dates: np.ndarray | None = None
        self._sets: DocSets | None = None

    def refresh(self) -> bool:
        """Pick up commits made since opening; True when something changed.

        Opens fresh readers instead of whoosh's `Searcher.refresh()`: whoosh-reloaded 2.7.5
        reuses a segment reader whose segment gained deletions (so replaced messages would
        show twice) and re-adds segments that a merge removed.
        """
        if self.searcher.up_to_date():
            return False
        self.searcher.close()
        self.searcher = self.index.searcher()
        self._dates = None
        self._sets = None
        return True

    def close(self) -> None:
        self.searcher.close()

    def __enter__(self) -> IndexSearcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _docsets(self) -> DocSets:
        if self._sets is None:
            self._sets = DocSets(self.searcher)
        return self._sets

    def _load_dates(self) -> np.ndarray:
        """Each document's date as whoosh's column holds it (a missing date is 2**64 - 1)."""
        if self._dates is None:
            self._dates = np.array([value for sub, _offset in self.searcher.leaf_searchers()
                                    for value in sub.reader().column_reader("date", translate=False)], np.uint64)
        return self._dates

    def _top_by_date(self, docs: np.ndarray, limit: int, threads: bool) -> list[tuple[int, int]]:
        order = np.lexsort((docs, self._load_dates()[docs]))[::-1]   # newest first (then the later docnum)
        ranked = docs[order if threads else order[:limit]].tolist()
        return self._fold(ranked, limit) if threads else [(d, 1) for d in ranked]

    def _top_by_score(self, q: wq.Query, docs: np.ndarray, limit: int,
                      threads: bool) -> tuple[list[tuple[int, int]], dict[int, float]]:
        scores = self._docsets().rank(q, docs)
        if scores is None:
            return [], {}
        # best first: score, then date, then docnum, all descending (docs matched only through
        # dates/OR branches without words score 0, newest first)
        order = np.lexsort((docs, self._load_dates()[docs], scores))[::-1]
        if not threads:
            order = order[:limit]
        ranked, best = docs[order].tolist(), scores[order].tolist()
        shown = [(d, 1) for d in ranked] if not threads else self._fold(ranked, limit)
        score_of = dict(zip(ranked, best))
        return shown, {d: score_of[d] for d, _ in shown}

    def _fold(self, order: list[int], limit: int) -> list[tuple[int, int]]:
        """One (docnum, revisions) per thread, and per patch series across its revisions.

        Groups keep the rank of their best hit; a series shows its best hit of the latest
        matched revision, with the number of its revisions that matched.
        """
        threads, series, revision = (self._read_column(name) for name in ("thread_id", "series", "revision"))
        shown: dict[object, int] = {}
        seen: dict[object, set[int]] = {}
        for docnum in order:
            group = (b"s", series(docnum)) if series(docnum) else threads(docnum)
            if group not in shown:
                if len(shown) < limit:
                    shown[group] = docnum
                    seen[group] = {revision(docnum) or 0}
                continue
            seen[group].add(revision(docnum) or 0)
            if (revision(docnum) or 0) > (revision(shown[group]) or 0):
                shown[group] = docnum
        return [(docnum, len(seen[group])) for group, docnum in shown.items()]

    def _read_column(self, name: str) -> Callable[[int], Any]:
        """docnum -> the column's value, per segment: a segment in which no document has the
        column (no message of a series, say) gives None, where whoosh's multi-segment column
        reader would shift every later segment's documents onto the wrong one."""
        leaves = self.searcher.reader().leaf_readers()
        offsets = [offset for _, offset in leaves]
        columns = [leaf.column_reader(name) if leaf.has_column(name) else None for leaf, _ in leaves]

        def read(docnum: int) -> Any:
            i = bisect.bisect_right(offsets, docnum) - 1
            column = columns[i]
            return None if column is None else column[docnum - offsets[i]]
        return read

    def search(self, text: str, *, limit: int = 20, sort: str = "relevance",
               threads: bool = False) -> SearchResult:
        """Parse and run `text`; `threads` keeps the best hit of each thread or patch series."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (relevance or date)", query=text, position=0)
        limit = max(1, min(limit, MAX_LIMIT))
        parsed = parse_query(text)
        schema = self.index.schema
        q = compile_whoosh(parsed, schema)
        docnums = self._docsets().find_ids(q)
        found = len(docnums) > 0
        top, scores = self._top_by_score(q, docnums, limit, threads) if sort == "relevance" and found else ([], {})
        if not top:  # sorted by date, or nothing to rank by (only dates / NOT)
            top, scores = self._top_by_date(docnums, limit, threads) if found else [], {}
        words = find_highlight_words(parsed, schema)
        hits = tuple(self._make_hit(docnum, scores.get(docnum, 0.0) if scores else None, words, revisions)
                     for docnum, revisions in top)
        return SearchResult(text, len(docnums), hits)

    def _make_hit(self, docnum: int, score: float | None, words: frozenset[str], revisions: int) -> Hit:
        stored = self.searcher.stored_fields(docnum)
        snippet, spans = find_snippet(stored.get("excerpt", ""), words)
        return Hit(stored["message_id"], stored.get("thread_id", ""), stored.get("date"),
                   stored.get("author", ""), stored.get("subject", ""), score, snippet, spans, revisions)


def search_index(where: str | os.PathLike[str] | IndexSearcher, text: str, *, limit: int = 20,
                 sort: str = "relevance", threads: bool = False) -> SearchResult:
    """Search an index directory (opened for this call) or an open IndexSearcher (fast)."""
    if isinstance(where, IndexSearcher):
        return where.search(text, limit=limit, sort=sort, threads=threads)
    with IndexSearcher(Path(where)) as searcher:
        return searcher.search(text, limit=limit, sort=sort, threads=threads)
