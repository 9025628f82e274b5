"""End-to-end ingest: nothing lost, nothing duplicated, re-runs and interrupted runs are safe."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import func, select

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, MessageList, Quarantine, Thread
from tests.conftest import require_shared
from tests.ingest.sources.epochs import append_message, create_epoch

GOOD = (b"From: Ann <ann@example.org>\nTo: list@vger.kernel.org\nSubject: %s\nMessage-ID: <%s>\n"
        b"%sDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n")


def mail(msgid: str, parent: str | None = None, subject: str = "race in foo") -> bytes:
    reply = f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n".encode() if parent else b""
    return GOOD % (subject.encode(), msgid.encode(), reply)


def write_mbox(path: Path, mails: list[bytes]) -> Path:
    path.write_bytes(b"".join(b"From x Mon Jan  1 00:00:00 2024\n" + m.rstrip(b"\n") + b"\n\n" for m in mails))
    return path


def count(factory, column) -> int:
    with factory() as s:
        return s.scalar(select(func.count(column)))


def test_mbox_ingest_accounts_for_every_message_and_reruns_store_nothing(db_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(db_url))
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("2@x", "1@x"), b"\x00\x01\x02 junk", b"",
                                           mail("1@x")])
    report = run_ingest(factory, [str(box)], "test", workers=0)
    assert (report.read, report.stored, report.present, len(report.skipped)) == (5, 2, 1, 2)
    assert all(s.position.startswith("offset ") and s.reason for s in report.skipped)
    assert report.threads == 1
    again = run_ingest(factory, [str(box)], "test", workers=0)
    assert (again.stored, again.present, len(again.skipped)) == (0, 3, 2)
    assert count(factory, Message.id) == 2
    assert count(factory, Quarantine.id) == 2


def test_same_message_from_two_lists_is_one_row_with_two_memberships(sqlite_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(sqlite_url))
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x")])
    run_ingest(factory, [str(box)], "linux-mm", workers=0)
    run_ingest(factory, [str(box)], "cgroups", workers=0)
    assert count(factory, Message.id) == 1
    assert count(factory, MessageList.list_id) == 2


def test_grown_epoch_reads_only_new_commits(sqlite_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(sqlite_url))
    epoch = create_epoch(tmp_path / "0.git")
    append_message(epoch, mail("1@x"))
    assert run_ingest(factory, [str(epoch)], workers=0).stored == 1
    append_message(epoch, mail("2@x", "1@x"))
    grown = run_ingest(factory, [str(epoch)], workers=0)
    assert (grown.read, grown.stored) == (1, 1)
    assert run_ingest(factory, [str(epoch)], workers=0).read == 0
    with factory() as s:
        assert s.scalar(select(Thread.message_count)) == 2


def test_gold_mbox_with_worker_processes(sqlite_url: str, tmp_path: Path) -> None:
    source = require_shared("corpus", "cgroups-gold-threads.mbox")
    gz = tmp_path / "gold.mbox.gz"
    gz.write_bytes(gzip.compress(source.read_bytes()))
    factory = open_database(load_settings(sqlite_url))
    report = run_ingest(factory, [str(gz)], workers=2)
    assert report.read == 228
    assert report.stored + report.present + len(report.skipped) == 228
    assert report.stored == 228


def test_an_extractor_crash_costs_one_thread_not_the_ingest(sqlite_url: str, tmp_path: Path,
                                                            monkeypatch) -> None:
    import ingest.extract_stage as stage

    def explode(thread, maintainers=None):
        raise RecursionError("hostile text")

    monkeypatch.setattr(stage, "extract_thread", explode)
    factory = open_database(load_settings(sqlite_url))
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("2@x", "1@x")])
    report = run_ingest(factory, [str(box)], workers=0)
    assert report.stored == 2 and report.extracted.threads == 1 and report.extracted.races == 0


PATCH_MAIL = (b"From: Ada Example <ada@example.org>\nSubject: [PATCH] mm: fix the race\n"
              b"Message-ID: <p1@x>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n"
              b"Take the lock first.\n\nSigned-off-by: Ada Example <ada@example.org>\n---\n"
              b"diff --git a/mm/a.c b/mm/a.c\n--- a/mm/a.c\n+++ b/mm/a.c\n"
              b"@@ -1,3 +1,3 @@ static int isolate(struct page *page)\n a\n-b\n+c\n d\n")
REPLY_MAIL = (b"From: Bob Example <bob@example.org>\nSubject: Re: [PATCH] mm: fix the race\n"
              b"Message-ID: <p2@x>\nIn-Reply-To: <p1@x>\nDate: Mon, 1 Jan 2024 11:00:00 +0000\n\n"
              b"On Mon, Jan 01, 2024 at 10:00:00AM +0000, Ada Example wrote:\n> Take the lock first.\n\n"
              b"Why?\n\n> Signed-off-by: Ada Example <ada@example.org>\n\n"
              b"Acked-by: Bob Example <bob@example.org>\n")


def test_anatomy_rows_round_trip(db_url: str, tmp_path: Path) -> None:
    """Patches (JSON function lists), trailers and quote ties read back on both databases."""
    from kb.library import Library
    from kb.models import Segment

    settings = load_settings(db_url)
    run_ingest(open_database(settings), [str(write_mbox(tmp_path / "p.mbox", [PATCH_MAIL]))], workers=0)
    run_ingest(open_database(settings), [str(write_mbox(tmp_path / "r.mbox", [REPLY_MAIL]))], workers=0)
    library = Library(settings)
    patch = library.show_message("p1@x")
    assert [(p.path, p.status, p.functions, p.added, p.removed) for p in patch.patches] == [
        ("mm/a.c", "modified", ("static int isolate(struct page *page)",), 1, 1)]
    assert [(t.kind, t.name) for t in patch.trailers] == [("signed-off-by", "Ada Example")]
    reply = library.show_message("p2@x")
    assert [(t.kind, t.name) for t in reply.trailers] == [("acked-by", "Bob Example")]
    with library.session() as s:
        quotes = s.execute(select(Segment.person_name, Segment.quoted_message_id, Segment.method)
                           .where(Segment.kind == "quote").order_by(Segment.start)).all()
    assert [tuple(q) for q in quotes] == [("Ada Example", "p1@x", "attribution")] * 2
