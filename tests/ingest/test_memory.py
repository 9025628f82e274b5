"""What the ingest hands back before its workers fork, and the page caches it keeps."""

from __future__ import annotations

import gc
import os
import weakref
from pathlib import Path

from sqlalchemy import text

from ingest.children import start_pool
from ingest.memory import INGEST_CACHE_KIB, release_connections, small_page_caches
from kb.config import load_settings
from kb.db import open_database


class Holder:
    pass


def test_a_pool_forks_after_the_parent_has_collected_what_it_no_longer_holds() -> None:
    """A batch held only by a reference cycle is freed before the workers fork, not copied into them."""
    batch = Holder()
    batch.self = batch
    batch.documents = [b"x" * 1000 for _ in range(100)]
    alive = weakref.ref(batch)
    del batch
    seen: list[bool] = []
    os.register_at_fork(before=lambda: seen.append(alive() is not None))
    gc.disable()  # only the pool's own collection may free it
    try:
        pool = start_pool(1)
        pool.terminate()
        pool.join()
    finally:
        gc.enable()
    assert seen and not any(seen)


def cache_size(factory) -> int:
    with factory() as session:
        return session.execute(text("PRAGMA cache_size")).scalar_one()


def test_small_page_caches_hold_within_the_block_only(tmp_path: Path) -> None:
    factory = open_database(load_settings(f"sqlite:///{tmp_path}/kb.sqlite"))
    before = cache_size(factory)
    assert before != -INGEST_CACHE_KIB
    with small_page_caches(factory):
        assert cache_size(factory) == -INGEST_CACHE_KIB
    assert cache_size(factory) == before


def test_releasing_connections_keeps_an_in_memory_database() -> None:
    factory = open_database(load_settings("sqlite:///:memory:"))
    with factory() as session:
        session.execute(text("CREATE TABLE kept (x INTEGER)"))
        session.commit()
    release_connections(factory)
    with factory() as session:
        assert session.execute(text("SELECT count(*) FROM kept")).scalar_one() == 0


def test_the_extract_workers_fork_before_the_thread_stage_grows_the_main_process(
        tmp_path: Path, monkeypatch) -> None:
    import multiprocessing

    import ingest.pipeline as pipeline

    events: list[str] = []
    start = pipeline.start_extract_pool
    thread = pipeline.thread_messages
    monkeypatch.setattr(pipeline, "EARLY_POOL_STORED", 3)
    monkeypatch.setattr(pipeline, "start_extract_pool", lambda *a: events.append("fork") or start(*a))
    monkeypatch.setattr(pipeline, "thread_messages", lambda *a: events.append("thread") or thread(*a))
    mbox = tmp_path / "in.mbox"
    mbox.write_bytes(b"".join(
        b"From a@example.org Mon Jan  1 00:00:00 2024\nFrom: A <a@example.org>\nSubject: s%d\n"
        b"Message-ID: <%d@x>\n\nthere is a race between foo() and bar()\n\n" % (i, i) for i in range(4)))
    factory = open_database(load_settings(f"sqlite:///{tmp_path}/kb.sqlite"))
    report = pipeline.run_ingest(factory, [str(mbox)], workers=2)
    assert events == ["fork", "thread"]
    assert report.stored == 4 and report.extracted is not None and report.extracted.threads == 4
    assert not multiprocessing.active_children()
