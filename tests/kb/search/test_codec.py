"""The segment writer's block contents: what W3's reader does with them must still work."""

from __future__ import annotations

import io
import pickle
import struct
from array import array
from itertools import accumulate

import pytest

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.util.numeric import length_to_byte

from kb.search.codec import (
    PROTOCOL, Appender, FieldCoding, MemoryFile, PackedValues, _minify_weights, _to_length_bytes, encode_blocks,
)
from kb.search.joining import _join_weights, join_blocks, read_extent
from kb.search.pool import TermPostings


@pytest.mark.parametrize("values", [[b"\x01\x00"], [b"ab", b"", b"cdef", b"g"], [bytes([n]) * n for n in range(1, 130)]])
def test_packed_values_index_and_iterate_like_the_tuple_they_replace(values: list[bytes]) -> None:
    packed = pickle.loads(pickle.dumps(PackedValues.pack(values), PROTOCOL))
    assert len(packed) == len(values)
    assert [packed[i] for i in range(len(values))] == values
    assert list(packed) == values
    assert packed[-1] == values[-1]


@pytest.mark.parametrize("weights, minified", [
    ([1.0, 1.0], None),  # W3: None means every weight is 1
    ([3, 3], 3.0),  # one float: all equal
    ([1, 2, 255], b"\x01\x02\xff"),  # whole counts below 256: one byte each
    ([1, 256], (1.0, 256.0)),
    ([1.0, 2.5], (1.0, 2.5)),
])
def test_block_weights_are_minified_as_w3_reads_them(weights: list[float], minified: object) -> None:
    assert _minify_weights(weights) == minified


SHORT = [b"ab", b"", b"cde", b"f", b"\x00\x01"]
LONG = [bytes([n % 251]) * (n % 5) for n in range(300)]  # parts of 64 values or more take numpy's path


@pytest.mark.parametrize(("values", "cuts"), [(SHORT, [5]), (SHORT, [1, 5]), (SHORT, [0, 2, 2, 5]),
                                              (SHORT, [1, 2, 3, 4, 5]), (LONG, [100, 300]), (LONG, [3, 200, 300])])
def test_packed_values_join_in_order(values: list[bytes], cuts: list[int]) -> None:
    parts = [PackedValues.pack(values[a:b]) for a, b in zip([0, *cuts], cuts)]
    joined = PackedValues.join(parts)
    assert list(joined) == values and len(joined) == len(values)


def decode(value: bytes, sink: MemoryFile) -> tuple[list[int], list[object], list[bytes], tuple[object, ...]]:
    """A term's postings read back block by block, as W3's reader walks them, and its statistics."""
    offset, length = read_extent(value)
    stream = io.BytesIO(bytes(sink.data[offset:offset + length]))
    assert stream.read(4) == WHOOSH3_HEADER_MAGIC
    docs: list[int] = []
    weights: list[object] = []
    values: list[bytes] = []
    while True:
        size = struct.unpack("!i", stream.read(4))[0]
        block = io.BytesIO(stream.read(abs(size)))
        count = pickle.load(block)[0]
        ids, mini_weights, mini_values = pickle.load(block)
        docs += accumulate(ids)
        if mini_weights is None or isinstance(mini_weights, float):  # all 1, or all equal
            weights += [1.0 if mini_weights is None else mini_weights] * count
        else:
            weights += list(mini_weights)
        values += [] if mini_values is None else list(mini_values)
        if size < 0:
            break
    assert stream.read() == b""
    info = W3TermInfo.from_bytes(value)
    return docs, weights, values, (info.doc_frequency(), info.weight(), info.max_weight(), info.min_id(), info.max_id())


@pytest.mark.parametrize("sizes", [[1, 1], [1, 3], [3, 6], [6, 3], [7, 9], [7, 1, 8], [20, 30]])
@pytest.mark.parametrize("block", [3, 1 << 16])
@pytest.mark.parametrize("fixed", [None, 0])  # positions; no values
def test_a_term_encoded_in_parts_joins_to_the_term_encoded_whole(sizes: list[int], block: int, fixed: int | None) -> None:
    docs = list(range(0, 3 * sum(sizes), 3))
    weights = [1 + n % 4 for n in range(len(docs))]
    values = [bytes([n % 7] * (n % 3)) for n in range(len(docs))] if fixed is None else None
    coding = FieldCoding(fixed, None)
    sink = MemoryFile()
    out = Appender(sink)
    parts, first = [], 0
    for size in sizes:
        part = TermPostings(b"t", docs[first:first + size], weights[first:first + size],
                            None if values is None else values[first:first + size])
        value = encode_blocks(out, part, coding, block)
        out.flush()
        offset, length = read_extent(value)
        parts.append((value, bytes(sink.data[offset:offset + length])))
        first += size
    joined = join_blocks(out, parts, block)
    whole = encode_blocks(out, TermPostings(b"t", docs, weights, values), coding, block)
    out.flush()
    assert decode(joined, sink) == decode(whole, sink)
    assert decode(joined, sink)[0] == docs and decode(joined, sink)[1] == weights


def test_field_lengths_map_to_whoosh_length_bytes() -> None:
    lengths = array("I", [*range(0, 300_000, 7), 0, 1, 2, 3, 106_373, 106_374, 106_375, 2**32 - 1])
    assert _to_length_bytes(lengths) == bytes(map(length_to_byte, lengths))


@pytest.mark.parametrize(("parts", "counts", "joined"), [
    ([None, None], [2, 1], None),  # all 1
    ([2.0, 2.0], [1, 2], 2.0),  # all equal
    ([None, 2.0], [2, 1], b"\x01\x01\x02"),
    ([b"\x01\x03", None], [2, 1], b"\x01\x03\x01"),
    ([2.5, None], [1, 1], (2.5, 1.0)),
    ([(1.5, 2.0), b"\x04"], [2, 1], (1.5, 2.0, 4.0)),
])
def test_blocks_weights_join_to_what_the_reader_expands(parts: list[object], counts: list[int], joined: object) -> None:
    assert _join_weights(parts, counts) == joined
