"""Test helpers: one throw-away index per test module, built from the module's documents; kb's
packed block values."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate

import pytest

from kb.search import IndexSearcher, index_documents
from kb.search.codec import PackedValues


def open_module_searcher(factory: pytest.TempPathFactory, name: str, docs: Sequence) -> Iterator[IndexSearcher]:
    path = factory.mktemp(name) / "ix"
    index_documents(path, docs)
    with IndexSearcher(path) as searcher:
        yield searcher


def pack_values(values: list[bytes]) -> PackedValues:
    """A posting block's values as kb's encoder packs them (one blob, each value's end)."""
    return PackedValues(b"".join(values), array("I", accumulate(map(len, values))))
