"""Series (cover letter + parts) and revisions (v1..vN) from real-shaped subjects."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.library import Library


def mail(msgid: str, subject: str, parent: str | None, day: int) -> str:
    reply = f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n" if parent else ""
    return (f"From x Mon Jan  1 00:00:00 2024\nFrom: Ann <ann@example.org>\nSubject: {subject}\n"
            f"Message-ID: <{msgid}>\n{reply}Date: Mon, {day} Jan 2024 10:00:00 +0000\n\nbody\n\n")


def test_series_and_revisions(tmp_path: Path) -> None:
    box = tmp_path / "s.mbox"
    box.write_text("".join([
        mail("v1-0@x", "[PATCH 0/2] mm, swap: fix races", None, 1),
        mail("v1-1@x", "[PATCH 1/2] mm, swap: take the lock", "v1-0@x", 1),
        mail("v1-2@x", "[PATCH 2/2] mm, swap: recheck the entry", "v1-0@x", 1),
        mail("v1-r@x", "Re: [PATCH 1/2] mm, swap: take the lock", "v1-1@x", 2),
        mail("v2-0@x", "[PATCH v2 0/2] mm, swap: fix races", None, 5),
        mail("v2-1@x", "[PATCH v2 1/2] mm, swap: take the lock", "v2-0@x", 5),
        mail("v2-2@x", "[PATCH v2 2/2] mm, swap: recheck the entry", "v2-0@x", 5),
        mail("one@x", "[RFC PATCH] cgroup: something else", None, 6),
    ]))
    library = Library(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    run_ingest(library.factory, [str(box)], workers=0)
    revisions = {r.title: r for r in library.list_series()}
    fix = revisions["mm, swap: fix races"]
    assert [(s.version, s.parts, s.total, s.first_message_id) for s in fix.series] == [
        (1, 3, 2, "v1-0@x"), (2, 3, 2, "v2-0@x")]
    assert [s.version for s in revisions["cgroup: something else"].series] == [1]
