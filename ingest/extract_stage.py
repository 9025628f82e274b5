"""The extraction stage: threads whose membership changed -> findings -> rows -> histories.

Threads are loaded in the main process, extracted in worker processes (spaCy loads once
per worker), and their findings replace the old ones in one transaction per batch.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ingest.extract.maintainers import Maintainers
from ingest.extract.thread import extract_thread
from ingest.extract.types import ThreadFindings, ThreadText
from ingest.store.findings import (
    iter_chunks, load_stored_maintainers, load_thread_texts, relink_histories, store_findings,
)

THREADS_PER_BATCH = 200
_maintainers: Maintainers | None = None  # set before the worker pool forks


@dataclass(frozen=True)
class ExtractReport:
    threads: int
    races: int
    fixes: int
    objections: int
    histories: int


def extract_one(thread: ThreadText) -> ThreadFindings:
    """One thread's findings; a thread that breaks an extractor gets none, with the reason in
    its notes, and never stops the rest of the batch."""
    try:
        return extract_thread(thread, _maintainers)
    except Exception as exc:  # noqa: BLE001 - untrusted text must not stop an ingest
        return ThreadFindings(thread.thread_id, thread.list, thread.subject,
                              tuple(m.message_id for m in thread.messages), False,
                              notes=f"extraction failed: {type(exc).__name__}: {exc}")


def run_extraction(factory: sessionmaker[Session], thread_ids: Iterable[int], workers: int = 2) -> ExtractReport:
    global _maintainers
    ids = sorted(thread_ids)
    with factory() as session:
        _maintainers = load_stored_maintainers(session)
    races = fixes = objections = 0
    parallel = workers > 0 and len(ids) >= 20
    # one pool for the whole run: each worker loads spaCy once, not once per batch
    with multiprocessing.get_context("fork").Pool(workers) if parallel else nullcontext() as pool:
        for batch in iter_chunks(ids, THREADS_PER_BATCH):
            with factory() as session:
                texts = load_thread_texts(session, batch)
                by_root = {text.thread_id: thread_id for thread_id, text in texts.items()}
                results = (pool.imap(extract_one, texts.values(), chunksize=8) if pool
                           else map(extract_one, texts.values()))
                found = {by_root[f.thread_id]: f for f in results}
                store_findings(session, found)
                session.commit()
            races += sum(len(f.races) for f in found.values())
            fixes += sum(len(f.fixes) for f in found.values())
            objections += sum(len(f.objections) for f in found.values())
    with factory() as session:
        histories = relink_histories(session)
        session.commit()
    return ExtractReport(len(ids), races, fixes, objections, histories)
