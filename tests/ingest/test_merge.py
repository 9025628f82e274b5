"""A page's recovered messages merge with the real messages when they arrive from an archive."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from sqlalchemy import func, select

from ingest.pipeline import run_ingest
from ingest.store.merge import MailRow
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, MessageAlias

PAGE = ("On Mon, Jan 1, 2024 at 10:00:00AM +0000, Ann Author wrote:\n"
        "> I think there is a race between foo_release() and foo_open() here,\n"
        "> the refcount can drop to zero while we still use it.\n\n"
        "Yes, we could take the lock in foo_open() to close the window.\n\nThanks, Bob\n")
REAL = (b"From: Ann Author <ann@example.org>\nSubject: race in foo\nMessage-ID: <real-1@x>\n"
        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nI think there is a race between foo_release() and foo_open()\n"
        b"here, the refcount can drop to zero while we still use it.\n")


def test_recovered_message_merges_with_the_real_one(tmp_path: Path) -> None:
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    (tmp_path / "page.txt").write_text(PAGE)
    (tmp_path / "real.eml").write_bytes(REAL)
    first = run_ingest(factory, [str(tmp_path / "page.txt")], workers=0)
    assert first.stored == 2
    run_ingest(factory, [str(tmp_path / "real.eml")], workers=0)
    with factory() as s:
        assert s.scalar(select(func.count(Message.id))) == 2
        reply = s.scalar(select(Message).where(Message.recovered))
        assert reply.in_reply_to == "real-1@x" and reply.author_name == "Bob"
        assert s.scalar(select(func.count(MessageAlias.alias))) == 1
        real = s.scalar(select(Message).where(Message.message_id == "real-1@x"))
        assert real.thread_id == reply.thread_id
    again = run_ingest(factory, [str(tmp_path / "page.txt")], workers=0)
    assert again.stored == 0 and again.present == 2


@pytest.mark.parametrize("interrupted", [False, True])
def test_a_merged_recovered_message_leaves_the_search_index(tmp_path: Path, interrupted: bool) -> None:
    """The recovered copy's index entry goes with its row, also when the run that merged it
    stopped before its index stage (the next run deletes it)."""
    from kb.search import list_indexed

    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    index = tmp_path / "kb.index"
    (tmp_path / "page.txt").write_text(PAGE)
    (tmp_path / "real.eml").write_bytes(REAL)
    run_ingest(factory, [str(tmp_path / "page.txt")], workers=0, index_dir=index)
    with factory() as s:
        before = set(s.scalars(select(Message.message_id)))
    assert set(list_indexed(index)) == before
    run_ingest(factory, [str(tmp_path / "real.eml")], workers=0, index_dir=None if interrupted else index)
    if interrupted:
        run_ingest(factory, [], workers=0, index_dir=index)
    with factory() as s:
        after = set(s.scalars(select(Message.message_id)))
    assert "real-1@x" in after and len(before - after) == 1
    assert set(list_indexed(index)) == after


def make_row(pk: int, mid: str, name: str, email: str, body: str, day: int | None = 1) -> MailRow:
    date = datetime(2024, 2, day, tzinfo=timezone.utc) if day else None
    return MailRow(pk, mid, name, email, date, body, "page.txt")


WORDS = "the race happens when two tasks both drop the last reference"


@pytest.mark.parametrize("recovered,real,matched", [
    # same address, same day, first words in the real message's own lines
    (make_row(1, "r@kb", "Ann", "ann@x", WORDS), make_row(2, "a@x", "Ann", "ann@x", "Hi,\n" + WORDS), "a@x"),
    # the page hides the address: the name decides, in any case
    (make_row(1, "r@kb", "Ann Dev", "", WORDS), make_row(2, "a@x", "ann dev", "ann@x", WORDS), "a@x"),
    # the words only in the real message's quotes: no match (people quote their own mail)
    (make_row(1, "r@kb", "Ann", "ann@x", WORDS), make_row(2, "a@x", "Ann", "ann@x", "> " + WORDS), None),
    # two days apart: no match; an unknown date does not block one
    (make_row(1, "r@kb", "Ann", "ann@x", WORDS, 1), make_row(2, "a@x", "Ann", "ann@x", WORDS, 3), None),
    (make_row(1, "r@kb", "Ann", "ann@x", WORDS, None), make_row(2, "a@x", "Ann", "ann@x", WORDS, 3), "a@x"),
    # another author with the same words: no match
    (make_row(1, "r@kb", "Ann", "ann@x", WORDS), make_row(2, "b@x", "Bob", "bob@x", WORDS), None),
    # a recovered message without words matches nothing
    (make_row(1, "r@kb", "Ann", "ann@x", "> > ---"), make_row(2, "a@x", "Ann", "ann@x", "> > ---"), None),
])
def test_recovered_messages_match_their_real_counterpart(recovered, real, matched):
    from ingest.merge_pages import match_recovered

    found = match_recovered([recovered], [real])
    assert [mid for _, mid in found] == ([matched] if matched else [])
