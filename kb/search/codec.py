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
- blocks hold up to BLOCK_POSTINGS postings (W3 writes 128) and are not compressed: on the
  cgroups epoch every term is one block. Each block read costs a seek, a header unpickle and
  array setup whatever its size, and kb reads a term's postings whole (or the blocks of the
  documents it wants): with one segment, 65,536-posting blocks answered the bench's queries
  at p95 10-13 ms where 512-posting blocks took 17-22 ms, and 128-posting zlib blocks (W3's
  own) more than twice that. The index is larger than zlib's (about 270 MB against 245 MB for
  the epoch); W3's reader takes any block size, and a block records that it is uncompressed.

Written against whoosh-reloaded 2.7.5 (`kb.search.adapter.WRITTEN_FOR`); the adapter calls
this only when `is_fast_path_usable()`.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from hashlib import md5
from itertools import accumulate, chain, groupby
from operator import itemgetter, sub
from io import BytesIO
from pickle import dumps, load
from typing import Any

import numpy as np

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import Schema
from whoosh.util.numeric import length_to_byte

from kb.search.pool import TermPostings

INLINE_MAX = 4
BLOCK_POSTINGS = 1 << 16
FLUSH_BYTES = 1 << 20
PROTOCOL = 5  # blocks' pickles: arrays and bytes as they are (protocol 2 spells arrays out as lists)

TERM_INFO = W3TermInfo._struct  # W3's term info header
_LENGTHS = struct.Struct("!ii")  # filetables: key and value length before each entry
EXTENT = struct.Struct("!qi")  # offset and length of postings outside the term table
BLOCK_LENGTH = struct.Struct("!i")  # before each posting block; negative for a term's last
_FIELD_ID = struct.Struct("!H")
_UINT = struct.Struct("!I")


class Appender:
    """Buffered appends to a file (a whoosh StructFile, a run's postings) whose position is
    counted, not asked for."""

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


class MemoryFile:
    """An in-memory file for an Appender (one term's blocks)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def tell(self) -> int:
        return len(self.data)

    def write(self, chunk: bytes) -> None:
        self.data += chunk


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

    @classmethod
    def join(cls, parts: Sequence[PackedValues]) -> PackedValues:
        """The values of `parts`, one after another."""
        ends = array("I", parts[0].ends)
        shift = len(parts[0].blob)
        for part in parts[1:]:
            if len(part.ends) < 64:  # most terms: numpy's set-up costs more than the loop
                ends.extend([end + shift for end in part.ends])
            else:
                ends.frombytes((np.frombuffer(part.ends, np.uint32) + np.uint32(shift)).tobytes())
            shift += len(part.blob)
        return cls(b"".join(part.blob for part in parts), ends)

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


@dataclass(frozen=True)
class FieldCoding:
    """What encoding a field's terms needs: its values' fixed size (0: none, None: variable) and
    each document's field length byte (None for fields without lengths)."""

    fixed: int | None
    lengths: bytes | None


class TermTable:
    """The W3 field writer's term table and postings file, written by kb: fields in name order,
    each field's terms in key order."""

    def __init__(self, fieldwriter: Any, schema: Schema, lengths: Mapping[str, Any]) -> None:
        self.tindex = fieldwriter._tindex
        self.hashfn = _hash_md5_low32 if self.tindex.hashtype == 0 else self.tindex.hashfn
        self.fieldmap = fieldwriter._fieldmap
        self.terms_out, self.posts = Appender(self.tindex.dbfile), Appender(fieldwriter._postfile)
        self.schema = schema
        self.lengths = lengths
        self.starts: list[int] = []
        self.key = b""
        self.prefix = b""

    def start_field(self, field: str) -> FieldCoding:
        if field in self.fieldmap:
            raise ValueError(f"field {field} written twice")
        self.prefix = _FIELD_ID.pack(len(self.fieldmap))
        self.fieldmap[field] = len(self.fieldmap)
        return find_field_coding(self.schema, field, self.lengths)

    def add(self, btext: bytes, value: bytes) -> None:
        """A term of the current field and its term-table value (its blocks already in `posts`)."""
        self.key = key = self.prefix + btext
        pos = self.terms_out.pos
        self.starts.append(pos)
        hashed = self.hashfn(key)
        self.tindex.buckets[hashed & 255].append((hashed, pos))
        self.terms_out.write(_LENGTHS.pack(len(key), len(value)) + key + value)

    def close(self) -> None:
        self.terms_out.flush()
        self.posts.flush()
        self.tindex.index.extend(self.starts)
        if self.key:
            self.tindex.lastkey = self.key


def find_field_coding(schema: Schema, field: str, lengths: Mapping[str, Any]) -> FieldCoding:
    return FieldCoding(schema[field].format.fixed_value_size(), _to_length_bytes(lengths.get(field)))


def write_segment_postings(fieldwriter: Any, terms: Iterable[tuple[str, TermPostings]], schema: Schema,
                           lengths: Mapping[str, Any], blocklimit: int) -> None:
    """Every (field, term) of `terms` (fields in name order, each field's terms in key order) into
    the W3 field writer's term table and postings file. `lengths`: each scorable field's token
    count per document."""
    table = TermTable(fieldwriter, schema, lengths)
    for field, field_terms in groupby(terms, key=itemgetter(0)):
        coding = table.start_field(field)
        for _, term in field_terms:
            table.add(term.btext, encode_term(table.posts, term, coding, blocklimit))
    table.close()


def encode_term(out: Appender, term: TermPostings, coding: FieldCoding, blocklimit: int) -> bytes:
    """The term's term-table value; its posting blocks (unless inlined) are appended to `out`."""
    if len(term.docs) <= INLINE_MAX:
        return _encode_inlined(term.docs, term.weights, term.values, coding.fixed, coding.lengths)
    return encode_blocks(out, term, coding, blocklimit)


def encode_blocks(out: Appender, term: TermPostings, coding: FieldCoding, blocklimit: int) -> bytes:
    """The term's term-table value with its postings in blocks (never inlined) appended to `out`."""
    _, docs, weights, values = term
    return _write_blocks(out, docs, weights, values, coding.fixed, coding.lengths, blocklimit)


def iter_blocks(postings: bytes) -> Iterator[tuple[tuple[Any, ...], int, int]]:
    """A term's posting blocks as W3 lays them out (after its magic header, per block a length,
    negative for the last; a header pickle; the data pickle, zlib-compressed when the header's
    fourth item says so): each block's header and the [start, end) of its data in `postings`."""
    stream = BytesIO(postings)
    stream.seek(len(WHOOSH3_HEADER_MAGIC))
    while True:
        size = BLOCK_LENGTH.unpack(stream.read(BLOCK_LENGTH.size))[0]
        end = stream.tell() + abs(size)
        header = load(stream)
        yield header, stream.tell(), end
        if size < 0:
            return
        stream.seek(end)


def _find_length_bytes(docs: list[int], lengths: bytes | None) -> tuple[int, int]:
    """(min, max) field length byte of these documents (0: none recorded; see `_to_length_bytes`).

    A scorable field's length is recorded for every document holding one of its terms.
    """
    if lengths is None:
        return 0, 0
    have = list(map(lengths.__getitem__, docs))
    return min(have), max(have)


def _to_length_bytes(lengths: Any) -> bytes | None:
    """Each document's field length (an array "I") as W3's length byte (monotonic, so min/max
    commute with it), looked up in a table of every length below the last byte's."""
    if lengths is None:
        return None
    table = _length_byte_table()
    return table[np.minimum(np.frombuffer(lengths, np.uint32), len(table) - 1)].tobytes()


@lru_cache(maxsize=1)
def _length_byte_table() -> np.ndarray:
    """length_to_byte(n) at index n, up to the first length that maps to 255 (and all above it)."""
    top = next(n for n in range(100_000, 120_000) if length_to_byte(n) == 255)
    return np.array([length_to_byte(n) for n in range(top + 1)], np.uint8)


def _encode_info(inlined: bool, docs: list[int], weights: list[float], lengths: Any) -> bytes:
    minlength, maxlength = _find_length_bytes(docs, lengths)
    return TERM_INFO.pack(inlined, sum(weights), len(docs), minlength, maxlength, max(weights), docs[0], docs[-1])


def _encode_inlined(docs: list[int], weights: list[float], values: Sequence[Any] | None, fixed: int | None, lengths: Any) -> bytes:
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
    if type(first) is int and set(map(type, weights)) == {int} and 0 <= min(weights) and max(weights) < 256:  # noqa: E721
        return bytes(weights)
    return tuple(map(float, weights))


def _write_blocks(out: Appender, docs: list[int], weights: list[float], values: Sequence[bytes] | None, fixed: int | None,
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
        out.write(BLOCK_LENGTH.pack(-size if first + blocklimit >= n else size) + info + data)
    return _encode_info(False, docs, weights, lengths) + EXTENT.pack(start, out.pos - start)
