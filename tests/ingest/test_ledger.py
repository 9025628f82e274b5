"""The ledger of done work: every run completes what an earlier one left missing or stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ingest.pipeline import find_pending, run_ingest
from ingest.store.maintainers import store_maintainers
from kb.config import load_settings
from kb.db import open_database
from kb.ledger import EXTRACT, INDEX, Pending, list_pending
from kb.models import Fix, MaintainerSection, Message, Objection, Race, StageLedger, Thread
from kb.search import list_indexed
from tests.conftest import require_shared
from tests.ingest.test_pipeline import mail, write_mbox

MAINTAINERS = "CONTROL GROUP\nM:\tAnn <ann@example.org>\nL:\tcgroups@vger.kernel.org\nF:\tkernel/cgroup/\n"


def make_kb(tmp_path: Path, name: str = "kb") -> tuple[object, Path]:
    settings = load_settings(str(tmp_path / f"{name}.sqlite"))
    return open_database(settings), settings.index_dir


def count_facts(factory) -> tuple[int, int, int, int]:
    with factory() as s:
        return tuple(s.scalar(select(func.count(c))) for c in (Thread.id, Race.id, Fix.id, Objection.id))


def test_a_finished_ingest_leaves_nothing_pending(tmp_path: Path) -> None:
    factory, index = make_kb(tmp_path)
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("2@x", "1@x"), mail("3@x")])
    run_ingest(factory, [str(box)], workers=0, index_dir=index)
    assert find_pending(factory, index) == Pending(0, 0, 2)
    assert set(list_indexed(index)) == {"1@x", "2@x", "3@x"}


def test_stages_a_run_never_reached_are_completed_by_the_next(tmp_path: Path) -> None:
    gold = require_shared("corpus", "cgroups-gold-threads.mbox")
    clean, clean_index = make_kb(tmp_path, "clean")
    run_ingest(clean, [str(gold)], workers=0, index_dir=clean_index)
    stopped, stopped_index = make_kb(tmp_path, "stopped")
    run_ingest(stopped, [str(gold)], workers=0, extract=False)  # as if stopped before extraction
    threads = count_facts(stopped)[0]
    assert find_pending(stopped, stopped_index) == Pending(threads, threads, threads)
    report = run_ingest(stopped, [], workers=0, index_dir=stopped_index)  # kb refresh
    assert report.read == 0 and report.extracted is not None and report.extracted.threads == threads
    assert find_pending(stopped, stopped_index) == Pending(0, 0, threads)
    assert count_facts(stopped) == count_facts(clean)
    assert count_facts(clean)[1] > 0
    assert list_indexed(stopped_index) == list_indexed(clean_index)
    again = run_ingest(stopped, [], workers=0, index_dir=stopped_index)
    assert again.extracted is not None and again.extracted.threads == 0 and again.indexed == 0


def test_a_new_reply_makes_only_its_thread_wait(tmp_path: Path) -> None:
    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    run_ingest(factory, [str(write_mbox(tmp_path / "b.mbox", [mail("2@x", "1@x")]))], workers=0, extract=False)
    with factory() as s:
        waiting = list_pending(s, EXTRACT, s.scalar(select(StageLedger.version)
                                                    .where(StageLedger.stage == EXTRACT).limit(1)))
        root = s.scalar(select(Thread.root_message_id).where(Thread.id.in_(waiting)))
    assert len(waiting) == 1 and root == "1@x"


def test_new_maintainers_data_makes_every_thread_wait_for_extraction(tmp_path: Path) -> None:
    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    with factory() as s:
        store_maintainers(s, MAINTAINERS)
        s.commit()
    assert find_pending(factory, index).extract == 2
    run_ingest(factory, [], workers=0, index_dir=index)
    assert find_pending(factory, index) == Pending(0, 0, 2)


def test_an_upgraded_extractor_makes_every_thread_wait_for_extraction(tmp_path: Path, monkeypatch) -> None:
    """A new kb whose extractor code changed re-extracts, even when nobody bumped its VERSION."""
    import ingest.extract_stage as stage

    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    assert find_pending(factory, index).extract == 0
    monkeypatch.setattr(stage, "digest_extractor", lambda: "another-code")
    assert find_pending(factory, index).extract == 2


def test_the_extractor_digest_covers_code_cues_and_model(tmp_path: Path, monkeypatch) -> None:
    import ingest.extract_stage as stage

    def digest_with(data_dir: Path) -> str:
        stage.digest_extractor.cache_clear()
        monkeypatch.setattr(stage.nlp, "DATA_DIR", data_dir)
        monkeypatch.setattr(stage.nlp, "MODEL_DIR", data_dir / "models" / "textcat")
        return stage.digest_extractor()

    (tmp_path / "patterns").mkdir()
    (tmp_path / "patterns" / "cues.json").write_text("{}")
    before = digest_with(tmp_path)
    (tmp_path / "patterns" / "cues.json").write_text('{"race": []}')
    after_cues = digest_with(tmp_path)
    (tmp_path / "models" / "textcat").mkdir(parents=True)
    (tmp_path / "models" / "textcat" / "model").write_bytes(b"w")
    after_model = digest_with(tmp_path)
    stage.digest_extractor.cache_clear()
    assert len({before, after_cues, after_model}) == 3


def test_a_removed_index_makes_every_thread_wait_for_indexing(tmp_path: Path) -> None:
    import shutil

    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    shutil.rmtree(index)
    assert find_pending(factory, index) == Pending(0, 2, 2)
    assert run_ingest(factory, [], workers=0, index_dir=index).indexed == 2
    assert set(list_indexed(index)) == {"1@x", "3@x"}


def test_a_stale_index_version_makes_every_thread_wait(tmp_path: Path) -> None:
    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    with factory() as s:
        s.execute(update(StageLedger).where(StageLedger.stage == INDEX).values(version="schema 0"))
        s.commit()
    assert find_pending(factory, index).index == 2


def test_an_index_of_another_schema_is_rebuilt_by_the_next_ingest(tmp_path: Path) -> None:
    from kb.search.index import VERSION_FILE

    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    (index / VERSION_FILE).write_text("0\n")  # as an older kb left it
    with factory() as s:
        s.execute(update(StageLedger).where(StageLedger.stage == INDEX).values(version="schema 0"))
        s.commit()
    assert run_ingest(factory, [], workers=0, index_dir=index).indexed == 2
    assert set(list_indexed(index)) == {"1@x", "3@x"}
    assert find_pending(factory, index).index == 0


def maintainers_patch(msgid: str, added: str = "M:\tBea <bea@example.org>") -> bytes:
    """A patch mail that adds a line (Bea as an M:) to the loaded CONTROL GROUP section."""
    body = ("Bea takes care of it too.\n\nSigned-off-by: Bea <bea@example.org>\n---\n"
            "diff --git a/MAINTAINERS b/MAINTAINERS\n--- a/MAINTAINERS\n+++ b/MAINTAINERS\n"
            f"@@ -1,3 +1,4 @@\n CONTROL GROUP\n M:\tAnn <ann@example.org>\n+{added}\n"
            " L:\tcgroups@vger.kernel.org\n-- \n2.40.0\n")
    return (f"From: Bea <bea@example.org>\nTo: cgroups@vger.kernel.org\nSubject: [PATCH] MAINTAINERS: add Bea\n"
            f"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <{msgid}>\n\n{body}").encode()


def test_a_maintainers_patch_that_changes_a_role_makes_threads_wait_for_extraction(tmp_path: Path) -> None:
    from ingest.store.maintainers import add_role_history, load_maintainers_digest, load_stored_maintainers

    factory, index = make_kb(tmp_path)
    with factory() as s:
        store_maintainers(s, MAINTAINERS)
        s.commit()
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")]))], workers=0,
               index_dir=index)
    assert find_pending(factory, index) == Pending(0, 0, 2)
    run_ingest(factory, [str(write_mbox(tmp_path / "b.mbox", [maintainers_patch("m@x")]))], workers=0, extract=False)
    assert find_pending(factory, index).extract == 3  # every thread: the roles of all may change
    with factory() as s:
        misses = add_role_history.cache_info().misses
        load_maintainers_digest(s)
        [change] = load_stored_maintainers(s).history["CONTROL GROUP"]
    assert add_role_history.cache_info().misses <= misses + 1    # the patches are read for roles once
    assert (change.entry, change.added, change.date.year) == ("Bea <bea@example.org>", True, 2024)
    run_ingest(factory, [], workers=0, index_dir=index)
    assert find_pending(factory, index).extract == 0
    # a file pattern added to a section changes nobody's role: only the new thread waits
    run_ingest(factory, [str(write_mbox(tmp_path / "c.mbox", [maintainers_patch("f@x", "F:\tkernel/x.c")]))],
               workers=0, extract=False)
    assert find_pending(factory, index).extract == 1


@pytest.mark.parametrize("loaded", [False, True])
def test_maintainers_digest_names_the_loaded_data(tmp_path: Path, loaded: bool) -> None:
    from ingest.store.maintainers import load_maintainers_digest

    factory, _ = make_kb(tmp_path)
    with factory() as s:
        if loaded:
            store_maintainers(s, MAINTAINERS)
        digest = load_maintainers_digest(s)
        assert (digest == "none") != loaded
        assert (s.scalar(select(func.count(MaintainerSection.id))) > 0) == loaded


def test_thread_stage_stores_reply_order_and_depth(tmp_path: Path) -> None:
    factory, _ = make_kb(tmp_path)
    # 3 answers a message kb lacks (ghost) that answered 1: it sits one below 1
    ghost_reply = mail("3@x", "ghost@x").replace(b"References: <ghost@x>", b"References: <1@x> <ghost@x>")
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("2@x", "1@x"), ghost_reply]))],
               workers=0, extract=False)
    with factory() as s:
        rows = s.execute(select(Message.message_id, Message.thread_rank, Message.thread_depth)
                         .order_by(Message.thread_rank)).all()
    assert [(m, d) for m, _, d in rows] == [("1@x", 0), ("2@x", 1), ("3@x", 1)]
    assert [r for _, r, _ in rows] == [0, 1, 2]


def test_index_removals_are_recorded_once_and_spare_ids_held_again(tmp_path: Path) -> None:
    """A removal recorded twice is one row; an id a message holds again is no removal (its entry
    is rewritten with its thread); forgetting clears them."""
    from kb.ledger import forget_index_removals, list_index_removals, record_index_removals

    factory, index = make_kb(tmp_path)
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", [mail("1@x")]))], workers=0, index_dir=index)
    with factory() as s:
        record_index_removals(s, ["gone@x", "1@x"])
        record_index_removals(s, ["gone@x"])
        s.commit()
        assert list_index_removals(s) == (["gone@x"], ["1@x"])
        forget_index_removals(s, ["gone@x", "1@x"])
        s.commit()
        assert list_index_removals(s) == ([], [])
