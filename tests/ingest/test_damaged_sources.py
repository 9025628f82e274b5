"""Damaged sources end in the quarantine, never in an aborted ingest."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import func, select, text

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, Quarantine
from tests.ingest.test_pipeline import mail, write_mbox


def test_truncated_gz_in_a_directory_keeps_whole_messages_and_the_rest(db_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(db_url))
    archive = tmp_path / "archive"
    archive.mkdir()
    mails = [mail(f"{i}@x", subject=f"s{i} " + "x" * 4000) for i in range(30)]
    data = b"".join(b"From x Mon Jan  1 00:00:00 2024\n" + m + b"\n" for m in mails)
    packed = gzip.compress(data)
    (archive / "a.mbox.gz").write_bytes(packed[:len(packed) // 2])
    (archive / "b.mbox").write_bytes(b"From x Mon Jan  1 00:00:00 2024\n" + mail("last@x") + b"\n")
    report = run_ingest(factory, [str(archive)], "test", workers=0)
    assert len(report.skipped) == 1
    skipped = report.skipped[0]
    assert skipped.source.endswith("a.mbox.gz") and "truncated gzip" in skipped.reason
    offset = int(skipped.position.split()[1])
    whole = data[:offset].count(b"From x Mon")                    # messages before the damaged one
    assert 0 < whole < 30 and report.stored == whole + 1          # ... and b.mbox's message
    with factory() as s:
        assert s.scalar(select(func.count(Message.id))) == whole + 1
        assert s.scalar(select(func.count(Quarantine.id)).where(Quarantine.position == skipped.position)) == 1


def poison_subjects(factory, dialect: str) -> None:
    """Make the database itself reject messages whose subject is 'poison'."""
    with factory() as s:
        if dialect == "sqlite":
            s.execute(text("CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.subject = 'poison' "
                           "BEGIN SELECT RAISE(ABORT, 'poisoned subject'); END"))
        else:
            s.execute(text("ALTER TABLE messages ADD CONSTRAINT no_poison CHECK (subject <> 'poison')"))
        s.commit()


def test_a_message_the_database_rejects_costs_only_that_message(db_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(db_url))
    poison_subjects(factory, "sqlite" if db_url.startswith("sqlite") else "postgresql")
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("2@x", "1@x", subject="poison"), mail("3@x", "1@x")])
    report = run_ingest(factory, [str(box)], "test", workers=0)
    assert (report.read, report.stored, len(report.skipped)) == (3, 2, 1)
    reason = report.skipped[0].reason
    assert reason.startswith("database rejected 2@x: ") and "\n" not in reason
    assert "INSERT" not in reason and "parameters" not in reason
    with factory() as s:
        assert s.scalar(select(func.count(Message.id))) == 2
        assert s.scalar(select(Quarantine.position).where(Quarantine.reason == reason)) == report.skipped[0].position
