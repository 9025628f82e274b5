"""Pool runs: a full PostingPool spilled to a file, and the merge that writes one segment.

A build keeps one segment open whatever its size. When the pool is full (`POOL_MB` in
kb.search.builder) each of its fields is handed over as arrays (`FieldPostings`) and written to
a run file, and the pool starts again; documents keep their numbers. When the segment is
written, what is left in the pool becomes the last run, and the runs are read back field by
field: a field's parts (each run holding later documents than the one before) are merged into
one FieldPostings, a term's postings in run order, by numpy gathers, and encoded once
(kb.search.encoder), as a build that never spilled encodes its pool.

One segment per build matters to readers: a query reads each of its words once per segment
(on the cgroups epoch, 7 segments instead of 1 doubled the slowest queries' time).

A second process of the build (kb.search.split) writes runs of its own documents, numbered
from 0; the build adopts them after its own runs, with the offset its documents start at.

Run files live in a `kb-runs-*` directory inside the index directory while the writer holds
whoosh's write lock; one left behind by a killed build is removed by the next writer.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from pickle import dumps, loads
from typing import BinaryIO

import numpy as np

from kb.search.codec import PROTOCOL
from kb.search.encoder import find_chunk_end
from kb.search.pool import FieldPostings, PostingPool, gather_bytes, gather_index

RUNS_PREFIX = "kb-runs-"
_LENGTH = struct.Struct("<Q")  # before each field's header in a run


def remove_stale_runs(folder: Path) -> None:
    """Run directories of a build that did not finish (call with the write lock held)."""
    for stale in folder.glob(RUNS_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


class RunFiles:
    """The runs of the segment being built, oldest first (see `write_run`)."""

    def __init__(self, folder: Path, directory: Path | None = None) -> None:
        self.folder = folder
        self.directory = directory  # made on the first spill when None
        self.paths: list[Path] = []
        self.offsets: list[int] = []  # added to each run's document numbers
        self.adopted: list[Path] = []  # other processes' run directories (kb.search.split)

    def spill(self, pool: PostingPool) -> None:
        """Move every field of `pool` into a new run (the caller starts a new pool)."""
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix=RUNS_PREFIX, dir=self.folder))
        path = self.directory / f"{len(self.paths)}.run"
        write_run(path, pool.pop_fields())
        self.paths.append(path)
        self.offsets.append(0)

    def adopt(self, directory: Path, paths: Iterable[Path], offset: int) -> None:
        """Runs written by another process, their documents numbered from `offset` on (after
        every run so far); `directory` goes with this build's own runs."""
        self.adopted.append(directory)
        for path in paths:
            self.paths.append(path)
            self.offsets.append(offset)

    def iter_merged(self) -> Iterator[tuple[str, Iterator[FieldPostings]]]:
        """Every field of the runs in name order, its parts merged a chunk of terms at a time."""
        opened = [open(path, "rb") for path in self.paths]
        try:
            heads = [_read_part(run, offset) for run, offset in zip(opened, self.offsets)]
            while any(heads):
                field = min(head.field for head in heads if head is not None)
                parts = [head for head in heads if head is not None and head.field == field]
                yield field, iter_merged_chunks(parts)
                heads = [_read_part(run, offset, head.end) if head is not None and head.field == field else head
                         for head, run, offset in zip(heads, opened, self.offsets)]
        finally:
            for run in opened:
                run.close()

    def remove(self) -> None:
        for directory in [self.directory, *self.adopted]:
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)
        self.directory = None
        self.paths, self.offsets, self.adopted = [], [], []


def write_run(path: Path, fields: Iterable[tuple[str, FieldPostings]]) -> None:
    """A run file: per field (in name order) the length of a header, the header (field, its
    keys, postings per term, the weights' dtype, value bytes per term or None), then the
    arrays as they are: documents, weights, value lengths, values."""
    with open(path, "wb") as run:
        for field, postings in fields:
            counts = postings.counts
            term_bytes = None
            if postings.values is not None and postings.value_lengths is not None:
                term_bytes = np.add.reduceat(postings.value_lengths, np.cumsum(counts) - counts, dtype=np.int64)
            header = dumps((field, postings.keys, counts, postings.weights.dtype.str, term_bytes), PROTOCOL)
            run.write(_LENGTH.pack(len(header)) + header)
            for data in (postings.docs, postings.weights, postings.value_lengths, postings.values):
                if data is not None:
                    run.write(data)


def _read_part(run: BinaryIO, doc_offset: int, at: int = 0) -> _StoredPart | None:
    """The header of the field record at `at` (its documents numbered from `doc_offset`); None
    at the end of the run."""
    run.seek(at)
    size = run.read(_LENGTH.size)
    if not size:
        return None
    field, keys, counts, dtype, term_bytes = loads(run.read(_LENGTH.unpack(size)[0]))
    return _StoredPart(run, field, keys, counts, np.dtype(dtype), term_bytes, run.tell(), doc_offset)


class _StoredPart:
    """One field of one run, its arrays left in the file until a range of its terms is taken."""

    def __init__(self, run: BinaryIO, field: str, keys: list[bytes], counts: np.ndarray, dtype: np.dtype,
                 term_bytes: np.ndarray | None, offset: int, doc_offset: int = 0) -> None:
        self.fd = run.fileno()
        self.doc_offset = doc_offset
        self.field = field
        self.keys: list[bytes] | None = keys
        self.counts = counts
        self.dtype = dtype
        self.starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
        total = self.starts[-1]
        self.docs_at = offset
        self.weights_at = offset + 4 * total
        self.lengths_at = self.weights_at + dtype.itemsize * total
        self.byte_starts = None if term_bytes is None else np.concatenate([[0], np.cumsum(term_bytes)]).tolist()
        self.values_at = self.lengths_at + (0 if term_bytes is None else 4 * total)
        self.end = self.values_at + (0 if self.byte_starts is None else self.byte_starts[-1])

    def take(self, low: int, high: int) -> FieldPostings:
        """Terms low..high-1, read from the run."""
        a, z = self.starts[low], self.starts[high]
        docs = self._read(self.docs_at + 4 * a, 4 * (z - a), np.uint32)
        if self.doc_offset:
            docs = docs + np.uint32(self.doc_offset)
        weights = self._read(self.weights_at + self.dtype.itemsize * a, self.dtype.itemsize * (z - a), self.dtype)
        if self.byte_starts is None:
            return FieldPostings([], self.counts[low:high], docs, weights, None, None)
        lengths = self._read(self.lengths_at + 4 * a, 4 * (z - a), np.uint32)
        first, last = self.byte_starts[low], self.byte_starts[high]
        values = self._read_bytes(self.values_at + first, last - first)
        return FieldPostings([], self.counts[low:high], docs, weights, values, lengths)

    def _read(self, at: int, size: int, dtype: np.dtype | type) -> np.ndarray:
        return np.frombuffer(self._read_bytes(at, size), dtype)

    def _read_bytes(self, at: int, size: int) -> bytes:
        data = os.pread(self.fd, size, at)
        if len(data) != size:
            raise OSError(f"run file ends early at {at}")
        return data


def iter_merged_chunks(parts: list[_StoredPart]) -> Iterator[FieldPostings]:
    """One field's parts (each part's documents after the previous part's) merged: the terms of
    all parts in key order, a term's postings part after part, in chunks of whole terms
    (`find_chunk_end`: only a chunk of the field is in memory at a time)."""
    keys = sorted(set().union(*(part.keys or () for part in parts)))
    number = {key: n for n, key in enumerate(keys)}
    part_terms = []
    for part in parts:
        part_terms.append(np.fromiter(map(number.__getitem__, part.keys or ()), np.int64, len(part.counts)))
        part.keys = None  # the merged keys are enough from here
    del number
    counts = np.zeros(len(keys), np.int64)
    for terms, part in zip(part_terms, parts):
        counts[terms] += part.counts
    ends = np.cumsum(counts)
    first = 0
    while first < len(keys):
        stop = find_chunk_end(ends, first, int(ends[first] - counts[first]))
        pieces = []
        for terms, part in zip(part_terms, parts):
            low, high = np.searchsorted(terms, [first, stop]).tolist()
            if low < high:
                pieces.append((terms[low:high] - first, part.take(low, high)))
        yield _merge_pieces(keys[first:stop], pieces)
        first = stop


def _merge_pieces(keys: list[bytes], pieces: list[tuple[np.ndarray, FieldPostings]]) -> FieldPostings:
    """Pieces of parts as one FieldPostings of `keys`: each piece's terms given as numbers into
    `keys`, a term's postings piece after piece."""
    if len(pieces) == 1:
        _, piece = pieces[0]
        return FieldPostings(keys, piece.counts, piece.docs, piece.weights, piece.values, piece.value_lengths)
    # a segment = one term's postings in one piece; ordered by term, pieces in order (stable)
    seg_term = np.concatenate([terms for terms, _ in pieces])
    seg_count = np.concatenate([piece.counts for _, piece in pieces])
    order = np.argsort(seg_term, kind="stable")
    counts = np.bincount(seg_term, weights=seg_count, minlength=len(keys)).astype(np.int64)
    take = gather_index((np.cumsum(seg_count) - seg_count)[order], seg_count[order])
    docs = np.concatenate([piece.docs for _, piece in pieces])[take]
    weights = np.concatenate([piece.weights for _, piece in pieces])[take]
    if pieces[0][1].values is None:
        return FieldPostings(keys, counts, docs, weights, None, None)
    lengths = np.concatenate([piece.value_lengths for _, piece in pieces])  # type: ignore[misc]
    blob = np.frombuffer(b"".join(piece.values for _, piece in pieces), np.uint8)  # type: ignore[misc]
    seg_bytes = np.add.reduceat(lengths, np.cumsum(seg_count) - seg_count, dtype=np.int64)
    values = gather_bytes(blob, (np.cumsum(seg_bytes) - seg_bytes)[order], seg_bytes[order])
    return FieldPostings(keys, counts, docs, weights, values, lengths[take])
