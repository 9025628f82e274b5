"""The one place that touches whoosh internals, each with a path through whoosh's public API.

The fast paths were written against whoosh-reloaded `WRITTEN_FOR`:
- reading: a term's postings are read in one piece from the postings file (the W3 terms
  reader's `_postfile`, the term info's extent) and its blocks decoded whole, as W3's leaf
  matcher would read them, instead of one matcher call per posting; postings inlined into
  the term table are read from the term info;
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
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from pickle import loads
from typing import Any

import numpy as np
import whoosh
from whoosh.fields import FieldType
from whoosh.index import Index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.reading import IndexReader, TermInfo, TermNotFound
from whoosh.writing import SegmentWriter

from kb.search import codec
from kb.search.codec import iter_blocks
from kb.search.encoder import write_segment_postings
from kb.search.pool import PostingPool
from kb.search.runs import RunFiles, remove_stale_runs
from kb.search.values import ValueTable

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
        from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
        from whoosh.filedb.filetables import OrderedHashWriter
        from whoosh.reading import SegmentReader
    except ImportError:
        return False
    return (all(hasattr(W3TermInfo, a) for a in ("_struct", "is_inlined", "inlined_postings", "extent"))
            and all(hasattr(OrderedHashWriter, a) for a in ("add", "_write_extras"))
            and hasattr(W3Codec, "postings_writer") and hasattr(SegmentReader, "deleted_docs_set")
            and hasattr(SegmentWriter, "_flush_segment"))


# -- reading ---------------------------------------------------------------------------------

Postings = tuple[np.ndarray, np.ndarray, ValueTable | None]  # docnums (int64, ascending), weights, values


def find_term_info(leaf: IndexReader, field: str, text: str) -> TermInfo | None:
    """The term's statistics in this segment (public API), None when the segment lacks it."""
    try:
        return leaf.term_info(field, text)
    except TermNotFound:
        return None


def read_postings(leaf: IndexReader, field: str, text: str, within: np.ndarray | None = None,
                  values: bool = False, info: TermInfo | None = None) -> Postings:
    """(leaf docnums ascending, weights, encoded values or None) of a term's live postings.

    With `within` (leaf docnums, ascending) only those documents' postings are returned, and
    posting blocks holding none of them are skipped undecoded. Values (positions) only when
    asked for and the field keeps them. `info`: the term's `find_term_info` (looked up when
    not given; None there means the segment lacks the term).
    """
    info = info or find_term_info(leaf, field, text)
    if info is None or (within is not None and not len(within)):
        return _EMPTY_IDS, _EMPTY_WEIGHTS, None
    fieldtype = leaf.schema[field]
    btext = fieldtype.to_bytes(text)
    values = values and fieldtype.format.supports("positions")
    if is_fast_path_usable():
        found = _read_blocks(leaf, field, btext, fieldtype, within, values, info)
        if found is not None:
            return found
    return _read_matcher(leaf, field, btext, within, values)


_EMPTY_IDS = np.zeros(0, np.int64)
_EMPTY_WEIGHTS = np.zeros(0, np.float64)


def _read_blocks(leaf: IndexReader, field: str, btext: bytes, fieldtype: FieldType,
                 within: np.ndarray | None, keep_values: bool, info: Any) -> Postings | None:
    terms = getattr(leaf, "_terms", None)
    if terms is None or not isinstance(info, W3TermInfo):
        return None
    if info.is_inlined():  # kb.search.codec inlines short posting lists into the term table
        inlined_ids, inlined_weights, inlined_values = info.inlined_postings()
        found = (np.array(inlined_ids, np.int64), np.array(inlined_weights, np.float64),
                 ValueTable.from_values(inlined_values) if keep_values else None)
        if within is not None:
            found = _keep(found, mark_members(found[0], within))
    else:
        postfile = getattr(terms, "_postfile", None)
        if postfile is None:  # not W3's terms reader
            return None
        offset, length = info.extent()
        if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps the length as struct.unpack's tuple
            length = length[0]
        found = _read_extent(postfile.get(offset, length), keep_values, within)
        if found is None:
            return None
    deleted = leaf.deleted_docs_set
    if deleted:
        found = _keep(found, ~mark_members(found[0], np.sort(np.fromiter(deleted, np.int64, len(deleted)))))
    return found


def mark_members(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of `ids` are in `wanted` (both ascending, distinct): a binary search per wanted one
    (np.isin sorts both, which costs more than a block of postings is worth)."""
    mask = np.zeros(len(ids), bool)
    if len(ids) and len(wanted):
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        mask[at[ids[at] == wanted]] = True
    return mask


def _keep(found: Postings, mask: np.ndarray) -> Postings:
    """The postings where `mask` is true."""
    if mask.all():
        return found
    ids, weights, values = found
    return ids[mask], weights[mask], None if values is None else values.select(mask)


def _read_extent(data: bytes, keep_values: bool, within: np.ndarray | None) -> Postings | None:
    """A term's posting blocks, read from its bytes as W3's leaf matcher reads them
    (`codec.iter_blocks`), with no matcher and no seek per block; blocks without a wanted
    docnum are skipped undecoded. None when the bytes do not start as W3's postings do."""
    if data[:len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        return None
    id_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    value_parts: list[ValueTable] = []
    target = 0  # index into `within` of the next wanted docnum
    for (_count, maxid, _maxweight, compression, _minlength, _maxlength), start, end in iter_blocks(data):
        if within is not None:
            if target == len(within):
                break
            if within[target] > maxid:  # no wanted document in this block
                continue
        raw = data[start:end]
        ids, weights, block_values = loads(zlib.decompress(raw) if compression else raw)
        ids = np.cumsum(np.array(ids, np.int64))  # W3 stores a block's ids as deltas
        weights = _expand_weights(weights, len(ids))
        values = ValueTable.from_block(block_values) if keep_values else None
        if within is not None:
            stop = int(np.searchsorted(within, maxid, "right"))
            mask = mark_members(ids, within[target:stop])
            target = stop
            ids, weights = ids[mask], weights[mask]
            values = None if values is None else values.select(mask)
        id_parts.append(ids)
        weight_parts.append(weights)
        if values is not None:
            value_parts.append(values)
    found_values = ValueTable.concat(value_parts) if keep_values else None
    if not id_parts:
        return _EMPTY_IDS, _EMPTY_WEIGHTS, found_values
    return np.concatenate(id_parts), np.concatenate(weight_parts), found_values


def _expand_weights(minified: Any, count: int) -> np.ndarray:
    """A block's weights as W3's `_read_weights` expands them (None: all 1, a float: all equal,
    bytes: kb's whole term counts, else a sequence of floats)."""
    if minified is None:
        return np.ones(count)
    if isinstance(minified, float):
        return np.full(count, minified)
    if isinstance(minified, bytes):
        return np.frombuffer(minified, np.uint8).astype(np.float64)
    return np.array(minified, np.float64)


def _read_matcher(leaf: IndexReader, field: str, btext: bytes, within: np.ndarray | None,
                  positional: bool) -> Postings:
    m = leaf.postings(field, btext)
    ids: list[int] = []
    weights: list[float] = []
    values: list[Any] = []
    for target in within.tolist() if within is not None else [None]:
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
    return np.array(ids, np.int64), np.array(weights, np.float64), ValueTable.from_values(values) if positional else None


# -- writing ---------------------------------------------------------------------------------

class _PoolWriter(SegmentWriter):
    """A SegmentWriter whose postings come from a PostingPool and its spilled runs (see kb.search.builder)."""

    kb_pool: PostingPool
    kb_runs: RunFiles

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.kb_pool.lengths
        if self.kb_runs.paths:  # the latest documents become the last run, freed before merging
            spill_pool(self)
            fields = self.kb_runs.iter_merged()
        else:
            fields = ((field, [postings]) for field, postings in self.kb_pool.pop_fields())
        write_segment_postings(self.fieldwriter, fields, self.schema, lengths, codec.BLOCK_POSTINGS)
        self.fieldwriter.close()


def open_pool_writer(ix: Index) -> SegmentWriter | None:
    """A writer for kb.search.builder's fast path, or None when only the public API is safe."""
    if not is_fast_path_usable():
        return None
    writer = _PoolWriter(ix, compound=False)  # takes the write lock: runs left by a killed build can go
    folder = Path(ix.storage.folder)
    remove_stale_runs(folder)
    writer.kb_pool = PostingPool()
    writer.kb_runs = RunFiles(folder)
    return writer


def spill_pool(writer: SegmentWriter) -> None:
    """Write the full pool to a run and go on with an empty one (documents keep their numbers)."""
    writer.kb_runs.spill(writer.kb_pool)
    writer.kb_pool = PostingPool(writer.kb_pool.lengths)


def finish_pool_doc(writer: SegmentWriter) -> None:
    """Mark one more document added (the per-document writer already holds its fields)."""
    writer._added = True
    writer.docnum += 1


def iter_leaves(reader: IndexReader) -> Iterator[tuple[IndexReader, int]]:
    """(leaf reader, docnum offset) pairs; public API, here so callers need one import."""
    return iter(reader.leaf_readers())
