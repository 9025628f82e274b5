"""The layout of whoosh's W3 terms and postings files as kb writes them (kb.search.encoder, for
kb.search.adapter's fast path).

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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from hashlib import md5
from itertools import chain
from io import BytesIO
from pickle import load
from typing import Any

import numpy as np

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import Schema
from whoosh.util.numeric import length_to_byte


INLINE_MAX = 4
BLOCK_POSTINGS = 1 << 16
FLUSH_BYTES = 1 << 20
PROTOCOL = 5  # blocks' pickles: arrays and bytes as they are (protocol 2 spells arrays out as lists)

TERM_INFO = W3TermInfo._struct  # W3's term info header
_LENGTHS = struct.Struct("!ii")  # filetables: key and value length before each entry
EXTENT = struct.Struct("!qi")  # offset and length of postings outside the term table
BLOCK_LENGTH = struct.Struct("!i")  # before each posting block; negative for a term's last
_FIELD_ID = struct.Struct("!H")
_POINTER = np.dtype([("hash", ">u4"), ("position", ">i8")])  # a hash table slot (filetables._pointer)


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


class PackedValues:
    """A block's variable-size values (positions) as one bytes object and their end offsets.

    W3's reader only indexes a block's values (`values[i]`), so this stands in for its tuple
    of bytes: unpickling it is two copies instead of one object per posting."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: array) -> None:
        self.blob = blob
        self.ends = ends

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
        self.starts = array("q")  # each term's position in the term table
        self.hashes = array("Q")  # and its key's hash (HashWriter keeps a tuple per term)
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
        self.starts.append(self.terms_out.pos)
        self.hashes.append(self.hashfn(key))
        self.terms_out.write(_LENGTHS.pack(len(key), len(value)) + key + value)

    def close(self) -> None:
        """Write the hash tables after the terms (what HashWriter's close would write there from
        its buckets); the field writer's close writes the rest."""
        self.posts.flush()
        tindex = self.tindex
        tindex.directory.extend(_write_hash_tables(self.terms_out, self.hashes, self.starts))
        tindex._write_hashes = lambda: None  # written
        self.terms_out.flush()
        tindex.index.extend(self.starts)
        if self.key:
            tindex.lastkey = self.key


def _write_hash_tables(out: Appender, hashes: array, starts: array) -> list[tuple[int, int]]:
    """HashWriter._write_hashes: per bucket (a hash's low byte) a table of twice its entries'
    slots, each entry at (hash >> 8) modulo the slots or the next free slot (in order of
    addition), as (hash, position) pairs, empty slots (0, 0); returns (position, slots) per bucket."""
    hashed = np.frombuffer(hashes, np.uint64)
    order = np.argsort(hashed & 255, kind="stable")
    bounds = np.searchsorted(hashed[order] & 255, np.arange(257)).tolist()
    directory = []
    positions = np.frombuffer(starts, np.int64)
    for bucket in range(256):
        entries = order[bounds[bucket]:bounds[bucket + 1]]
        slots = 2 * len(entries)
        taken = bytearray(slots)
        placed = []
        for hash_value in hashed[entries].tolist():
            slot = (hash_value >> 8) % slots
            while taken[slot]:
                slot = (slot + 1) % slots
            taken[slot] = 1
            placed.append(slot)
        table = np.zeros(slots, _POINTER)
        table["hash"][placed] = hashed[entries]
        table["position"][placed] = positions[entries]
        directory.append((out.pos, slots))
        out.write(table.tobytes())
    return directory


def find_field_coding(schema: Schema, field: str, lengths: Mapping[str, Any]) -> FieldCoding:
    return FieldCoding(schema[field].format.fixed_value_size(), _to_length_bytes(lengths.get(field)))


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
