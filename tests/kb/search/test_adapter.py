"""The whoosh adapter: its fast paths give exactly what whoosh's public API gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import whoosh

import kb.search.adapter as adapter
import kb.search.builder as builder_module
import kb.search.codec as codec_module
import kb.search.index as index_module
from kb.search import IndexSearcher, delete_documents, index_documents
from kb.search.codec import INLINE_MAX
from tests.kb.test_search import COUNTED, CORPUS, make_corpus


def test_installed_whoosh_is_the_one_the_fast_paths_were_written_for() -> None:
    # fails on a whoosh upgrade: re-check kb.search.adapter's fast paths, then bump WRITTEN_FOR
    assert whoosh.versionstring() == adapter.WRITTEN_FOR
    assert adapter.is_fast_path_usable()


def test_another_whoosh_version_takes_the_public_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whoosh, "versionstring", lambda: "2.7.6")
    assert not adapter.is_fast_path_usable()


def test_public_path_is_forced_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_WHOOSH_PUBLIC", "1")
    assert not adapter.is_fast_path_usable()


def build(path: Path, monkeypatch: pytest.MonkeyPatch, *, public: bool, pool_mb: float = 0.02) -> Path:
    with monkeypatch.context() as patch:
        patch.setattr(adapter, "FORCE_PUBLIC", public)
        patch.setattr(index_module, "MIN_FAST", 10)
        patch.setattr(builder_module, "POOL_MB", pool_mb)
        index_documents(path, CORPUS)
    return path


def dump_postings(path: Path) -> dict[tuple[str, bytes], object]:
    """Every term of every field: its postings by message id and its term statistics."""
    with IndexSearcher(path) as searcher:
        reader = searcher.searcher.reader()
        ids = {n: reader.stored_fields(n)["message_id"] for n in reader.all_doc_ids()}
        out: dict[tuple[str, bytes], object] = {}
        for field, btext in reader.all_terms():
            fieldtype = reader.schema[field]
            matcher = reader.postings(field, btext)
            postings = []
            while matcher.is_active():
                value = matcher.value()
                if fieldtype.format.supports("positions"):
                    value = tuple(fieldtype.format.decode_positions(value))
                postings.append((ids[matcher.id()], matcher.weight(), value))
                matcher.next()
            info = reader.term_info(field, btext)
            out[field, btext] = (sorted(postings), info.doc_frequency(), info.weight(), info.max_weight(),
                                     info.min_length(), info.max_length())
        lengths = {(ids[n], f): reader.doc_field_length(n, f) for n in ids for f in reader.schema.scorable_names()}
        return {"postings": out, "lengths": lengths, "stored": sorted(repr(sorted(d.items())) for d in reader.all_stored_fields())}


# all in the pool; runs of a few documents (terms mostly inlined, decoded and encoded again when
# merged); runs of more documents (their blocks concatenated); blocks of 3 postings (several per run)
@pytest.mark.parametrize(("pool_mb", "block"), [(64, codec_module.BLOCK_POSTINGS), (0.02, codec_module.BLOCK_POSTINGS),
                                                (0.2, codec_module.BLOCK_POSTINGS), (0.1, 3)])
def test_pooled_writer_writes_what_add_document_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       pool_mb: float, block: int) -> None:
    monkeypatch.setattr(codec_module, "BLOCK_POSTINGS", block)
    fast = build(tmp_path / "fast", monkeypatch, public=False, pool_mb=pool_mb)
    public = build(tmp_path / "public", monkeypatch, public=True)
    fast_dump, public_dump = dump_postings(fast), dump_postings(public)
    assert fast_dump["postings"] and fast_dump == public_dump


@pytest.mark.parametrize("public_reads", [False, True])
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_both_read_paths_give_the_same_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           public_reads: bool, sort: str) -> None:
    path = build(tmp_path / "ix", monkeypatch, public=False)
    with IndexSearcher(path) as searcher:
        want = {text: [(h.message_id, h.score) for h in searcher.search(text, limit=1000, sort=sort).hits]
                for text, _ in COUNTED}
    monkeypatch.setattr(adapter, "FORCE_PUBLIC", public_reads)
    with IndexSearcher(path) as searcher:
        for text, predicate in COUNTED:
            result = searcher.search(text, limit=1000, sort=sort)
            assert result.total == sum(map(predicate, CORPUS)), text
            assert [(h.message_id, h.score) for h in result.hits] == want[text], text


@pytest.mark.parametrize("public", [False, True])
def test_reading_within_skips_to_the_wanted_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      public: bool) -> None:
    docs = make_corpus(400, seed=3)  # "tejun" is in every To: line: four posting blocks
    with monkeypatch.context() as patch:
        patch.setattr(index_module, "MIN_FAST", 10)
        patch.setattr(codec_module, "BLOCK_POSTINGS", 128)
        index_documents(tmp_path / "ix", docs)
    delete_documents(tmp_path / "ix", [docs[5].message_id, docs[300].message_id])
    monkeypatch.setattr(adapter, "FORCE_PUBLIC", public)
    with IndexSearcher(tmp_path / "ix") as searcher:
        (leaf, _offset), = searcher.searcher.reader().leaf_readers()
        ids, weights, _ = adapter.read_postings(leaf, "to_addr", "tejun")
        assert ids.tolist() == [n for n in range(400) if n not in (5, 300)] and weights.tolist() == [1.0] * 398
        within = np.array([0, 5, 6, 200, 255, 256, 300, 399])
        assert adapter.read_postings(leaf, "to_addr", "tejun", within)[0].tolist() == [0, 6, 200, 255, 256, 399]
        assert adapter.read_postings(leaf, "to_addr", "tejun", within[:0])[0].tolist() == []
        body = adapter.read_postings(leaf, "body_new", "the", values=True)
        part = adapter.read_postings(leaf, "body_new", "the", body[0][::7], values=True)
        assert part[0].tolist() == body[0][::7].tolist() and part[1].tolist() == body[1][::7].tolist()
        assert part[2].to_list() == body[2].to_list()[::7] and len(part[2])
        plain = adapter.read_postings(leaf, "body_new", "the")
        assert plain[0].tolist() == body[0].tolist() and plain[1].tolist() == body[1].tolist()
        assert plain[2] is None  # positions only when asked


class _NotW3Terms:
    """A terms reader without W3's codec and postings file (another whoosh's, say)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        if name in ("_codec", "_postfile"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __contains__(self, key: object) -> bool:
        return key in self.inner  # type: ignore[operator]


def test_a_terms_reader_unlike_w3s_is_read_through_matchers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = make_corpus(300, seed=5)
    with monkeypatch.context() as patch:
        patch.setattr(index_module, "MIN_FAST", 10)
        index_documents(tmp_path / "ix", docs)
    with IndexSearcher(tmp_path / "ix") as searcher:
        (leaf, _offset), = searcher.searcher.reader().leaf_readers()
        want = adapter.read_postings(leaf, "body_new", "the", values=True)
        info = adapter.find_term_info(leaf, "body_new", "the")
        fieldtype = leaf.schema["body_new"]
        monkeypatch.setattr(leaf, "_terms", _NotW3Terms(leaf._terms))
        assert adapter._read_blocks(leaf, "body_new", b"the", fieldtype, None, True, info) is None
        got = adapter.read_postings(leaf, "body_new", "the", values=True)
    assert len(want[0]) > 128 and got[0].tolist() == want[0].tolist() and got[2].to_list() == want[2].to_list()


def count_inlined(path: Path) -> tuple[int, int]:
    """(terms whose postings sit in the term table, terms with posting blocks)."""
    with IndexSearcher(path) as searcher:
        inlined = blocks = 0
        for leaf, _offset in searcher.searcher.reader().leaf_readers():
            for field, btext in leaf.all_terms():
                if leaf.term_info(field, btext).is_inlined():
                    inlined += 1
                else:
                    blocks += 1
        return inlined, blocks


def test_the_pooled_writer_inlines_short_posting_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = build(tmp_path / "fast", monkeypatch, public=False, pool_mb=64)
    public = build(tmp_path / "public", monkeypatch, public=True)
    fast_inlined, fast_blocks = count_inlined(fast)
    public_inlined, public_blocks = count_inlined(public)
    assert public_inlined == 0 and fast_inlined and fast_blocks  # both kinds, and the same postings (above)
    with IndexSearcher(fast) as searcher:
        reader = searcher.searcher.reader()
        for field, btext in reader.all_terms():
            assert reader.term_info(field, btext).is_inlined() == (reader.doc_frequency(field, btext) <= INLINE_MAX)


@pytest.mark.parametrize("public", [False, True])
def test_segments_are_separate_files_not_compound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 public: bool) -> None:
    """A compound segment's reader copies each of its files into memory (whoosh's BufferFile):
    an update, whose deletes open every segment, would hold the whole index."""
    path = build(tmp_path / "ix", monkeypatch, public=public)
    delete_documents(path, [CORPUS[0].message_id])
    assert not list(path.glob("*.seg")) and list(path.glob("*.pst"))
