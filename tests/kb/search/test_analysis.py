"""The index's analyzers and formats: compact positions, word splitting."""

from __future__ import annotations

import re

from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex
from whoosh import query as wq

from kb.search.analysis import MAX_TERM_LENGTH, _intersect_sorted, build_schema, split_words


def positions_format():  # noqa: ANN201 - whoosh's Format
    return build_schema()["body_new"].format


@pytest.mark.parametrize("positions, size", [
    ([0], 2),  # 2 bytes a position
    ([3, 7, 65535], 6),  # the largest narrow position
    ([1, 65536], 1 + 8),  # one beyond: a marker byte, then 4 bytes each
    ([70000, 80000, 1 << 31], 1 + 12),
])
def test_positions_round_trip_in_two_or_four_bytes(positions: list[int], size: int) -> None:
    fmt = positions_format()
    value = fmt.encode(positions)
    assert len(value) == size
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_weight(value) == len(positions) * fmt.field_boost


def test_whooshs_own_phrase_matcher_reads_wide_positions(tmp_path: Path) -> None:
    """whoosh's public API decodes positions through the format too (here past 65535)."""
    ix = windex.create_in(str(tmp_path), build_schema())
    filler = "w " * 70000
    with ix.writer() as writer:
        writer.add_document(message_id="<a>", body_new=filler + "use after free")
        writer.add_document(message_id="<b>", body_new=filler + "free after use")
    with ix.searcher() as searcher:
        hits = searcher.search(wq.Phrase("body_new", ["use", "after", "free"]))
        assert [hit["message_id"] for hit in hits] == ["<a>"]


@pytest.mark.parametrize("text, words", [
    ("Use-After-Free in mem_cgroup_charge()", ["use", "after", "free", "in", "mem_cgroup_charge"]),
    ("x" * MAX_TERM_LENGTH + " y", ["x" * MAX_TERM_LENGTH, "y"]),
    ("x" * (MAX_TERM_LENGTH + 1) + " y", ["y"]),  # a longer run is no word at all
    ("", []),
    ("tab\there\x0bvt\x1cfs\x00nul", ["tab", "here", "vt", "fs", "nul"]),  # ASCII: translated and split
    ("Größe bei __rcu_read_lock\u00a0x", ["größe", "bei", "__rcu_read_lock", "x"]),  # not ASCII: the regex
])
def test_split_words_keeps_runs_of_word_characters_up_to_the_limit(text: str, words: list[str]) -> None:
    assert split_words(text) == words


@pytest.mark.parametrize("code", range(128))
def test_each_ascii_character_splits_as_the_word_regex_does(code: int) -> None:
    text = f"Ab{chr(code)}cD {chr(code)}"
    assert split_words(text) == re.findall(r"\w+", text.lower())


@pytest.mark.parametrize("documents, phrase, matched", [
    ([[5, 6], [6, 5]], ["a", "b"], [True, False]),  # a at 5, b at 6 / a at 6, b at 5
    ([[0, 2, 1], [0, 1, 3]], ["a", "b", "c"], [False, False]),  # all three in order, but not adjacent
    ([[0, 1, 2]], ["a", "b", "c"], [True]),
    ([[70000, 70001], [1, 70001]], ["a", "b"], [True, False]),  # wide values are matched one by one
    ([[3, 4, 3]], ["the", "cat", "the"], [False]),  # a repeated word needs its own later position
    ([[3, 4, 5]], ["the", "cat", "the"], [True]),
])
def test_match_phrase_checks_every_candidate_at_once(documents: list[list[int]], phrase: list[str],
                                                      matched: list[bool]) -> None:
    fmt = positions_format()
    # documents[i][k]: the position of phrase word k in candidate i (one occurrence each)
    columns = [[fmt.encode([doc[k]]) for doc in documents] for k in range(len(phrase))]
    for k, word in enumerate(phrase):  # a repeated word has all its positions in every column
        same = [j for j, other in enumerate(phrase) if other == word]
        columns[k] = [fmt.encode(sorted({doc[j] for j in same})) for doc in documents]
    assert fmt.match_phrase(columns) == matched


@pytest.mark.parametrize("a, b", [([], [1]), ([1, 5, 9], [5]), ([2, 4], [1, 3, 5]), ([1, 2, 3], [1, 2, 3]),
                                  ([7, 8, 1 << 40], [0, 8, 1 << 40, 1 << 41])])
def test_intersect_sorted_keeps_the_values_in_both(a: list[int], b: list[int]) -> None:
    found = _intersect_sorted(np.array(a, np.int64), np.array(b, np.int64))
    assert found.tolist() == sorted(set(a) & set(b))
