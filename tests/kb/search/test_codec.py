"""The segment writer's layout pieces: what W3's reader does with them must still work (a
field's terms encoded: test_encoder.py)."""

from __future__ import annotations

import io
import pickle
import random
from array import array

import pytest

from whoosh.filedb.filetables import HashWriter
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import length_to_byte

from kb.search.codec import PROTOCOL, Appender, _to_length_bytes, _write_hash_tables
from tests.kb.search.helpers import pack_values


@pytest.mark.parametrize("values", [[b"\x01\x00"], [b"ab", b"", b"cdef", b"g"], [bytes([n]) * n for n in range(1, 130)]])
def test_packed_values_index_and_iterate_like_the_tuple_they_replace(values: list[bytes]) -> None:
    packed = pickle.loads(pickle.dumps(pack_values(values), PROTOCOL))
    assert len(packed) == len(values)
    assert [packed[i] for i in range(len(values))] == values
    assert list(packed) == values
    assert packed[-1] == values[-1]


def test_field_lengths_map_to_whoosh_length_bytes() -> None:
    lengths = array("I", [*range(0, 300_000, 7), 0, 1, 2, 3, 106_373, 106_374, 106_375, 2**32 - 1])
    assert _to_length_bytes(lengths) == bytes(map(length_to_byte, lengths))


@pytest.mark.parametrize("count", [0, 1, 7, 3000])
def test_hash_tables_are_written_as_whoosh_writes_them(count: int) -> None:
    rng = random.Random(count)
    hashes = [rng.getrandbits(32) for _ in range(count)]
    hashes += [h ^ 0x100 for h in hashes[:count // 3]]  # same bucket, near slots: probing
    starts = sorted(rng.sample(range(1, 10 * len(hashes) + 2), len(hashes)))
    theirs = HashWriter(StructFile(io.BytesIO()))
    for h, pos in zip(hashes, starts):
        theirs.buckets[h & 255].append((h, pos))
    start = theirs.dbfile.tell()
    theirs._write_hashes()
    want = theirs.dbfile.file.getvalue()[start:]
    sink = io.BytesIO(b"x" * start)
    sink.seek(start)
    out = Appender(sink)
    directory = _write_hash_tables(out, array("Q", hashes), array("q", starts))
    out.flush()
    assert sink.getvalue()[start:] == want and directory == theirs.directory
