"""Reused Message-IDs: different content under an id already taken is kept, derived, counted, found."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.library import Library
from kb.models import Message
from tests.ingest.test_pipeline import mail, write_mbox


def test_reused_id_is_stored_under_a_derived_id_and_found_by_the_original(db_url: str, tmp_path: Path) -> None:
    settings = load_settings(db_url)
    factory = open_database(settings)
    first = mail("same@x", subject="first message")
    second = mail("same@x", subject="another message entirely")
    box = write_mbox(tmp_path / "a.mbox", [first, second, first, second])   # each twice: present
    report = run_ingest(factory, [str(box)], "test", workers=0)
    assert (report.read, report.stored, report.present, report.reused) == (4, 2, 2, 1)
    with factory() as s:
        rows = dict(s.execute(select(Message.message_id, Message.subject)).all())
    derived = next(mid for mid in rows if mid != "same@x")
    assert rows == {"same@x": "first message", derived: "another message entirely"}
    assert derived.startswith("reused-") and derived.endswith(".same@x")
    assert Library(settings).show_message("same@x").reused_by == (derived,)
    with factory() as s:
        assert "id:reused" in s.scalar(select(Message.defects).where(Message.message_id == derived))
    again = run_ingest(factory, [str(box)], "test", workers=0)
    assert (again.stored, again.present, again.reused) == (0, 4, 0)
    with factory() as s:
        assert s.scalar(select(func.count(Message.id))) == 2


def test_reused_id_across_runs_and_the_same_mail_from_two_lists(sqlite_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(sqlite_url))
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("r@x")]))], "one", workers=0)
    copy = mail("r@x").replace(b"To: list@", b"List-Id: <two.vger.kernel.org>\nTo: list@")
    later = run_ingest(factory, [str(write_mbox(tmp_path / "b.mbox", [copy, mail("r@x", subject="new")]))],
                       "two", workers=0)
    assert (later.stored, later.present, later.reused) == (1, 1, 1)
