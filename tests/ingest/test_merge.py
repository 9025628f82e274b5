"""A page's recovered messages merge with the real messages when they arrive from an archive."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ingest.pipeline import run_ingest
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
