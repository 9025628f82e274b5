"""prepare_batch: every message comes back, in order, either prepared or rejected with a reason."""

from __future__ import annotations

import json

import pytest

import ingest.prepare as prepare
from ingest.parse.patch import Hunk
from ingest.prepare import PreparedMessage, RejectedMessage, format_functions, prepare_batch
from ingest.sources.base import RawMail
from ingest.store.quotes import find_first_quotes
from kb.blobs import unpack_blob

GOOD = (b"From: Ann <ann@example.org>\nSubject: race in foo\nMessage-ID: <%d@x>\n"
        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nOn Sun, Dec 31, 2023, Bob wrote:\n> quoted\n\nmine\n")


def raw(data: bytes, k: int = 0) -> RawMail:
    return RawMail(data=data, source="t.mbox", position=f"offset {k}")


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty message"),
    (b"  \n\n", "empty message"),
    (b"\x00\x01\x02 junk", "unparseable"),
])
def test_bad_messages_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    (item,) = prepare_batch([raw(data)])
    assert isinstance(item, RejectedMessage)
    assert item.reason.startswith(reason) and item.position == "offset 0"


def test_oversized_message_keeps_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare, "MAX_RAW_BYTES", 100)
    data = GOOD % 1 + b"x" * 200
    (item,) = prepare_batch([raw(data)])
    assert isinstance(item, RejectedMessage) and item.reason.startswith("message too large")
    assert unpack_blob(item.raw_z) == data and item.raw_size == len(data)


def test_mixed_batch_keeps_order_and_anatomy() -> None:
    items = prepare_batch([raw(GOOD % 1, 0), raw(b"", 1), raw(GOOD % 2, 2)])
    assert [type(i).__name__ for i in items] == ["PreparedMessage", "RejectedMessage", "PreparedMessage"]
    first = items[0]
    assert isinstance(first, PreparedMessage) and first.headers.message_id == "1@x" and not hasattr(first.headers, "body")
    assert unpack_blob(first.raw_z) == GOOD % 1
    body = unpack_blob(first.body_z).decode()
    assert [(kind, name) for kind, _s, _e, _d, name, *_ in first.anatomy.segments] == [
        ("attribution", "Bob"), ("quote", "Bob"), ("text", "")]
    assert find_first_quotes(first) == [1]
    assert body[first.anatomy.segments[1][1]:first.anatomy.segments[1][2]] == "> quoted\n"


def test_anatomy_failure_keeps_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(body: str) -> prepare.Anatomy:
        raise RuntimeError("boom")

    monkeypatch.setattr(prepare, "find_anatomy", explode)
    (item,) = prepare_batch([raw(GOOD % 3)])
    assert isinstance(item, PreparedMessage)
    assert item.anatomy == prepare.NO_ANATOMY and "anatomy:RuntimeError" in item.headers.defects


@pytest.mark.parametrize("names", [
    [], ["f"], ["int f(void)", "", "int f(void)", "g"], ['say("hi")', "émigré \u20ac", "\x01\t"]])
def test_function_lists_are_the_json_of_the_distinct_names(names: list[str]) -> None:
    hunks = tuple(Hunk(1, 1, 1, 1, name, 0, 0, 0, 0) for name in names)
    assert format_functions(hunks) == json.dumps(list(dict.fromkeys(n for n in names if n)))
