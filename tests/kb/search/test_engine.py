"""kb.search.engine: finding prefixes compose per thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pytest
from whoosh import query as wq

from kb.search import IndexDoc, IndexSearcher
from kb.search.engine import DocSets
from tests.kb.search.helpers import open_module_searcher


def make_doc(n: int, thread: str, author: str, **findings: tuple[str, ...]) -> IndexDoc:
    return IndexDoc(message_id=f"{n}@x", thread_id=thread, subject=f"message {n}", author_name=author,
                    author_email=f"{author}@example.org", date=datetime(2024, 1, n), body_new="some text",
                    **findings)


# thread a: a READ_ONCE fix and a performance objection in two different messages
# thread b: the fix only; thread c: the objection only
DOCS = [
    make_doc(1, "a", "ann", fixes=("use READ_ONCE for the flag",), has=("fix",)),
    make_doc(2, "a", "bob", objections=("hurts performance on the fast path",), has=("objection",)),
    make_doc(3, "a", "cat"),
    make_doc(4, "b", "ann", fixes=("READ_ONCE and WRITE_ONCE",), has=("fix",)),
    make_doc(5, "b", "cat"),
    make_doc(6, "c", "bob", objections=("performance",), has=("objection",)),
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexSearcher]:
    yield from open_module_searcher(tmp_path_factory, "engine", DOCS)


@pytest.mark.parametrize(("text", "expected"), [
    ("fix:READ_ONCE", {1, 4}),  # alone: the messages that carry the finding
    ("fix:READ_ONCE objection:performance", {1, 2}),  # both hold in thread a only
    ("objection:performance fix:READ_ONCE", {1, 2}),
    ("has:fix has:objection", {1, 2}),
    ("fix:READ_ONCE -objection:performance", {4}),  # thread a is dropped
    ("fix:READ_ONCE f:cat", {3, 5}),  # cat's messages in threads with the fix
    ("objection:performance f:cat", {3}),
    ("fix:READ_ONCE objection:performance f:cat", {3}),
    ("fix:READ_ONCE OR objection:performance", {1, 2, 4, 6}),
    ("f:ann -has:objection", {4}),  # threads with an objection are left out
    ("NOT has:objection", {1, 3, 4, 5}),  # a NOT alone is per message
])
def test_finding_prefixes_compose_per_thread(searcher: IndexSearcher, text: str, expected: set[int]) -> None:
    hits = searcher.search(text, limit=100).hits
    assert {int(h.message_id.split("@")[0]) for h in hits} == expected


@pytest.mark.parametrize(("read", "wanted", "reused"), [
    ([0, 1, 3, 4], [1, 4], True),  # a read with `within` covering the wanted documents is reused
    ([0, 1, 3, 4], [1, 2], False),  # document 2 was not among those read: read again
    ([0, 1, 3, 4], [], True),
])
def test_ranking_reuses_a_read_that_covers_its_documents(searcher: IndexSearcher, read: list[int],
                                                         wanted: list[int], reused: bool) -> None:
    sets = DocSets(searcher.searcher)
    sets.find_ids(wq.NullQuery)  # a fresh query: nothing read yet
    first = sets.postings("body_new", "some", np.array(read))
    again = sets.read_for("body_new", "some", np.array(wanted, np.int64))
    assert (again is first) == reused
    assert set(wanted) <= set(again.ids.tolist())
