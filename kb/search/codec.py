"""A PostingPool written as whoosh's W3 terms and postings files (kb.search.adapter's fast path).

The layout is W3's own, so every whoosh reader (and kb's block reader) reads it; what differs
is the work, since W3's field writer costs a syscall (`tell`), a pickle and a zlib call per term
and per block, and the block contents, each a type W3's reader takes because it only iterates
or indexes them:
- a block's id deltas are an array, its term counts bytes, and its positions one
  `PackedValues` (reading a block unpickles a few objects, not one per posting);
- a term with at most INLINE_MAX postings is inlined into its term-table entry (W3's reader
  supports inlined postings; W3's writer cannot write them: `set_inline` is misnamed);
- file positions are counted here and writes go out in chunks of about FLUSH_BYTES;
- blocks hold BLOCK_POSTINGS postings (W3 writes 128) and are not compressed: on the cgroups
  epoch, 512-posting blocks halved the CPU of the slowest queries (each block read costs a
  seek, a header unpickle and array setup whatever its size), and leaving out zlib took
  another ~15% off them, for an index of 313 MB instead of 245 MB (W3's reader takes any
  block size, and a block records that it is uncompressed).

Written against whoosh-reloaded 2.7.5 (`kb.search.adapter.WRITTEN_FOR`); the adapter calls
this only when `is_fast_path_usable()`.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator
from hashlib import md5
from itertools import accumulate, chain
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import Schema
from whoosh.util.numeric import length_to_byte

from kb.search.pool import PostingPool

INLINE_MAX = 4
BLOCK_POSTINGS = 512
FLUSH_BYTES = 1 << 20
PROTOCOL = 5  # blocks' pickles: arrays and bytes as they are (protocol 2 spells arrays out as lists)

_INFO = W3TermInfo._struct  # W3's term info header
_LENGTHS = struct.Struct("!ii")  # filetables: key and value length before each entry
_EXTENT = struct.Struct("!qi")  # offset and length of postings outside the term table
_BLOCK_LENGTH = struct.Struct("!i")
_FIELD_ID = struct.Struct("!H")
_UINT = struct.Struct("!I")


class _Out:
    """Buffered appends to a whoosh StructFile whose position is counted, not asked for."""

    def __init__(self, dbfile: Any) -> None:
        self.dbfile = dbfile
        self.pos = dbfile.tell()
        self.chunks: list[bytes] = []
        self.held = 0

    def write(self, data: bytes) -> None:
        self.chunks.append(data)
        self.pos += len(data)
        self.held += len(data)
        if self.held >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.chunks:
            self.dbfile.write(b"".join(self.chunks))
            self.chunks, self.held = [], 0


class PackedValues:
    """A block's variable-size values (positions) as one bytes object and their end offsets.

    W3's reader only indexes a block's values (`values[i]`), so this stands in for its tuple
    of bytes: unpickling it is two copies instead of one object per posting."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: array) -> None:
        self.blob = blob
        self.ends = ends

    @classmethod
    def pack(cls, values: list[bytes]) -> PackedValues:
        return cls(b"".join(values), array("I", accumulate(map(len, values))))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        if i < 0:
            i += len(self.ends)
        return self.blob[self.ends[i - 1] if i else 0:self.ends[i]]

    def __iter__(self) -> Iterator[bytes]:
        blob = self.blob
        return map(blob.__getitem__, map(slice, chain((0,), self.ends), self.ends))

    def __reduce__(self) -> tuple[type, tuple[bytes, array]]:
        return PackedValues, (self.blob, self.ends)


def _hash_md5_low32(key: bytes) -> int:
    """filetables.md5_hash without the hex round trip."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


def write_segment_postings(fieldwriter: Any, schema: Schema, pool: PostingPool, blocklimit: int) -> None:
    """Every term of `pool`, in key order, into the W3 field writer's term table and postings file."""
    tindex = fieldwriter._tindex
    hashfn = _hash_md5_low32 if tindex.hashtype == 0 else tindex.hashfn
    buckets = tindex.buckets
    fieldmap = fieldwriter._fieldmap
    terms_out, posts_out = _Out(tindex.dbfile), _Out(fieldwriter._postfile)
    starts: list[int] = []
    key = b""
    for field in pool.iter_fields():
        if field in fieldmap:
            raise ValueError(f"field {field} written twice")
        prefix = _FIELD_ID.pack(len(fieldmap))
        fieldmap[field] = len(fieldmap)
        fixed = schema[field].format.fixed_value_size()
        lengths = _to_length_bytes(pool.lengths.get(field))
        for btext, docs, weights, values in pool.iter_terms(field):
            if len(docs) <= INLINE_MAX:
                value = _encode_inlined(docs, weights, values, fixed, lengths)
            else:
                value = _write_blocks(posts_out, docs, weights, values, fixed, lengths, blocklimit)
            key = prefix + btext
            starts.append(terms_out.pos)
            hashed = hashfn(key)
            buckets[hashed & 255].append((hashed, terms_out.pos))
            terms_out.write(_LENGTHS.pack(len(key), len(value)) + key + value)
    terms_out.flush()
    posts_out.flush()
    tindex.index.extend(starts)
    if key:
        tindex.lastkey = key


def _find_length_bytes(docs: list[int], lengths: bytes | None) -> tuple[int, int]:
    """(min, max) field length byte of these documents (0: none recorded; see `_to_length_bytes`).

    A scorable field's length is recorded for every document holding one of its terms.
    """
    if lengths is None:
        return 0, 0
    have = list(map(lengths.__getitem__, docs))
    return min(have), max(have)


def _to_length_bytes(lengths: Any) -> bytes | None:
    """Each document's field length as W3's length byte (monotonic, so min/max commute with it)."""
    return None if lengths is None else bytes(map(length_to_byte, lengths))


def _encode_info(inlined: bool, docs: list[int], weights: list[float], lengths: Any) -> bytes:
    minlength, maxlength = _find_length_bytes(docs, lengths)
    return _INFO.pack(inlined, sum(weights), len(docs), minlength, maxlength, max(weights), docs[0], docs[-1])


def _encode_inlined(docs: list[int], weights: list[float], values: list[Any] | None, fixed: int | None, lengths: Any) -> bytes:
    """A term-table value holding the postings themselves (W3TermInfo.set_inlined's layout)."""
    if fixed == 0:  # as W3's block reader gives them
        values = [None] * len(docs)
    elif values is None:  # kb's frequency-only fields: W3's Frequency value is the packed count
        values = [_UINT.pack(int(w)) for w in weights]
    return (_encode_info(True, docs, weights, lengths)
            + dumps((tuple(docs), tuple(weights), tuple(values)), PROTOCOL))


def _minify_weights(weights: list[float]) -> Any:
    """A block's weights as W3's reader takes them: None (all 1), one float (all equal), else a
    sequence: bytes when every weight is a whole number below 256 (term counts), floats otherwise."""
    first = weights[0]
    if weights.count(first) == len(weights):
        return None if first == 1.0 else float(first)
    if all(type(w) is int for w in weights) and 0 <= min(weights) and max(weights) < 256:  # noqa: E721
        return bytes(weights)
    return tuple(map(float, weights))


def _write_blocks(out: _Out, docs: list[int], weights: list[float], values: list[bytes] | None, fixed: int | None,
                  lengths: Any, blocklimit: int) -> bytes:
    """The term's posting blocks as W3PostingsWriter writes them; returns the term-table value."""
    start = out.pos
    out.write(WHOOSH3_HEADER_MAGIC)
    n = len(docs)
    for first in range(0, n, blocklimit):
        ids = docs[first:first + blocklimit]
        block_weights = weights[first:first + blocklimit]
        mini_ids = array("I", (ids[0], *map(sub, ids[1:], ids)))  # W3 reads the deltas by iterating
        mini_weights = _minify_weights(block_weights)
        if fixed == 0:
            mini_values: Any = None
        elif values is None:  # kb's frequency-only fields: the packed counts
            mini_values = struct.pack(f"!{len(ids)}I", *map(int, block_weights))
        elif fixed is None or fixed < 0:
            mini_values = PackedValues.pack(values[first:first + blocklimit])
        else:
            mini_values = b"".join(values[first:first + blocklimit])
        data = dumps((mini_ids, mini_weights, mini_values), PROTOCOL)
        minlength, maxlength = _find_length_bytes(ids, lengths)
        info = dumps((len(ids), ids[-1], float(max(block_weights)), 0, minlength, maxlength), 2)  # 0: not compressed
        size = len(info) + len(data)
        out.write(_BLOCK_LENGTH.pack(-size if first + blocklimit >= n else size) + info + data)
    return _encode_info(False, docs, weights, lengths) + _EXTENT.pack(start, out.pos - start)
