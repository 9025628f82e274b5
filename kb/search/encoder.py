"""A field's postings (`FieldPostings`) written as W3 term-table values and posting blocks.

What a term's value and blocks hold is kb.search.codec's layout; here it is computed for a
whole field at once: each term's statistics (weight sum and maximum, first and last document,
the range of field-length bytes) and each block's (ids as deltas, minified weights, values
with their ends) come from numpy over the field's arrays, so that what is left per term is
packing its pickles. A field is taken in chunks of whole terms (about CHUNK_POSTINGS
postings) to bound the arrays alongside it.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable, Mapping
from pickle import dumps
from typing import Any

import numpy as np

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.fields import Schema

from kb.search.codec import (
    BLOCK_LENGTH, EXTENT, INLINE_MAX, PROTOCOL, TERM_INFO, FieldCoding, PackedValues, TermTable,
)
from kb.search.pool import FieldPostings

CHUNK_POSTINGS = 1 << 18
CHUNK_TERMS = 1 << 14  # a term costs a few hundred bytes of Python objects while its chunk is encoded
_UINT = struct.Struct("!I")


def write_segment_postings(fieldwriter: Any, fields: Iterable[tuple[str, Iterable[FieldPostings]]],
                           schema: Schema, lengths: Mapping[str, Any], blocklimit: int) -> None:
    """Every field of `fields` (in name order, each given in pieces of whole terms in key
    order) into the W3 field writer's term table and postings file. `lengths`: each scorable
    field's token count per document."""
    table = TermTable(fieldwriter, schema, lengths)
    for field, pieces in fields:
        coding = table.start_field(field)
        for postings in pieces:
            encode_field(table, postings, coding, blocklimit)
    table.close()


def encode_field(table: TermTable, postings: FieldPostings, coding: FieldCoding, blocklimit: int) -> None:
    """Add the terms (of the table's current field, after those added) to `table`, their blocks
    to its postings file."""
    ends = np.cumsum(postings.counts)
    first = offset = value_base = 0
    while first < len(ends):
        stop = find_chunk_end(ends, first, offset)
        value_base = _encode_chunk(table, postings, first, stop, offset, value_base, coding, blocklimit)
        first, offset = stop, int(ends[stop - 1])


def find_chunk_end(ends: np.ndarray, first: int, offset: int) -> int:
    """The end of a chunk of whole terms from term `first` (its postings from `offset`; `ends`:
    each term's cumulative postings end): about CHUNK_POSTINGS postings, at most CHUNK_TERMS
    terms, at least one term."""
    stop = int(np.searchsorted(ends, offset + CHUNK_POSTINGS, "right"))
    return max(min(stop, first + CHUNK_TERMS), first + 1)


def _encode_chunk(table: TermTable, postings: FieldPostings, first: int, stop: int, offset: int, value_base: int,
                  coding: FieldCoding, blocklimit: int) -> int:
    """Terms first..stop-1 (postings from `offset`, values from byte `value_base`); returns
    where the next chunk's values start."""
    counts = postings.counts[first:stop]
    ends = np.cumsum(counts)
    starts = ends - counts
    total = int(ends[-1])
    docs = postings.docs[offset:offset + total]
    weights = postings.weights[offset:offset + total]
    terms = _TermStats(docs, weights, starts, ends, coding.lengths)
    # blocks: a term's postings in pieces of up to `blocklimit`, most terms one piece
    pieces = (counts + blocklimit - 1) // blocklimit
    piece_term = np.repeat(np.arange(len(counts)), pieces)
    bstarts = starts[piece_term] + (np.arange(len(piece_term)) - np.repeat(np.cumsum(pieces) - pieces, pieces)) * blocklimit
    bends = np.minimum(bstarts + blocklimit, ends[piece_term])
    blocks = terms if len(bstarts) == len(starts) else _TermStats(docs, weights, bstarts, bends, coding.lengths)
    deltas = docs.astype(np.int64)
    deltas[1:] -= deltas[:-1].copy()
    deltas[bstarts] = docs[bstarts]  # each block's first id is absolute
    ids = array("I", deltas.astype(np.uint32).tobytes())
    doc_list = array("I", docs.tobytes())
    weight_list = array(weights.dtype.char, weights.tobytes())
    counted = weights.dtype.kind == "u"  # term counts: a block's weights may be one byte each
    small = weights.astype(np.uint8).tobytes() if counted else b""
    values = _ValueSlices(postings, offset, total, value_base, bstarts)
    block_starts, block_ends = bstarts.tolist(), bends.tolist()
    _, block_maxima, block_minima, block_lows, block_highs, _, block_lasts = blocks.columns
    fixed = coding.fixed
    frequency_only = fixed != 0 and postings.values is None
    packed_counts = weights.astype(">u4").tobytes() if frequency_only else b""
    out = table.posts
    b = 0
    for key, pieces_of_term, a, z, (total_weight, max_weight, _min, low, high, first_doc, last_doc) in zip(
            postings.keys[first:stop], pieces.tolist(), starts.tolist(), ends.tolist(), terms.rows()):
        n = z - a
        if n <= INLINE_MAX:
            if fixed == 0:  # as W3's block reader gives them
                inlined: tuple[Any, ...] = (None,) * n
            elif frequency_only:  # W3's Frequency value is the packed count
                inlined = tuple(_UINT.pack(int(w)) for w in weight_list[a:z])
            else:
                inlined = values.split(a, z)
            table.add(key, TERM_INFO.pack(True, total_weight, n, low, high, max_weight, first_doc, last_doc)
                      + dumps((tuple(doc_list[a:z]), tuple(weight_list[a:z]), inlined), PROTOCOL))
            b += pieces_of_term
            continue
        start = out.pos
        out.write(WHOOSH3_HEADER_MAGIC)
        while True:
            x, y, block_max = block_starts[b], block_ends[b], block_maxima[b]
            if block_minima[b] == block_max:
                mini_weights: Any = None if block_max == 1 else float(block_max)
            elif counted and block_max < 256:
                mini_weights = small[x:y]
            else:
                mini_weights = tuple(map(float, weight_list[x:y]))
            if fixed == 0:
                mini_values: Any = None
            elif frequency_only:
                mini_values = packed_counts[4 * x:4 * y]
            elif fixed is None or fixed < 0:
                mini_values = values.pack(x, y)
            else:
                mini_values = values.join(x, y)
            data = dumps((ids[x:y], mini_weights, mini_values), PROTOCOL)
            info = dumps((y - x, block_lasts[b], float(block_max), 0, block_lows[b], block_highs[b]), 2)  # 0: not compressed
            b += 1
            size = len(info) + len(data)
            out.write(BLOCK_LENGTH.pack(-size if y == z else size) + info + data)
            if y == z:
                break
        table.add(key, TERM_INFO.pack(False, total_weight, n, low, high, max_weight, first_doc, last_doc)
                  + EXTENT.pack(start, out.pos - start))
    return values.end


class _TermStats:
    """Per range [start, end) of postings: weight sum, maximum and minimum, field-length byte
    minimum and maximum (0 without lengths), first and last document."""

    def __init__(self, docs: np.ndarray, weights: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 lengths: bytes | None) -> None:
        self.columns: list[list[Any]] = [
            np.add.reduceat(weights, starts, dtype=np.float64 if weights.dtype.kind == "f" else np.int64).tolist(),
            np.maximum.reduceat(weights, starts).tolist(),
            np.minimum.reduceat(weights, starts).tolist(),
        ]
        if lengths is None:
            self.columns += [[0] * len(starts)] * 2
        else:
            have = np.frombuffer(lengths, np.uint8)[docs]
            self.columns += [np.minimum.reduceat(have, starts).tolist(), np.maximum.reduceat(have, starts).tolist()]
        self.columns += [docs[starts].tolist(), docs[ends - 1].tolist()]

    def rows(self) -> Iterable[tuple[Any, ...]]:
        return zip(*self.columns)


class _ValueSlices:
    """The chunk's posting values, cut per term or block."""

    def __init__(self, postings: FieldPostings, offset: int, total: int, base: int, bstarts: np.ndarray) -> None:
        self.end = base
        if postings.values is None or postings.value_lengths is None:
            return
        lengths = postings.value_lengths[offset:offset + total].astype(np.int64)
        ends = np.cumsum(lengths)
        self.end = base + int(ends[-1])
        self.blob = memoryview(postings.values)[base:self.end]
        self.ends = array("q", ends.tobytes())
        starts = ends - lengths
        block_of = np.repeat(np.arange(len(bstarts)), np.diff(np.append(bstarts, total)))
        self.block_ends = array("I", (ends - starts[bstarts][block_of]).astype(np.uint32).tobytes())

    def _start(self, x: int) -> int:
        return self.ends[x - 1] if x else 0

    def split(self, x: int, y: int) -> tuple[bytes, ...]:
        """Postings x..y-1's values, each its own bytes."""
        return tuple(bytes(self.blob[self._start(n):self.ends[n]]) for n in range(x, y))

    def join(self, x: int, y: int) -> bytes:
        """Postings x..y-1's values as one bytes object."""
        return bytes(self.blob[self._start(x):self.ends[y - 1]])

    def pack(self, x: int, y: int) -> PackedValues:
        """A block's values (postings x..y-1, x its first)."""
        return PackedValues(self.join(x, y), self.block_ends[x:y])
