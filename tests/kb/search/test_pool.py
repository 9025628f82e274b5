"""The posting pool: a message's words become postings with the positions kb's format encodes,
and a field is handed over by term, each term's postings in document order."""

from __future__ import annotations

import numpy as np
import pytest

from kb.search import pool as pool_module
from kb.search.analysis import _FastPositions, stem_word
from kb.search.pool import SMALL_WORDS, PostingPool

ENCODE = _FastPositions(field_boost=1.0).encode


def read_field(pool: PostingPool, field: str) -> dict[bytes, list[tuple[int, int, bytes | None]]]:
    handed = pool.pop_field(field)
    ends = np.cumsum(handed.counts).tolist()
    value_ends = [0, *np.cumsum(handed.value_lengths).tolist()] if handed.values is not None else None
    out = {}
    for key, a, z in zip(handed.keys, [0, *ends], ends):
        out[key] = [(d, w, None if value_ends is None else handed.values[value_ends[n]:value_ends[n + 1]])
                    for n, d, w in zip(range(a, z), handed.docs[a:z].tolist(), handed.weights[a:z].tolist())]
    return out


def expected(messages: list[list[str]], positional: bool) -> dict[bytes, list[tuple[int, int, bytes | None]]]:
    out: dict[bytes, list[tuple[int, int, bytes | None]]] = {}
    for doc, words in enumerate(messages):
        for word in sorted(set(words)):
            positions = [n for n, w in enumerate(words) if w == word]
            out.setdefault(word.encode(), []).append((doc, len(positions), ENCODE(positions) if positional else None))
    return dict(sorted(out.items()))


LONG = [f"w{n % 5000}" for n in range(70_000)]  # positions past 65,535: the format's wide encoding


@pytest.mark.parametrize("positional", [True, False])
@pytest.mark.parametrize("messages", [
    [["b", "a", "b"], [], ["a"], ["c", "b", "a", "a"]],
    [["é", "z", "a"], ["a", "é"]],  # keys in code point order
    [["x", "y"], LONG, ["y", "x", "y"]],
])
def test_words_come_back_by_term_in_document_order(messages: list[list[str]], positional: bool) -> None:
    pool = PostingPool()
    for doc, words in enumerate(messages):
        numbers, counts = pool.add_words("f", doc, words, ENCODE if positional else None)
        assert sorted(map(int, counts)) == sorted(words.count(w) for w in set(words))
    assert read_field(pool, "f") == expected(messages, positional)


# around the size where a field leaves Python's grouping for numpy's, with repeated words
AROUND_SMALL = [[f"w{n % 7}" for n in range(count)] for count in (1, SMALL_WORDS - 1, SMALL_WORDS, SMALL_WORDS + 1, 300)]


@pytest.mark.parametrize("positional", [True, False])
def test_small_and_large_fields_give_the_same_postings(positional: bool) -> None:
    assert read_field(fill_pool(AROUND_SMALL, positional), "f") == expected(AROUND_SMALL, positional)


@pytest.mark.parametrize("small_words", [0, 10_000])  # every field through numpy / through Python
def test_each_grouping_alone_gives_the_same_postings_and_stems(monkeypatch: pytest.MonkeyPatch,
                                                                small_words: int) -> None:
    messages = [["resizing", "races", "resizing", "mm"], ["races", "lock"], ["locking"] * 3]
    reference = fill_pool(messages, True, stems=True)
    monkeypatch.setattr(pool_module, "SMALL_WORDS", small_words)
    forced = fill_pool(messages, True, stems=True)
    for field in ("f", "f_stem"):
        assert read_field(forced, field) == read_field(reference, field)
    assert list(read_field(fill_pool(messages, True, stems=True), "f_stem")) == [b"lock", b"race", b"resiz"]


def fill_pool(messages: list[list[str]], positional: bool, stems: bool = False) -> PostingPool:
    pool = PostingPool()
    for doc, words in enumerate(messages):
        numbers, counts = pool.add_words("f", doc, words, ENCODE if positional else None)
        if stems:
            pool.add_stems("f_stem", doc, "f", numbers, counts, stem_word)
    return pool


def test_adopted_lengths_follow_this_pools_documents() -> None:
    pool = PostingPool()
    pool.set_length("f", 1, 7)  # this pool: documents 0..2, document 0 without f
    theirs = PostingPool()
    theirs.set_length("f", 1, 4)  # another pool's documents 0..1 are this one's 3..4
    theirs.set_length("g", 0, 2)
    pool.adopt_lengths(theirs.lengths, 3)
    assert {k: v.tolist() for k, v in pool.lengths.items()} == {"f": [0, 7, 0, 0, 4], "g": [0, 0, 0, 2]}
