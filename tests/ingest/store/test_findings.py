"""What the extractor reads from the store (load_thread_texts)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ingest.pipeline import run_ingest
from ingest.store.findings import load_thread_texts
from kb.config import load_settings
from kb.db import open_database
from kb.models import Thread
from tests.ingest.test_pipeline import mail, write_mbox


def test_subjects_reach_the_extractor_without_the_list_tag(sqlite_url: str, tmp_path: Path) -> None:
    """A mailman list's "[dm-devel] " before the patch tag would hide the patch tag from every
    subject rule; the stored subject keeps it."""
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x", subject="[dm-devel] [PATCH v2] dm: fix a race"),
                                           mail("2@x", "1@x", subject="Re: [dm-devel] [PATCH v2] dm: fix a race")])
    factory = open_database(load_settings(sqlite_url))
    run_ingest(factory, [str(box)], "dm-devel", workers=0)
    with factory() as s:
        thread = s.scalars(select(Thread)).one()
        text = load_thread_texts(s, [thread.id])[thread.id]
    assert thread.subject == "[dm-devel] [PATCH v2] dm: fix a race"
    assert text.subject == "[PATCH v2] dm: fix a race"
    assert [m.subject for m in text.messages] == ["[PATCH v2] dm: fix a race", "Re: [PATCH v2] dm: fix a race"]
