"""kb.search.searcher: --threads folds the revisions of a patch series into one hit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from kb.search import IndexDoc, IndexSearcher
from tests.kb.search.helpers import open_module_searcher


def make_patch(n: int, thread: str, series: str = "", revision: int = 0, words: str = "fix the race") -> IndexDoc:
    return IndexDoc(message_id=f"{n}@x", thread_id=thread, subject=f"[PATCH v{revision}] cgroup: {words}",
                    author_name="ann", author_email="ann@example.org", date=datetime(2024, 1, n),
                    body_new=words, series=series, revision=revision)


# one series in three revisions (each its own thread, two messages each), one plain thread
DOCS = [
    make_patch(1, "v1", "key", 1), make_patch(2, "v1", "key", 1),
    make_patch(3, "v2", "key", 2), make_patch(4, "v2", "key", 2),
    make_patch(5, "v3", "key", 3), make_patch(6, "v3", "key", 3, words="fix the race again, race race"),
    make_patch(7, "other"),
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexSearcher]:
    yield from open_module_searcher(tmp_path_factory, "searcher", DOCS)


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_threads_fold_the_revisions_of_a_series(searcher: IndexSearcher, sort: str) -> None:
    result = searcher.search("b:race", threads=True, sort=sort)
    assert result.total == 7
    shown = {h.message_id: h.revisions for h in result.hits}
    assert set(shown) == {"6@x", "7@x"}  # v3 shows its best hit
    assert shown["6@x"] == 3 and shown["7@x"] == 1


def test_the_latest_matched_revision_is_shown(searcher: IndexSearcher) -> None:
    result = searcher.search("b:race d:..2024-01-04", threads=True)  # v1 and v2 only
    assert [(h.message_id, h.revisions) for h in result.hits] in ([("3@x", 2)], [("4@x", 2)])


def test_without_threads_every_message_is_a_hit(searcher: IndexSearcher) -> None:
    result = searcher.search("b:race", limit=100)
    assert len(result.hits) == 7 and all(h.revisions == 1 for h in result.hits)


def test_the_limit_counts_folded_hits(searcher: IndexSearcher) -> None:
    assert [h.revisions for h in searcher.search("b:race", threads=True, limit=1).hits] == [3]


def test_a_message_without_a_date_ranks_among_equal_scores_as_the_newest(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    undated = IndexDoc(message_id="u@x", thread_id="u", subject="race", author_name="bob", author_email="b@x",
                       date=None, body_new="fix the race")
    dated = [make_patch(n, f"t{n}", words="fix the race") for n in (1, 2)]
    for searcher in open_module_searcher(tmp_path_factory, "undated", [*dated, undated]):
        hits = searcher.search("b:race", limit=3).hits
        # equal scores: newest first, and a missing date sorts as the largest (whoosh's column default)
        assert [h.message_id for h in hits] == ["u@x", "2@x", "1@x"]
        assert len({h.score for h in hits}) == 1
