"""A run of postings' encoded values (positions) as one byte array and offsets into it.

Reading a phrase's words used to build one bytes object per posting and join them again to
decode; a table keeps a posting block's bytes as they were read (kb's `PackedValues` already
is a blob and its end offsets) and selects, concatenates and decodes with array operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_NO_BYTES = np.zeros(0, np.uint8)
_NO_OFFSETS = np.zeros(0, np.int64)


@dataclass(frozen=True)
class ValueTable:
    """Value i is `blob[starts[i]:ends[i]]`."""

    blob: np.ndarray  # uint8
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64

    @classmethod
    def empty(cls) -> ValueTable:
        return cls(_NO_BYTES, _NO_OFFSETS, _NO_OFFSETS)

    @classmethod
    def from_values(cls, values: Sequence[bytes]) -> ValueTable:
        """From bytes objects (whoosh's own blocks and matchers give those)."""
        if not values:
            return cls.empty()
        ends = np.cumsum(np.fromiter(map(len, values), np.int64, len(values)))
        return cls(np.frombuffer(b"".join(values), np.uint8), np.concatenate(([0], ends[:-1])), ends)

    @classmethod
    def from_block(cls, values: Any) -> ValueTable:
        """A posting block's values: kb's PackedValues (blob and end offsets) or a sequence of bytes."""
        blob, ends = getattr(values, "blob", None), getattr(values, "ends", None)
        if blob is None or ends is None:
            return cls.from_values(list(values))
        ends = np.array(ends, np.int64)
        return cls(np.frombuffer(blob, np.uint8), np.concatenate(([0], ends[:-1])), ends)

    @staticmethod
    def concat(tables: Sequence[ValueTable]) -> ValueTable:
        tables = [t for t in tables if len(t)]
        if len(tables) < 2:
            return tables[0] if tables else ValueTable.empty()
        shifts = np.cumsum([0] + [len(t.blob) for t in tables[:-1]])
        return ValueTable(np.concatenate([t.blob for t in tables]),
                          np.concatenate([t.starts + shift for t, shift in zip(tables, shifts)]),
                          np.concatenate([t.ends + shift for t, shift in zip(tables, shifts)]))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> bytes:
        return self.blob[self.starts[i]:self.ends[i]].tobytes()

    def select(self, keep: np.ndarray) -> ValueTable:
        """The values where the boolean mask `keep` is true (the bytes stay shared)."""
        return ValueTable(self.blob, self.starts[keep], self.ends[keep])

    def to_list(self) -> list[bytes]:
        return [self[i] for i in range(len(self))]

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """The bytes of the values at `rows`, one after another, as one contiguous array."""
        starts, lengths = self.starts[rows], self.ends[rows] - self.starts[rows]
        total = int(lengths.sum())
        if not total:
            return _NO_BYTES
        before = np.cumsum(lengths) - lengths
        return self.blob[np.arange(total) + np.repeat(starts - before, lengths)]
