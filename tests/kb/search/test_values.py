"""ValueTable: posting values as one byte array and offsets, built from either block kind."""

from __future__ import annotations

import numpy as np
import pytest

from kb.search.values import ValueTable
from tests.kb.search.helpers import pack_values

VALUES = [b"ab", b"", b"cdef", b"g"]


@pytest.mark.parametrize("build", [
    lambda v: ValueTable.from_values(v),
    lambda v: ValueTable.from_block(pack_values(v)),   # kb's blocks
    lambda v: ValueTable.from_block(tuple(v)),               # whoosh's own blocks
    lambda v: ValueTable.concat([ValueTable.from_values(v[:1]), ValueTable.empty(), ValueTable.from_values(v[1:])]),
])
def test_every_way_of_building_gives_the_same_values(build) -> None:  # noqa: ANN001
    table = build(VALUES)
    assert len(table) == len(VALUES) and table.to_list() == VALUES


@pytest.mark.parametrize("keep, rows, gathered", [
    ([True, True, True, True], [0, 2], b"abcdef"),
    ([False, True, True, False], [1], b"cdef"),
    ([True, False, False, True], [0, 1], b"abg"),
    ([False, False, False, False], [], b""),
])
def test_select_then_gather_reads_the_chosen_values_in_order(keep: list[bool], rows: list[int], gathered: bytes) -> None:
    chosen = ValueTable.concat([ValueTable.from_values(VALUES[:2]), ValueTable.from_values(VALUES[2:])]).select(
        np.array(keep))
    assert chosen.to_list() == [v for v, k in zip(VALUES, keep) if k]
    assert chosen.gather(np.array(rows, np.int64)).tobytes() == gathered
