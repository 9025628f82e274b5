"""A build in two processes (kb.search.split) writes the segment one process writes for the
first stream followed by the second; a failing or stopped half leaves nothing behind."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import kb.search.adapter as adapter
import kb.search.builder as builder_module
import kb.search.index as index_module
from kb.search import IndexSearcher, index_documents
from kb.search.docs import IndexDoc
from kb.search.runs import RUNS_PREFIX
from kb.search.split import IndexPartError
from tests.kb.search.test_adapter import dump_postings
from tests.kb.test_search import COUNTED, CORPUS, make_corpus

CUT = 30  # CORPUS[:CUT] in this process, the rest in the child


@pytest.fixture(autouse=True)
def small_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "MIN_FAST", 10)
    monkeypatch.setattr(builder_module, "POOL_MB", 0.02)  # both processes spill several runs


def read_rest(docs: list[IndexDoc]) -> Iterator[IndexDoc]:
    yield from docs


def list_segment_files(path: Path, suffix: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(path.glob(f"*{suffix}"))]


def test_two_processes_write_the_segment_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_documents(tmp_path / "one", CORPUS)
    adopted = []
    adopt = builder_module.SegmentBuilder.adopt
    monkeypatch.setattr(builder_module.SegmentBuilder, "adopt",
                        lambda self, part, **kw: adopted.append(len(part.runs)) or adopt(self, part, **kw))
    index_documents(tmp_path / "two", CORPUS[:CUT], partial(read_rest, CORPUS[CUT:]))
    assert adopted[0] > 1  # the child spilled as this process does (the pool size goes with it)
    one, two = tmp_path / "one", tmp_path / "two"
    assert len(list_segment_files(two, ".pst")) == 1  # one segment
    assert list_segment_files(two, ".pst") == list_segment_files(one, ".pst")
    assert dump_postings(two) == dump_postings(one)
    with IndexSearcher(one) as a, IndexSearcher(two) as b:
        ra, rb = a.searcher.reader(), b.searcher.reader()
        assert [rb.stored_fields(n) for n in rb.all_doc_ids()] == [ra.stored_fields(n) for n in ra.all_doc_ids()]
        for text, predicate in COUNTED:
            assert b.search(text, limit=1000).total == sum(map(predicate, CORPUS)), text
    assert not list(two.glob(RUNS_PREFIX + "*"))


def test_an_update_in_two_processes_replaces_documents_of_both_halves(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index_documents(path, CORPUS)
    changed = make_corpus(len(CORPUS), seed=11)  # same message ids, other texts
    assert [d.message_id for d in changed] == [d.message_id for d in CORPUS]
    index_documents(path, changed[:CUT], partial(read_rest, changed[CUT:]))
    fresh = tmp_path / "fresh"
    index_documents(fresh, changed)
    assert list_live_postings(path) == list_live_postings(fresh)
    with IndexSearcher(path) as searcher:
        assert searcher.searcher.reader().doc_count() == len(CORPUS)
        for text, predicate in COUNTED:
            assert searcher.search(text, limit=1000).total == sum(map(predicate, changed)), text


def list_live_postings(path: Path) -> dict:
    """Each term's postings without the deleted documents (term statistics count those too)."""
    with IndexSearcher(path) as searcher:
        reader = searcher.searcher.reader()
        live = {reader.stored_fields(n)["message_id"] for n in reader.all_doc_ids()}
    out = {}
    for key, (postings, *_stats) in dump_postings(path)["postings"].items():
        kept = [p for p in postings if p[0] in live]
        if kept:
            out[key] = kept
    return out


def fail_after_some(docs: list[IndexDoc]) -> Iterator[IndexDoc]:
    yield from docs[:5]
    raise ValueError("the database went away")


def test_a_failing_second_half_is_reported_and_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index_documents(path, CORPUS[:CUT])
    with pytest.raises(IndexPartError, match="second process failed: the database went away"):
        index_documents(path, CORPUS[CUT:40], partial(fail_after_some, CORPUS[40:]))
    assert not list(path.glob(RUNS_PREFIX + "*"))
    assert index_documents(path, CORPUS[CUT:]) == len(CORPUS) - CUT  # the write lock was released
    with IndexSearcher(path) as searcher:
        assert searcher.searcher.reader().doc_count() == len(CORPUS)


def fail_first(docs: list[IndexDoc]) -> Iterator[IndexDoc]:
    yield from docs[:3]
    raise KeyboardInterrupt


def test_a_stop_in_this_process_ends_the_child_and_removes_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with pytest.raises(KeyboardInterrupt):
        index_documents(path, fail_first(CORPUS[:CUT]), partial(read_rest, CORPUS[CUT:]))
    assert not list(path.glob(RUNS_PREFIX + "*"))
    assert index_documents(path, CORPUS) == len(CORPUS)


def test_without_the_fast_path_the_second_stream_is_read_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapter, "FORCE_PUBLIC", True)
    index_documents(tmp_path / "two", CORPUS[:CUT], partial(read_rest, CORPUS[CUT:]))
    index_documents(tmp_path / "one", CORPUS)
    assert dump_postings(tmp_path / "two") == dump_postings(tmp_path / "one")


def test_a_second_stream_that_cannot_go_to_the_child_leaves_no_lock_and_no_runs(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with pytest.raises((pickle.PicklingError, AttributeError)):  # a lambda is not picklable
        index_documents(path, CORPUS[:CUT], lambda: read_rest(CORPUS[CUT:]))
    assert not list(path.glob(RUNS_PREFIX + "*"))
    assert index_documents(path, CORPUS) == len(CORPUS)  # the write lock was released
