"""The segment writer's block contents: what W3's reader does with them must still work."""

from __future__ import annotations

import pickle

import pytest

from kb.search.codec import PROTOCOL, PackedValues, _minify_weights


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
