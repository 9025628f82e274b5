"""A field's postings encoded whole (kb.search.encoder) and merged from runs (kb.search.runs):
read back as W3's reader walks them, they are the postings that went in, with their statistics."""

from __future__ import annotations

import io
import pickle
import random
import struct
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.util.numeric import byte_to_length

from kb.search import encoder, runs
from kb.search.codec import EXTENT, TERM_INFO, Appender, FieldCoding
from kb.search.pool import FieldPostings

Posting = tuple[int, float, Any]  # doc, weight, value


def make_postings(rng: random.Random, terms: int, docs: int, kind: str) -> dict[bytes, list[Posting]]:
    """Term -> postings in doc order: a few common terms, many rare ones (inlined)."""
    out = {}
    for n in range(terms):
        share = 0.9 if n % 7 == 0 else 0.02
        chosen = [d for d in range(docs) if rng.random() < share] or [rng.randrange(docs)]
        out[b"t%03d" % n] = [(d, *make_weight_value(rng, kind)) for d in chosen]
    return out


def make_weight_value(rng: random.Random, kind: str) -> tuple[float, Any]:
    count = rng.choice([1, 1, 1, 2, 3, 300]) if kind != "raw" else rng.choice([1.0, 2.5])
    if kind == "positions":
        return count, bytes(rng.randrange(256) for _ in range(2 * rng.randrange(1, 4)))
    if kind == "fixed":
        return count, bytes([rng.randrange(256), 7])
    return count, None


def to_field(postings: dict[bytes, list[Posting]], kind: str) -> FieldPostings:
    keys = sorted(postings)
    flat = [p for key in keys for p in postings[key]]
    weights = np.array([w for _, w, _ in flat], np.float64 if kind == "raw" else np.uint32)
    values = [v for _, _, v in flat] if kind in ("positions", "fixed") else None
    return FieldPostings(keys, np.array([len(postings[k]) for k in keys], np.int64),
                         np.array([d for d, _, _ in flat], np.uint32), weights,
                         None if values is None else b"".join(values),
                         None if values is None else np.array([len(v) for v in values], np.uint32))


class RecordingTable:
    """What encode_field needs of a TermTable: the postings file and the terms added."""

    def __init__(self) -> None:
        self.sink = io.BytesIO()
        self.posts = Appender(self.sink)
        self.terms: dict[bytes, bytes] = {}

    def add(self, key: bytes, value: bytes) -> None:
        assert not self.terms or key > max(self.terms)
        self.terms[key] = value


def read_term(value: bytes, postings: bytes, fixed: int | None) -> tuple[list[Posting], tuple[Any, ...]]:
    """A term's postings, as W3's reader walks an inlined value or its blocks, and its statistics."""
    info = W3TermInfo.from_bytes(value)
    stats = (info.doc_frequency(), info.weight(), info.max_weight(), info.min_id(), info.max_id(),
             info.min_length(), info.max_length())
    if value[0]:
        docs, weights, values = pickle.loads(value[TERM_INFO.size:])
        return [(d, w, v) for d, w, v in zip(docs, weights, values)], stats
    offset, length = EXTENT.unpack_from(value, TERM_INFO.size)
    stream = io.BytesIO(postings[offset:offset + length])
    assert stream.read(4) == WHOOSH3_HEADER_MAGIC
    out: list[Posting] = []
    while True:
        size = struct.unpack("!i", stream.read(4))[0]
        block = io.BytesIO(stream.read(abs(size)))
        count, last, _maxweight, compressed, _minlength, _maxlength = pickle.load(block)
        ids, weights, values = pickle.load(block)
        assert compressed == 0 and len(ids) == count
        docs = list(accumulate(ids))
        assert docs[-1] == last
        if weights is None or isinstance(weights, float):  # all 1, or all equal
            weights = [1.0 if weights is None else weights] * count
        if values is None:
            values = [None] * count
        elif fixed:  # fixed-size values: one bytes object, W3 slices it
            values = [values[n * fixed:(n + 1) * fixed] for n in range(count)]
        else:
            values = list(values)
        out += zip(docs, weights, values)
        if size < 0:
            break
    assert stream.read() == b""
    return out, stats


def expected_term(postings: list[Posting], kind: str, lengths: bytes | None) -> tuple[list[Posting], tuple[Any, ...]]:
    weights = [w for _, w, _ in postings]
    have = [byte_to_length(lengths[d]) for d, _, _ in postings] if lengths else [0]  # as W3TermInfo reads them
    if kind == "none":
        postings = [(d, w, None) for d, w, _ in postings]
    elif kind == "counts":  # W3's Frequency value: the packed count
        postings = [(d, w, struct.pack("!I", int(w))) for d, w, _ in postings]
    return postings, (len(postings), float(sum(weights)), float(max(weights)), postings[0][0], postings[-1][0],
                      min(have), max(have))


FIXED = {"positions": None, "fixed": 2, "none": 0, "counts": 4, "raw": 0}


def encode_and_read(field: FieldPostings, kind: str, block: int, lengths: bytes | None) -> dict[bytes, Any]:
    table = RecordingTable()
    encoder.encode_field(table, field, FieldCoding(FIXED[kind], lengths), block)  # type: ignore[arg-type]
    table.posts.flush()
    return {key: read_term(value, table.sink.getvalue(), FIXED[kind]) for key, value in table.terms.items()}


def normalise(read: dict[bytes, Any]) -> dict[bytes, Any]:
    """Weights as floats (an inlined term keeps the pool's ints), statistics as float32 reads them."""
    return {key: ([(d, float(w), v) for d, w, v in postings], stats) for key, (postings, stats) in read.items()}


@pytest.mark.parametrize("kind", list(FIXED))
@pytest.mark.parametrize("block", [3, 1 << 16])
@pytest.mark.parametrize("chunk", [(2, 100), (50, 100), (1 << 18, 3), (1 << 18, 1 << 14)])  # postings, terms
@pytest.mark.parametrize("with_lengths", [False, True])
def test_a_field_reads_back_as_its_postings(monkeypatch: pytest.MonkeyPatch, kind: str, block: int,
                                            chunk: tuple[int, int], with_lengths: bool) -> None:
    monkeypatch.setattr(encoder, "CHUNK_POSTINGS", chunk[0])
    monkeypatch.setattr(encoder, "CHUNK_TERMS", chunk[1])
    rng = random.Random(f"{kind}{block}{chunk}")
    postings = make_postings(rng, 40, 60, kind)
    lengths = bytes(rng.randrange(1, 256) for _ in range(60)) if with_lengths else None
    want = {key: expected_term(p, kind, lengths) for key, p in postings.items()}
    assert any(len(p) > 3 * 3 for p in postings.values()) and any(len(p) <= 4 for p in postings.values())
    assert normalise(encode_and_read(to_field(postings, kind), kind, block, lengths)) == normalise(want)


def split_into_runs(postings: dict[bytes, list[Posting]], cuts: list[int]) -> list[dict[bytes, list[Posting]]]:
    """The postings of documents [0, cut1), [cut1, cut2) ... as separate pools' worth."""
    bounds = list(zip([0, *cuts], [*cuts, 10**9]))
    return [{key: [p for p in plist if a <= p[0] < b] for key, plist in postings.items()
             if any(a <= p[0] < b for p in plist)} for a, b in bounds]


@pytest.mark.parametrize("kind", ["positions", "counts", "raw"])
@pytest.mark.parametrize("cuts", [[30], [1, 2, 59], [10, 20, 30, 40, 50]])
@pytest.mark.parametrize("chunk", [2, 1 << 18])
def test_runs_merge_into_the_field_encoded_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
                                                 cuts: list[int], chunk: int) -> None:
    monkeypatch.setattr(encoder, "CHUNK_POSTINGS", chunk)  # the runs' merge cuts its chunks the same way
    rng = random.Random(f"{kind}{cuts}")
    postings = make_postings(rng, 30, 60, kind)
    files = runs.RunFiles(tmp_path)
    for n, (run, first) in enumerate(zip(split_into_runs(postings, cuts), [0, *cuts])):
        # each run numbers its documents from 0 (as another process's runs do), adopted at its offset
        local = {key: [(p[0] - first, *p[1:]) for p in plist] for key, plist in run.items()}
        path = tmp_path / f"{n}.run"
        runs.write_run(path, [("a", to_field(local, kind)), ("b", to_field(local, kind))])
        files.adopt(tmp_path / "adopted", [path], first)
    assert len(files.paths) == len(cuts) + 1
    table = RecordingTable()
    merged_fields = [(field, list(pieces)) for field, pieces in files.iter_merged()]
    assert [field for field, _ in merged_fields] == ["a", "b"]
    chunks = merged_fields[1][1]
    assert chunk > 100 or len(chunks) > 3  # small chunks: the field is never merged whole
    for piece in chunks:
        encoder.encode_field(table, piece, FieldCoding(FIXED[kind], None), 1 << 16)  # type: ignore[arg-type]
    whole = encode_and_read(to_field(postings, kind), kind, 1 << 16, None)
    table.posts.flush()
    merged = {key: read_term(value, table.sink.getvalue(), FIXED[kind]) for key, value in table.terms.items()}
    assert merged == whole and len(merged) == len(postings)
