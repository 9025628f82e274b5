"""Pool runs: a full PostingPool spilled to a file, and the merge that writes one segment.

A build keeps one segment open whatever its size. When the pool is full (`POOL_MB` in
kb.search.builder) its terms are encoded as the segment will hold them (kb.search.codec:
posting blocks in a run's postings file, each term's term-table value in its term list) and
the pool starts again; documents keep their numbers. When the segment is written, what is
left in the pool becomes the last run and the runs are merged field by field, term by term,
in key order. A term in one run is copied as it is; the parts of a term in several runs (each
holding later documents than the one before) have their blocks concatenated, parts inlined
in the term list encoded as blocks first, or, when every part was inlined, their postings are
joined and encoded once.

One segment per build matters to readers: a query reads each of its words once per segment
(on the cgroups epoch, 7 segments instead of 1 doubled the slowest queries' time).

Run files live in a `kb-runs-*` directory inside the index directory while the writer holds
whoosh's write lock; one left behind by a killed build is removed by the next writer.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
from collections.abc import Mapping
from itertools import chain
from pathlib import Path
from pickle import dumps, loads
from typing import Any, BinaryIO

from whoosh.fields import Schema

from kb.search.codec import (
    PROTOCOL, Appender, FieldCoding, MemoryFile, TermTable, encode_blocks, encode_term, find_field_coding,
)
from kb.search.joining import decode_inlined, is_inlined, join_blocks, move_extent, read_extent
from kb.search.pool import PostingPool, TermPostings

RUNS_PREFIX = "kb-runs-"
_LENGTH = struct.Struct("<Q")  # before each field's record in a run's term list

FieldTerms = tuple[str, list[bytes], list[bytes]]  # field, its terms in key order, their term-table values


def remove_stale_runs(folder: Path) -> None:
    """Run directories of a build that did not finish (call with the write lock held)."""
    for stale in folder.glob(RUNS_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


class RunFiles:
    """The runs of the segment being built, oldest first: (term list, postings file) pairs."""

    def __init__(self, folder: Path, schema: Schema, blocklimit: int) -> None:
        self.folder = folder
        self.schema = schema
        self.blocklimit = blocklimit
        self.directory: Path | None = None
        self.paths: list[tuple[Path, Path]] = []

    def spill(self, pool: PostingPool) -> None:
        """Encode every term of `pool` into a new run (the caller starts a new pool)."""
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix=RUNS_PREFIX, dir=self.folder))
        terms_path = self.directory / f"{len(self.paths)}.terms"
        postings_path = self.directory / f"{len(self.paths)}.postings"
        with open(terms_path, "wb") as terms_file, open(postings_path, "wb") as postings_file:
            posts = Appender(postings_file)
            for field in sorted(pool.fields):
                coding = find_field_coding(self.schema, field, pool.lengths)
                keys: list[bytes] = []
                values: list[bytes] = []
                for term in pool.iter_terms(field):
                    keys.append(term.btext)
                    values.append(encode_term(posts, term, coding, self.blocklimit))
                record = dumps((field, keys, values), PROTOCOL)
                terms_file.write(_LENGTH.pack(len(record)) + record)
            posts.flush()
        self.paths.append((terms_path, postings_path))

    def write(self, fieldwriter: Any, lengths: Mapping[str, Any]) -> None:
        """The segment's term table and postings, merged from the runs."""
        table = TermTable(fieldwriter, self.schema, lengths)
        opened = [(open(terms, "rb"), open(postings, "rb")) for terms, postings in self.paths]
        try:
            heads = [_read_field(terms) for terms, _ in opened]
            while any(heads):
                field = min(head[0] for head in heads if head is not None)
                parts: list[tuple[BinaryIO, list[bytes], list[bytes]]] = []
                for n, head in enumerate(heads):
                    if head is not None and head[0] == field:
                        parts.append((opened[n][1], head[1], head[2]))
                        heads[n] = _read_field(opened[n][0])
                _merge_field(table, field, parts, self.blocklimit)
        finally:
            for terms, postings in opened:
                terms.close()
                postings.close()
        table.close()

    def remove(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        self.paths = []


def _read_field(terms: BinaryIO) -> FieldTerms | None:
    header = terms.read(_LENGTH.size)
    return loads(terms.read(_LENGTH.unpack(header)[0])) if header else None


def _merge_field(table: TermTable, field: str, parts: list[tuple[BinaryIO, list[bytes], list[bytes]]],
                 blocklimit: int) -> None:
    """One field's terms of several runs into the table, in key order."""
    coding = table.start_field(field)
    places: dict[bytes, list[tuple[BinaryIO, bytes]]] = {}
    for postings, keys, values in parts:
        for key, value in zip(keys, values):
            found = places.get(key)
            if found is None:
                places[key] = [(postings, value)]
            else:
                found.append((postings, value))
    out = table.posts
    for key in sorted(places):
        found = places[key]
        if len(found) == 1:
            postings, value = found[0]
            if not is_inlined(value):  # copy the blocks, point the term at the copy
                start = out.pos
                out.write(_read_postings(postings, value))
                value = move_extent(value, start)
        elif all(is_inlined(value) for _, value in found):  # few postings in each run: encoded again
            terms = [decode_inlined(key, value, coding.fixed) for _, value in found]
            value = encode_term(out, _join_terms(key, terms), coding, blocklimit)
        else:
            value = join_blocks(out, [_to_blocks(key, postings, value, coding, blocklimit) for postings, value in found], blocklimit)
        table.add(key, value)


def _join_terms(key: bytes, terms: list[TermPostings]) -> TermPostings:
    docs = list(chain.from_iterable(term.docs for term in terms))
    weights = list(chain.from_iterable(term.weights for term in terms))
    values = None if terms[0].values is None else list(chain.from_iterable(term.values for term in terms))  # type: ignore[arg-type]
    return TermPostings(key, docs, weights, values)


def _to_blocks(key: bytes, postings: BinaryIO, value: bytes, coding: FieldCoding, blocklimit: int) -> tuple[bytes, bytes]:
    """(term-table value, posting bytes) of a term's part in one run, in blocks."""
    if not is_inlined(value):
        return value, _read_postings(postings, value)
    scratch = MemoryFile()
    out = Appender(scratch)
    value = encode_blocks(out, decode_inlined(key, value, coding.fixed), coding, blocklimit)
    out.flush()
    return value, bytes(scratch.data)


def _read_postings(postings: BinaryIO, value: bytes) -> bytes:
    offset, length = read_extent(value)
    postings.seek(offset)
    return postings.read(length)
