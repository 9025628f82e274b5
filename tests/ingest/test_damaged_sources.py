"""Damaged sources end in the quarantine, never in an aborted ingest."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import func, select

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, Quarantine
from tests.ingest.test_pipeline import mail


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
