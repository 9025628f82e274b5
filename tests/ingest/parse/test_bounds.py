"""bounds: valid text (no NUL, no lone surrogates) and UTF-8 byte limits."""

from __future__ import annotations

import pytest

from ingest.parse.bounds import bound_field, cut_utf8, make_valid_text

VALID_CASES = [
    ("plain", "abc", "abc", []),
    ("nul", "a\x00b\x00", "a\ufffdb\ufffd", ["text:nul"]),
    ("lone-high", "a\ud800b", "a\ufffdb", ["text:surrogates"]),
    ("lone-low", "\udeff", "\ufffd", ["text:surrogates"]),
    ("both", "\x00\udc80é", "\ufffd\ufffdé", ["text:nul", "text:surrogates"]),
    ("astral-kept", "\U0001f600", "\U0001f600", []),
]


@pytest.mark.parametrize(("text", "expected", "defects"), [c[1:] for c in VALID_CASES],
                         ids=[c[0] for c in VALID_CASES])
def test_make_valid_text(text: str, expected: str, defects: list[str]) -> None:
    found: list[str] = []
    assert make_valid_text(text, found) == expected
    assert found == defects
    expected.encode("utf-8")  # encodable: what a terminal and PostgreSQL need


CUT_CASES = [
    ("short", "abc", 5, "abc"),
    ("exact", "abcde", 5, "abcde"),
    ("ascii-cut", "abcdef", 5, "abcde"),
    ("two-byte-boundary", "éé", 3, "é"),      # 4 bytes; the second é would be cut in half
    ("four-byte", "a\U0001f600", 4, "a"),
    ("chars-fit-bytes-not", "é" * 5, 5, "éé"),
]


@pytest.mark.parametrize(("text", "limit", "expected"), [c[1:] for c in CUT_CASES], ids=[c[0] for c in CUT_CASES])
def test_cut_utf8(text: str, limit: int, expected: str) -> None:
    assert cut_utf8(text, limit) == expected
    assert len(cut_utf8(text, limit).encode()) <= limit


def test_bound_field_records_only_a_cut() -> None:
    defects: list[str] = []
    assert bound_field("abc", 3, "cut", defects) == "abc" and defects == []
    assert bound_field("abcd", 3, "cut", defects) == "abc" and defects == ["cut"]
