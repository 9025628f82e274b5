"""A reply's depth-1 quotes are tied to the quoted message when it is in the KB."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, Segment

PARENT = ("From: Ann Author <ann@example.org>\nSubject: race in foo\nMessage-ID: <p@x>\n"
          "Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nfoo_release() can free the object while\n"
          "foo_open() still holds a pointer to it.\n")
ATTRIBUTED = ("From: Bob <bob@example.org>\nSubject: Re: race in foo\nMessage-ID: <a@x>\n"
              "In-Reply-To: <p@x>\nDate: Mon, 1 Jan 2024 11:00:00 +0000\n\n"
              "On Mon, Jan 1, 2024 at 10:00 AM Ann Author <ann@example.org> wrote:\n"
              "> foo_release() can free the object while\n\nTake a reference first.\n")
UNATTRIBUTED = ("From: Carl <carl@example.org>\nSubject: Re: race in foo\nMessage-ID: <u@x>\n"
                "In-Reply-To: <p@x>\nDate: Mon, 1 Jan 2024 12:00:00 +0000\n\n"
                "> foo_open() still holds a pointer to it.\n\nIndeed.\n")


def write_mbox(path: Path, mails: list[str]) -> Path:
    path.write_text("".join(f"From x Mon Jan  1 00:00:00 2024\n{m}\n" for m in mails))
    return path


def quote_of(factory, message_id: str) -> Segment:
    with factory() as s:
        return s.scalar(select(Segment).join(Message, Message.id == Segment.message_pk)
                        .where(Message.message_id == message_id, Segment.kind == "quote"))


def test_quotes_point_at_the_quoted_message(tmp_path: Path) -> None:
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    run_ingest(factory, [str(write_mbox(tmp_path / "p.mbox", [PARENT]))], workers=0)
    run_ingest(factory, [str(write_mbox(tmp_path / "r.mbox", [ATTRIBUTED, UNATTRIBUTED]))], workers=0)
    attributed = quote_of(factory, "a@x")
    assert (attributed.person_name, attributed.quoted_message_id, attributed.method) == (
        "Ann Author", "p@x", "attribution")
    aligned = quote_of(factory, "u@x")
    assert (aligned.person_email, aligned.quoted_message_id, aligned.method) == ("ann@example.org", "p@x", "aligned")
