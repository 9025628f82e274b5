"""The fast segment builder: a stem field is counted from its exact field's words, or from its
own text when no exact field of the message split that text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kb.search.analysis import build_schema, stem_word
from kb.search.builder import SegmentBuilder, index_raw
from kb.search.docs import IndexDoc, convert_doc
from kb.search.index import open_index


def test_a_stem_field_without_its_exact_twin_is_counted_from_its_own_text(tmp_path: Path) -> None:
    ix = open_index(tmp_path / "ix")
    builder = SegmentBuilder(ix, fast=True)
    assert builder.fast
    twin = convert_doc(IndexDoc("<a@x>", "<a@x>", "s", "", "a@x", None, body_new="resizing races, resizing"))
    alone = {**twin, "message_id": "<b@x>", "thread_id": "<b@x>"}
    del alone["body_new"]  # only the stem field has the text: the fallback counts it
    builder.add(twin)
    builder.add(alone)
    builder.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for word, count in (("resizing", 2.0), ("races", 1.0)):
            assert stem_word(word) != word
            assert read_postings(reader, "body_new_stem", stem_word(word)) == [(0, count), (1, count)]


def read_postings(reader: object, field: str, term: str) -> list[tuple[int, float]]:
    matcher = reader.postings(field, term)  # type: ignore[attr-defined]
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight()))
        matcher.next()
    return out


@pytest.mark.parametrize("field, value", [
    ("date", datetime(2024, 2, 29, 23, 59, 59, 999999)),
    ("date", datetime(1970, 1, 1)),
    ("date", datetime(1, 1, 1)),
    ("date", "2019"),  # whoosh parses a date string itself
    ("message_id", "<20240102.abc@example.org>"),
    ("message_id", ""),
    ("thread_id", " spaced <x@y> "),
    ("thread_id", "naïve@exämple"),
    ("subject", "not an id field: whoosh's own path"),
])
def test_index_raw_gives_what_whoosh_indexes(field: str, value: object) -> None:
    schema = build_schema()
    assert index_raw(schema[field], value) == list(schema[field].index(value))
