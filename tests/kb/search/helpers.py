"""One throw-away index per test module, built from the module's documents."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from kb.search import IndexSearcher, index_documents


def open_module_searcher(factory: pytest.TempPathFactory, name: str, docs: Sequence) -> Iterator[IndexSearcher]:
    path = factory.mktemp(name) / "ix"
    index_documents(path, docs)
    with IndexSearcher(path) as searcher:
        yield searcher
