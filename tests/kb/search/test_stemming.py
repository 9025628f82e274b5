"""English stemming of prose and finding fields; quotes and `=word` stay exact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pytest

from kb.query import parse_query
from kb.query.ast import Term
from kb.search import IndexDoc, IndexSearcher
from kb.search.analysis import MAX_TERM_LENGTH, StemTokenizer, WordTokenizer, split_words, stem_word
from kb.search.pool import PostingPool
from tests.kb.search.helpers import open_module_searcher

DOCS = [
    IndexDoc(message_id="1@x", thread_id="1@x", subject="online resizing races", author_name="a",
             author_email="a@x.org", date=datetime(2024, 1, 1), body_new="the resizing path is racy",
             races=("online resizing of the map",), symbols=("resize_map",), diff_added="resizing = 1;"),
    IndexDoc(message_id="2@x", thread_id="2@x", subject="resize the map", author_name="b",
             author_email="b@x.org", date=datetime(2024, 1, 2), body_new="we resize it once",
             races=("resize races with a reader",), symbols=("resizing",), diff_added="resize();"),
    IndexDoc(message_id="3@x", thread_id="3@x", subject="unrelated", author_name="c",
             author_email="c@x.org", date=datetime(2024, 1, 3), body_new="nothing here"),
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexSearcher]:
    yield from open_module_searcher(tmp_path_factory, "stem", DOCS)


@pytest.mark.parametrize(("text", "expected"), [
    ("race:resize", {1, 2}),  # stemmed: resize ~ resizing
    ("race:resizing", {1, 2}),
    ("race:=resize", {2}),  # exact word
    ('race:"resize"', {2}),  # quoted: exact
    ('race:"online resizing"', {1}),  # phrases are exact
    ('race:"online resize"', set()),
    ("race:online race:resize", {1}),
    ("s:races", {1}),
    ("s:race", {1}),
    ("s:resized", {1, 2}),
    ("resizes", {1, 2}),  # a bare word: subject and body
    ("b:=resizing", {1}),
    ("sym:resize_map", {1}),  # symbols stay exact
    ("sym:resizing", {2}),
    ("dfb:resize", {2}),  # diffs are code: not stemmed
    ("fix:resize", set()),
])
def test_stemming_and_exact_match(searcher: IndexSearcher, text: str, expected: set[int]) -> None:
    assert {int(h.message_id[0]) for h in searcher.search(text, limit=10).hits} == expected


def test_stems_are_english_and_identifiers_stay_whole() -> None:
    assert stem_word("resizing") == stem_word("resize") == stem_word("resized")
    assert stem_word("races") == stem_word("race")
    assert stem_word("read_once") == "read_once" and stem_word("memcg2") == "memcg2"


@pytest.mark.parametrize(("text", "term"), [
    ("race:=resize", Term("race", "resize", False, 6, exact=True)),
    ('race:"resize"', Term("race", "resize", True, 6, exact=True)),
    ("race:resize", Term("race", "resize", False, 5)),
    ("=Resize", Term("", "Resize", False, 1, exact=True)),
])
def test_the_equals_form_parses_as_exact(text: str, term: Term) -> None:
    assert parse_query(text).root == term


LONG = "x" * (MAX_TERM_LENGTH + 1)


@pytest.mark.parametrize(("text", "words"), [
    ("Use-after-free in mem_cgroup_charge()", ["use", "after", "free", "in", "mem_cgroup_charge"]),
    (f"a {LONG} b", ["a", "b"]),  # a word longer than a term may be is left out whole, not cut
    (f"{'y' * MAX_TERM_LENGTH}.", ["y" * MAX_TERM_LENGTH]),
    (f"{LONG}", []),
    ("Größe ÉTÉ", ["größe", "été"]),
    ("", []),
])
def test_words_are_whole_runs_of_word_characters(text: str, words: list[str]) -> None:
    assert split_words(text) == words == WordTokenizer().words(text)


@pytest.mark.parametrize("text", [
    "the resizing path races with resizing readers", "Resized resize RESIZING", "read_once 42 races", "",
])
def test_stems_counted_from_split_words_are_what_the_stem_tokenizer_indexes(text: str) -> None:
    pool = PostingPool()
    earlier = pool.add_words("body", 0, ["resizing", "zzz"], encode=bytes)  # its stem is numbered first
    pool.add_stems("body_stem", 0, "body", *earlier, stem_word)
    numbers, counts = pool.add_words("body", 1, split_words(text), encode=bytes)
    indexed = Counter(StemTokenizer().words(text))
    assert pool.add_stems("body_stem", 1, "body", numbers, counts, stem_word) == sum(indexed.values())
    stems = pool.pop_field("body_stem")
    ends = np.cumsum(stems.counts).tolist()
    counted = {key.decode(): weight for key, a, z in zip(stems.keys, [0, *ends], ends)
               for doc, weight in zip(stems.docs[a:z].tolist(), stems.weights[a:z].tolist()) if doc == 1}
    assert counted == indexed
