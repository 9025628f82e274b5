"""Snippets: the window around the first matched word, and the matched words' spans in it."""

from __future__ import annotations

import re

import pytest

from kb.search.searcher import find_snippet

WORD = re.compile(r"\w+")


def spans_by_tokens(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """Every whole \\w+ run whose lower case is one of `words` (what a snippet must mark)."""
    return [m.span() for m in WORD.finditer(text) if m.group().lower() in words]


@pytest.mark.parametrize("text, words", [
    ("A race in memcg: the RACE is racy, not a race_condition.", {"race"}),
    ("use-after-free in mem_cgroup_charge()", {"use", "free", "mem_cgroup_charge"}),
    ("Straße und STRASSE", {"straße"}),
    ("İstanbul race here", {"race"}),         # İ lower-cases to two characters: the slow path
    ("nothing to see", {"race"}),
    ("a.b c", {"a.b", "c"}),                  # no \w+ run holds a dot: only "c" can match
    ("a (b) [c] a+b", {"a+b", "b"}),          # regex characters in words are literal
    ("text", set()),
])
def test_snippet_marks_exactly_the_whole_words_asked_for(text: str, words: set[str]) -> None:
    window, spans = find_snippet(text, frozenset(words))
    assert window == text and list(spans) == spans_by_tokens(text, frozenset(words))


def test_a_late_match_moves_the_window_and_its_spans() -> None:
    text = " ".join(["filler"] * 100 + ["race"] + ["tail"] * 10)
    window, spans = find_snippet(text, frozenset({"race"}), width=60)
    (start, end), = spans
    assert window[start:end] == "race" and len(window) <= 60 and not window.startswith("filler filler" * 10)
