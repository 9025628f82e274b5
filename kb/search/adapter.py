"""The one place that touches whoosh internals, each with a path through whoosh's public API.

The fast paths were written against whoosh-reloaded `WRITTEN_FOR`:
- reading: a term's posting blocks are decoded whole (`SegmentReader._terms`, the W3 leaf
  matcher's block fields) instead of one matcher call per posting, and postings inlined
  into the term table are read from the term info;
- writing: a segment's postings come from kb's own `PostingPool` and are written in the W3
  codec's format by `kb.search.codec` (this module's helper, called from
  `SegmentWriter._flush_segment`), with no external sort.

They are used only when the installed whoosh is that version and has the attributes they
read; otherwise (or when `KB_WHOOSH_PUBLIC=1`, or tests set `FORCE_PUBLIC`) every read goes
through `reader.postings()` matchers and every write through `writer.add_document()`. Both
paths give the same postings (tests compare them).
"""

from __future__ import annotations

import os
from functools import lru_cache
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

import whoosh
from whoosh.fields import FieldType, Schema
from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.writing import SegmentWriter

from kb.search.codec import write_segment_postings
from kb.search.pool import PostingPool

WRITTEN_FOR = "2.7.5"
FORCE_PUBLIC = False  # tests flip this to run everything through the public API


def is_fast_path_usable() -> bool:
    """True when the installed whoosh is the one the fast paths were written for."""
    if FORCE_PUBLIC or os.environ.get("KB_WHOOSH_PUBLIC") == "1":
        return False
    return whoosh.versionstring() == WRITTEN_FOR and _has_internals()


@lru_cache(maxsize=1)
def _has_internals() -> bool:
    """The classes and attributes the fast paths use (looked up once: read paths ask per term)."""
    try:
        from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3TermInfo
        from whoosh.filedb.filetables import OrderedHashWriter
        from whoosh.reading import SegmentReader
    except ImportError:
        return False
    return (all(hasattr(W3LeafMatcher, a) for a in ("_read_data", "_read_weights", "_next_block"))
            and all(hasattr(W3TermInfo, a) for a in ("_struct", "is_inlined", "inlined_postings"))
            and all(hasattr(OrderedHashWriter, a) for a in ("add", "_write_extras"))
            and hasattr(W3Codec, "postings_writer") and hasattr(SegmentReader, "deleted_docs_set")
            and hasattr(SegmentWriter, "_flush_segment"))


# -- reading ---------------------------------------------------------------------------------

Postings = tuple[list[int], list[float], list[Any]]


def read_postings(leaf: IndexReader, field: str, text: str, within: list[int] | None = None,
                  values: bool = False) -> Postings:
    """(leaf docnums ascending, weights, encoded values or []) of a term's live postings.

    With `within` (leaf docnums, ascending) only those documents' postings are returned, and
    posting blocks holding none of them are skipped undecoded. Values (positions) only when
    asked for and the field keeps them.
    """
    fieldtype = leaf.schema[field]
    btext = fieldtype.to_bytes(text)
    if (field, btext) not in leaf or within == []:
        return [], [], []
    values = values and fieldtype.format.supports("positions")
    if is_fast_path_usable():
        found = _read_blocks(leaf, field, btext, fieldtype, within, values)
        if found is not None:
            return found
    return _read_matcher(leaf, field, btext, within, values)


def _read_blocks(leaf: IndexReader, field: str, btext: bytes, fieldtype: FieldType,
                 within: list[int] | None, keep_values: bool) -> Postings | None:
    terms = getattr(leaf, "_terms", None)
    if terms is None:
        return None
    info = terms.term_info(field, btext)
    if info.is_inlined():  # kb.search.codec inlines short posting lists into the term table
        inlined_ids, inlined_weights, inlined_values = info.inlined_postings()
        found = _select(list(inlined_ids), list(inlined_weights), list(inlined_values) if keep_values else [],
                        None if within is None else set(within).__contains__)
    else:
        m = terms.matcher(field, btext, fieldtype.format)
        if not hasattr(m, "_read_data"):
            return None
        found = _read_block_data(m, keep_values, within)
    deleted = leaf.deleted_docs_set
    return _select(*found, deleted.__contains__ if deleted else None, keep=False)


def _select(ids: list[int], weights: list[float], values: list[Any], test: Any, keep: bool = True) -> Postings:
    """The postings whose docnum passes `test` (keep=True) or fails it (keep=False); None: all."""
    if test is None:
        return ids, weights, values
    chosen = [i for i, d in enumerate(ids) if bool(test(d)) == keep]
    return [ids[i] for i in chosen], [weights[i] for i in chosen], [values[i] for i in chosen] if values else values


def _read_block_data(m: Any, keep_values: bool, within: list[int] | None) -> Postings:
    """A W3 leaf matcher's postings, block by block (blocks without a wanted docnum skipped)."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[Any] = []
    target = 0  # index into `within` of the next wanted docnum
    while not m._atend:
        if within is not None:
            if target == len(within):
                break
            if within[target] > m._maxid:  # no wanted document in this block
                m._next_block()
                continue
        m._read_data()
        data = m._data
        block_ids = data[0] if m._byteids else list(accumulate(data[0]))
        block_weights = _expand_weights(data[1], len(block_ids))
        if within is None:
            ids.extend(block_ids)
            weights.extend(block_weights)
            if keep_values:
                values.extend(data[2])
        else:
            end = bisect_right(within, m._maxid, target)
            wanted = set(within[target:end])
            target = end
            chosen = [i for i, doc in enumerate(block_ids) if doc in wanted]
            ids.extend(map(block_ids.__getitem__, chosen))
            weights.extend(map(block_weights.__getitem__, chosen))
            if keep_values:
                values.extend(map(data[2].__getitem__, chosen))
        m._next_block()
    return ids, weights, values


def _expand_weights(minified: Any, count: int) -> Any:
    """A block's weights as W3's `_read_weights` expands them (None: all 1, a float: all equal),
    without its one-generator-step-per-posting array."""
    if minified is None:
        return [1.0] * count
    if isinstance(minified, float):
        return [minified] * count
    return minified


def _read_matcher(leaf: IndexReader, field: str, btext: bytes, within: list[int] | None,
                  positional: bool) -> Postings:
    m = leaf.postings(field, btext)
    ids: list[int] = []
    weights: list[float] = []
    values: list[Any] = []
    for target in within if within is not None else [None]:
        if target is not None:
            if not m.is_active():
                break
            m.skip_to(target)
        while m.is_active() and (target is None or m.id() == target):
            ids.append(m.id())
            weights.append(m.weight())
            if positional:
                values.append(m.value())
            m.next()
    return ids, weights, values


# -- writing ---------------------------------------------------------------------------------

class _PoolWriter(SegmentWriter):
    """A SegmentWriter whose postings come from a PostingPool (see kb.search.builder)."""

    kb_pool: PostingPool

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        write_pool(self.fieldwriter, self.schema, self.kb_pool)
        self.fieldwriter.close()


def open_pool_writer(ix: Index) -> SegmentWriter | None:
    """A writer for kb.search.builder's fast path, or None when only the public API is safe."""
    if not is_fast_path_usable():
        return None
    writer = _PoolWriter(ix, compound=False)
    writer.kb_pool = PostingPool()
    return writer


def finish_pool_doc(writer: SegmentWriter) -> None:
    """Mark one more document added (the per-document writer already holds its fields)."""
    writer._added = True
    writer.docnum += 1


def write_pool(fieldwriter: Any, schema: Schema, pool: PostingPool) -> None:
    """Every posting of `pool`, field by field, term by term, in the W3 codec's files."""
    write_segment_postings(fieldwriter, schema, pool, fieldwriter._codec._blocklimit)


def iter_leaves(reader: IndexReader) -> Iterator[tuple[IndexReader, int]]:
    """(leaf reader, docnum offset) pairs; public API, here so callers need one import."""
    return iter(reader.leaf_readers())
